"""Error rule: an object named by a string that only the custom-object registry knows.

Keras 2 resolved a string identifier (``activation="swish_beta"``, ``loss="focal"``,
``metrics=["f1"]``, ``kernel_initializer="my_init"``) through ``deserialize_keras_object``, which
looked in the global custom objects first: ``get_custom_objects().update({"f1": f1})`` made the
name usable anywhere. Keras 3's ``get`` functions read only Keras's own table for a string
("Could not interpret metric identifier: f1"), while they still take the object itself (and
instantiate a class, as Keras 2 did with a class found by name).

The message is a fact (``keras_messages``: kind ``identifier``); the live registry
(``keras.utils.get_custom_objects()``, read, never changed) holds the object under that name.
Every string the registry holds, given to a parameter that takes such objects, is replaced by
the object, as Keras 2 (which looked in the registry first) resolved it: by a name of the
namespace bound to that very object, else by the registry's entry itself. Where: the calls on the
failing lines (``activation``, ``*_initializer``, …); for a loss or metric, which Keras 3 resolves
at the first ``fit``, the model's ``compile`` (``compile_calls``: in this cell or an earlier one),
its loss and metrics together (the next one would fail next).
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis import held_strings, live
from kerasmagic.diagnosis.compile_calls import changed_compile, compile_of
from kerasmagic.diagnosis.compiled import failing_model_calls
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras2_identifiers import MODULES, keras2_string
from kerasmagic.diagnosis.keras3_support import keras_root, signature
from kerasmagic.diagnosis.keras_messages import parse
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.python_messages import failing_calls
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    apply_within,
    node_edit,
    node_text,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.wrapper_calls import passed_on, raised_through
from kerasmagic.knowledge import keras_map

ENTRY = "registered-name-not-resolved"
RENAMED = "keras3-renamed-identifier"
METRIC_CLASS = "keras3-metric-by-loss-name"
MODEL_METHODS = ("fit", "fit_generator", "train_on_batch", "evaluate", "test_on_batch")
# the kind Keras's message names -> the parameters that take it (a suffix: any parameter ending so)
PARAMETERS = {
    "activation function": ("activation", "recurrent_activation"),
    "initializer": ("_initializer",),
    "regularizer": ("_regularizer",),
    "constraint": ("_constraint",),
    "loss": ("loss",),
    "metric": ("metrics", "weighted_metrics"),
}
COMPILED = ("loss", "metric")  # resolved by the model at its first fit, not where written


@rule(ENTRY, when=(ERROR,), family="keras3-messages", errors=("ValueError",))
def registered_name(ctx: CellContext) -> list[Problem]:
    """The registered strings of the failing code replaced by the objects they stand for."""
    fact = parse(ctx.error_type, ctx.message)
    if fact is None or fact.kind != "identifier" or ctx.cell.tree is None:
        return []
    kind, name = fact.expected or "", fact.received or ""
    registry = registry_objects()
    module = MODULES[kind] if kind in COMPILED else None
    renamed = metric_class = default = None
    if module and name not in registry:  # Keras 2's alias (the generated map), as Keras 3 spells it
        renamed, metric_class, default = _resolved_spelling(module, name, keras2_string(module, name))  # fmt: skip
    if kind not in PARAMETERS or (name not in registry and renamed is None):
        return []
    spelled = _Spelling(ctx, registry, {name: repr(renamed)} if renamed else {})
    if kind in COMPILED:
        # a registered object serves as loss and metric alike; a Keras 3 name is of one table
        here, across = _in_compile(ctx, spelled, (kind,) if renamed else COMPILED)
    else:
        here = across = [e for call in failing_calls(ctx) for e in _edits(ctx, call, spelled)]
    if not here:  # handed by the failing line to a function of the notebook's other cells
        here, across = _passed_in(ctx, kind, spelled)
    text = spelled.texts.get(name)
    if not here or text is None:
        return []
    if renamed:  # Keras 2's other name of a Keras function (the generated map), not the registry
        problem = from_entry(METRIC_CLASS if metric_class else RENAMED, ctx.line, here, [name], ctx.shown_versions,
                             old=name, new=renamed, what=kind, module=module, cls=metric_class, default=default)  # fmt: skip
        problem.across = across
        return [problem]
    problem = from_entry(ENTRY, ctx.line, here + spelled.imports, sorted(spelled.texts), ctx.shown_versions,
                         name=name, kind=kind, object=text, keras=ctx.versions.get("keras", ""))  # fmt: skip
    problem.across = across + spelled.imports
    return [problem]


def _resolved_spelling(module: str, name: str, renamed: str | None) -> tuple[str | None, str | None, str | None]:  # fmt: skip
    """The Keras 3 string for Keras 2's ``name`` of a loss or metric, as the live Keras resolves
    strings (its table of objects, read): the generated map's rename when the table has it; else
    (a metric Keras 2 took by a loss function's name, ``'logcosh'`` or ``'log_cosh'``, whose
    Keras 3 function the table lacks) the table's metric class whose default name is Keras 2's
    string or another Keras 2 name of the same function (the map's aliases): the same value.
    With the class's name and default name when it is that fallback; ``renamed`` as given when
    the table cannot be read."""
    status, table = live.resolve_path(f"keras.src.{module}.ALL_OBJECTS_DICT")
    if status != live.OK or not isinstance(table, dict):
        return renamed, None, None
    if renamed is not None and renamed in table:
        return renamed, None, None
    names = keras_map.keras2_names(f"keras.{module}.{name}") | {name}  # and its Keras 2 aliases
    for key, obj in table.items():
        if module == "metrics" and isinstance(obj, type) and key.islower() and _default_name(obj) in names:  # fmt: skip
            return key, obj.__name__, str(_default_name(obj))
    return None, None, None


def _default_name(cls: type) -> object:
    found = signature(cls)
    parameter = found.parameters.get("name") if found is not None else None
    return parameter.default if parameter is not None else None


def registry_objects() -> dict[str, Any]:
    """The live Keras's global custom objects (the dict itself, read only)."""
    status, getter = live.resolve_path("keras.utils.get_custom_objects")
    if status != live.OK or not callable(getter):
        return {}
    try:
        objects = getter()
    except Exception:
        return {}
    return objects if isinstance(objects, dict) else {}


class _Spelling:
    """How the cell writes each registered object: a namespace name bound to it (the registered
    name first), else ``keras.utils.get_custom_objects()["name"]`` (with ``import keras`` when
    the cell has no ``keras``). ``texts``: the names spelled so far; ``imports``: the edits."""

    def __init__(self, ctx: CellContext, registry: dict[str, Any], renamed: dict[str, str]) -> None:
        self.ctx, self.registry = ctx, registry
        self.texts: dict[str, str] = dict(renamed)  # a Keras 2 alias: the Keras 3 name, quoted
        self.imports: list[Edit] = []

    def __call__(self, name: object) -> str | None:
        if isinstance(name, str) and name in self.texts:
            return self.texts[name]
        if not isinstance(name, str) or name not in self.registry:
            return None
        if name not in self.texts:
            obj = self.registry[name]
            names = self.ctx.namespace or {}  # a name any edit's place sees (not a frame's local)
            bound = [n for n, v in names.items() if v is obj and n.isidentifier() and not n.startswith("_")]  # fmt: skip
            if name in bound or len(bound) == 1:
                self.texts[name] = name if name in bound else bound[0]
            else:
                root = keras_root(self.ctx)
                if root is None:
                    return None
                self.imports = self.imports or root[1]
                self.texts[name] = f"{root[0]}.utils.get_custom_objects()[{name!r}]"
        return self.texts[name]


def _takes(parameter: str | None, kinds: tuple[str, ...]) -> bool:
    return parameter is not None and any(
        parameter == p or (p.startswith("_") and parameter.endswith(p))
        for kind in kinds
        for p in PARAMETERS[kind]
    )


def _arguments(ctx: CellContext, call: ast.Call) -> list[tuple[str | None, ast.expr]]:
    """A call's arguments with the parameter each is given to (positional ones by the live
    signature of the callee; None where it cannot be read)."""
    pairs: list[tuple[str | None, ast.expr]] = [(kw.arg, kw.value) for kw in call.keywords]
    callee = ctx.scope.callee(call.func)
    sig = signature(callee[0]) if callee is not None else None
    names = [p for p in sig.parameters if p != "self"] if sig is not None else []
    for index, arg in enumerate(call.args):
        pairs.append((names[index] if index < len(names) else None, arg))
    return pairs


def _strings(node: ast.expr) -> list[ast.Constant]:
    """The string constants an argument holds: itself, a list's or tuple's items, a dict's
    values (a dict's keys are output names), nested."""
    if isinstance(node, ast.Constant):
        return [node] if isinstance(node.value, str) else []
    if isinstance(node, (ast.List, ast.Tuple)):
        return [c for e in node.elts for c in _strings(e)]
    if isinstance(node, ast.Dict):
        return [c for v in node.values for c in _strings(v)]
    return []


def _replacements(parsed: ParsedCell, value: ast.expr, spelled: _Spelling) -> list[Edit]:
    return [
        edit
        for constant in _strings(value)
        if (text := spelled(constant.value)) is not None
        and (edit := node_edit(parsed, constant, text)) is not None
    ]


def _edits(ctx: CellContext, call: ast.Call, spelled: _Spelling) -> list[Edit]:
    """The strings a failing call gives its parameters of those kinds, replaced: where written in
    the call, else the name the call reads in place of the one string it holds (``init =
    'constant'`` above, or cells before)."""
    kinds = tuple(k for k in PARAMETERS if k not in COMPILED)
    edits: list[Edit] = []
    for kw in (k for k in call.keywords if k.arg is None):  # a dict the call unpacks
        held = held_strings.held_in_dict(ctx, None, ctx.cell, kw.value, spelled, lambda key: _takes(key, kinds))  # fmt: skip
        edits += [held[0], *held[1]] if held else []
    for parameter, value in _arguments(ctx, call):
        if not _takes(parameter, kinds):
            continue
        found = _replacements(ctx.cell, value, spelled)
        if not found and isinstance(value, (ast.Name, ast.Attribute, ast.Subscript)):
            by_name = held_strings.held(ctx, None, ctx.cell, value, spelled)
            found = [by_name[0], *by_name[1]] if by_name else []
        edits += found
    return edits


def _in_compile(ctx: CellContext, spelled: _Spelling, kinds: tuple[str, ...]) -> tuple[list[Edit], list[Edit]]:  # fmt: skip
    """The strings of the loss or metrics (``kinds``) in the ``compile`` of the model the failing
    line trains or evaluates: one edit over that call, turned into ``changed_compile``'s forms.
    A name that the call also gives a parameter of another kind (``loss=name,
    metrics=[name]``) keeps its value where it is made: renamed there, the other parameter would
    get a name its table lacks; the use alone is respelled when it holds one string."""
    for use, model_name, model in failing_model_calls(ctx, MODEL_METHODS):
        if model is None or not live.is_layer_class(type(model)):
            continue
        found = compile_of(ctx, model_name, use)
        if found is None:
            continue
        index, parsed, call = found
        mine = [kw for kw in call.keywords if _takes(kw.arg, kinds)]
        shared = _names(kw.value for kw in call.keywords if kw.arg is None or (_takes(kw.arg, COMPILED) and not _takes(kw.arg, kinds)))  # fmt: skip
        inner = [edit for kw in mine for edit in _replacements(parsed, kw.value, spelled)]
        held = [_use_only(h) if _names([kw.value]) & shared else h for kw in mine if isinstance(kw.value, (ast.Name, ast.Attribute, ast.Subscript)) and (h := held_strings.held(ctx, index, parsed, kw.value, spelled))]  # fmt: skip
        held += [held_strings.held_in_dict(ctx, index, parsed, kw.value, spelled, lambda key: _takes(key, kinds)) for kw in call.keywords if kw.arg is None]  # fmt: skip
        held = [h for h in held if h is not None]
        varying = [v for kw in mine if index is None and not _names([kw.value]) & shared if (v := held_strings.varying(ctx, kw.value, spelled))]  # fmt: skip
        if varying and not held:  # a loop's values: changed where the sequence is written
            edit = _replaced(parsed, call, inner) if inner else None
            mine = [edit] if edit is not None else []
            return mine + [e for v in varying for e in v.edits], mine + [e for v in varying for e in v.across]  # fmt: skip
        at_origin = [e for _, origin in held for e in origin]
        if index is None and held and all(e.cell is None for e in at_origin):
            # the compile and the literals in the cell at hand: renamed where written, only
            # (an object in the call itself)
            uses = inner + [use for use, origin in held if not origin]
            edit = _replaced(parsed, call, uses) if uses else None
            here = ([edit] if edit is not None else []) + at_origin
            return (here, here) if not uses or edit is not None else ([], [])
        edit = _replaced(parsed, call, inner + [use for use, _ in held])
        if edit is None:
            continue
        here, across = changed_compile(ctx, found, edit)
        if held:  # a door that rewrites every cell renames the literal where it is written
            used = inner or any(not origin for _, origin in held)  # an object: in the call itself
            across = ([across[0]] if used else []) + at_origin
        return here, across
    return [], []


def _names(values: Any) -> set[str]:
    return {n.id for value in values for n in ast.walk(value) if isinstance(n, ast.Name)}


def _use_only(held: tuple[Edit, list[Edit]]) -> tuple[Edit, list[Edit]]:
    """A held string respelled at its use only, its origin left as written."""
    return held[0], []


def _passed_in(ctx: CellContext, kind: str, spelled: _Spelling) -> tuple[list[Edit], list[Edit]]:
    """The failing line calls a function another cell defines (``def build(loss): …
    model.compile(loss=loss)``, then ``build('kullback_leibler_divergence')``), which hands its
    parameter unchanged to a parameter of that kind: the strings the call passes, replaced where
    they are written (in the call; a name's literal where the name gets it)."""

    def given(inner: ast.Call) -> ast.expr | None:
        return next((kw.value for kw in inner.keywords if _takes(kw.arg, (kind,))), None)

    here: list[Edit] = []
    across: list[Edit] = []
    for passed in raised_through(ctx, passed_on(ctx, None, given)):
        value = passed.argument
        varying = held_strings.varying(ctx, value, spelled)
        if varying is not None:
            here, across = here + varying.edits, across + varying.across
            continue
        direct = _replacements(ctx.cell, value, spelled)
        held = held_strings.held(ctx, None, ctx.cell, value, spelled) if isinstance(value, (ast.Name, ast.Attribute, ast.Subscript)) else None  # fmt: skip
        if held is not None and all(e.cell is None for e in held[1]):
            direct = held[1]  # the literal in this cell, where the name gets it
        elif held is not None:
            here.append(held[0])  # the call passes the new string; the earlier cell's literal too
            across += held[1]
            continue
        here += direct
        across += direct
    return here, across


def _replaced(parsed: ParsedCell, node: ast.expr, inner: list[Edit]) -> Edit | None:
    """One edit over ``node`` that makes the edits ``inner`` (inside it)."""
    whole = node_edit(parsed, node, "")
    source = node_text(parsed, node)
    if whole is None or source is None or not inner:
        return None
    return node_edit(parsed, node, apply_within(source, whole, inner))
