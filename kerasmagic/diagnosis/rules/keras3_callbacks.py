"""Rules on callbacks and model outputs Keras 3 changed: ``ModelCheckpoint(period=…)`` (gone:
``save_freq``), and a single-output model's targets given as a dict keyed by its layer name.

Each is checked against the live API: the live ``ModelCheckpoint`` signature lacks ``period``;
the live model is functional with one output of that name.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.array_inputs import data_calls
from kerasmagic.diagnosis.compiled import failing_model_calls
from kerasmagic.diagnosis.context import ERROR, STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import keras3_here, keras_class_calls, signature
from kerasmagic.diagnosis.keyword_dicts import dropped_key, unpacked_value
from kerasmagic.diagnosis.known_values import MISSING, known_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    apply_within,
    delete_keyword_edit,
    node_edit,
    node_text,
    parse_cell,
    single_assignment,
    top_level_start,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.trap_monitor_key import callback_names
from kerasmagic.diagnosis.source_bindings import before, bindings, holding_functions
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.knowledge.written_in import written_in

PERIOD = "keras3-checkpoint-period"
WRITTEN = "_keras2_period"


@rule(PERIOD, when=(STATIC,), family="callbacks", needs=(r"period", r"\*\*"))
def checkpoint_period(ctx: CellContext) -> list[Problem]:
    """``ModelCheckpoint(period=1)`` where the live class has no ``period``: dropped (one epoch
    is its default ``save_freq='epoch'``); another period becomes ``save_freq`` in batches when
    the ``fit`` it is given to says how many batches an epoch has, else the checkpoint counts
    epochs as Keras 2 did (``_counted``). A ``period`` passed through ``**cfg`` (a dict made with
    literal keys, this cell or earlier) is taken out of the dict where it is made."""
    out: list[Problem] = []
    written = WRITTEN in (ctx.namespace or {})  # an earlier cell's, in the kernel already
    for call, klass, path in keras_class_calls(ctx):
        if not path.endswith("ModelCheckpoint"):
            continue
        kw = next((k for k in call.keywords if k.arg == "period"), None)
        sig = signature(klass)
        if sig is None or "period" in sig.parameters:
            continue
        if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
            continue  # Keras 2.x: still taken (with a deprecation warning)
        if kw is None:
            out += _period_in_dict(ctx, call, written)
            written = written or any(_writes_in(p.edits) for p in out)
            continue
        period = known_value(ctx, kw.value)  # `period=1`, or a name bound to 1 cells earlier
        one = type(period) is int and period == 1
        edit = delete_keyword_edit(ctx.cell, call, kw) if one else _in_batches(ctx, call, kw)
        if edit is None and not one:
            dropped = delete_keyword_edit(ctx.cell, call, kw)
            edits = _counted(ctx, call, node_text(ctx.cell, kw.value), dropped, written) if dropped else []
        else:
            edits = [edit] if edit is not None else []
        written = written or _writes_in(edits)
        out.append(
            from_entry(
                PERIOD,
                kw.lineno,
                edits,
                ["period", "ModelCheckpoint"],
                ctx.shown_versions,
                period=node_text(ctx.cell, kw.value) or "…",
                keras=ctx.versions.get("keras", "3"),
            )
        )
    return out


def _period_in_dict(ctx: CellContext, call: ast.Call, written: bool) -> list[Problem]:
    """``ModelCheckpoint(**cfg)`` whose dict gives ``period``: the entry goes where the dict is
    made; another period than 1 is counted in epochs by Keras 2's count (``_counted``)."""
    for kw in (k for k in call.keywords if k.arg is None):
        period = unpacked_value(ctx, kw.value, "period")
        if period is MISSING:
            continue
        one = type(period) is int and period == 1
        change = rewrite(ctx, kw.value, dropped_key("period", "lose `period`"))
        edits, counted = (change.edits if change is not None else []), []
        if edits and not one:
            counted = _counted(ctx, call, repr(period), None, written)
            edits = [*edits, *counted] if counted else []
            change = change if counted else None
        problem = from_entry(PERIOD, call.lineno, edits, ["period", "ModelCheckpoint"],
                             ctx.shown_versions, period=repr(period), keras=ctx.versions.get("keras", "3"))  # fmt: skip
        if change is not None:  # the dict made cells before: the notebook gets its change, and this cell's
            problem.across = [*change.across, *counted] if change.across else change.across
            problem.fix += " " + change.note
        return [problem]
    return []


def _in_batches(ctx: CellContext, checkpoint: ast.Call, kw: ast.keyword) -> Edit | None:
    """``period=N`` as ``save_freq=N * <batches per epoch>`` when the cell's one ``fit`` given
    this checkpoint (else the one ``fit`` of the cells after it given it by name) trains on a
    live array ``X`` with no ``validation_split``, ``steps_per_epoch`` or ``save_freq`` in the
    way: ``(len(X) + B - 1) // B`` batches of the ``fit``'s ``batch_size`` (Keras's default
    where it has none), the epochs Keras 2 counted."""
    period = node_text(ctx.cell, kw.value)
    if period is None or any(k.arg == "save_freq" for k in checkpoint.keywords):
        return None
    calls = data_calls(ctx.cell.tree) if ctx.cell.tree is not None else []
    fits = [((), ctx.cell, c) for c, _ in calls if c.func.attr == "fit" and _given(ctx, c, checkpoint)]  # type: ignore[attr-defined]  # fmt: skip
    fits = fits or _later_fits(ctx, checkpoint)
    if len(fits) != 1:
        return None
    between, parsed, fit = fits[0]
    given = {k.arg: k.value for k in fit.keywords if k.arg}
    x = fit.args[0] if fit.args else given.get("x")
    if x is None or "validation_split" in given or "steps_per_epoch" in given:
        return None
    value = (ctx.live_names or {}).get(x.id) if isinstance(x, ast.Name) else None
    if len(getattr(value, "shape", ()) or ()) < 1:  # an array: len() counts its samples
        return None
    size = given.get("batch_size")
    if parsed is not ctx.cell:  # read now, used cells later: names bound again before it differ
        names = [n.id for n in (x, size) if isinstance(n, ast.Name)]
        if not isinstance(size, (ast.Name, ast.Constant, type(None))) or any(_bound_before(between, parsed, fit, n) for n in names):  # fmt: skip
            return None
    batch = node_text(parsed, size) if size is not None else str(_default_batch_size())
    if batch is None or batch == "None":
        return None
    return node_edit(ctx.cell, kw, f"save_freq={period} * ((len({x.id}) + {batch} - 1) // {batch})")


def _counted(ctx: CellContext, checkpoint: ast.Call, period: str | None, dropped: Edit | None, written: bool) -> list[Edit]:  # fmt: skip
    """The checkpoint (``dropped``: the edit taking ``period=`` out of its call) given to Keras
    2's epoch count, written in above the statement unless it is there already:
    ``_keras2_period(ModelCheckpoint(…), N)`` saves every ``N`` epochs as Keras 2 did, whatever
    ``fit`` trains on (a generator, a dataset, data loaded later)."""
    whole, text = node_edit(ctx.cell, checkpoint, ""), node_text(ctx.cell, checkpoint)
    if whole is None or text is None or period is None or ctx.cell.tree is None:
        return []
    call = apply_within(text, whole, [dropped]) if dropped is not None else text
    edits = [node_edit(ctx.cell, checkpoint, f"{WRITTEN}({call}, {period})")]
    if not written:
        at = top_level_start(ctx.cell.tree, checkpoint.lineno)  # type: ignore[arg-type]
        edits.insert(0, Edit(at, 0, at, 0, written_in("keras2_checkpoint_period") + "\n\n"))
    return [e for e in edits if e is not None]


def _writes_in(edits: list[Edit]) -> bool:
    """Do ``edits`` write Keras 2's epoch count into the cell?"""
    return any(f"def {WRITTEN}(" in e.text for e in edits)


def _later_fits(ctx: CellContext, checkpoint: ast.Call) -> list[tuple[tuple[ParsedCell, ...], ParsedCell, ast.Call]]:  # fmt: skip
    """The ``fit`` calls of the cells after this one (``migrate`` knows them) that list the
    checkpoint in ``callbacks=`` by the name this cell's last top-level binding of it gives it,
    in the first of those cells that has any, each with the cells between (parsed once); none
    when a cell before binds the name again."""
    bound = [s for s in getattr(ctx.cell.tree, "body", []) if isinstance(s, ast.Assign) and s.value is checkpoint]  # fmt: skip
    names = [t.id for s in bound for t in s.targets if isinstance(t, ast.Name)]
    if len(names) != 1 or bindings(ctx.cell.tree, names[0])[-1][0] is not bound[0]:  # type: ignore[arg-type]
        return []
    between: list[ParsedCell] = []
    for source in ctx.later:
        parsed = parse_cell(source)
        if parsed.tree is None:
            return []
        fits = [c for c, _ in data_calls(parsed.tree) if c.func.attr == "fit" and any(n.id == names[0] for n in callback_names([c]))]  # type: ignore[attr-defined]  # fmt: skip
        if fits or bindings(parsed.tree, names[0]):
            return [(tuple(between), parsed, fit) for fit in fits]
        between.append(parsed)
    return []


def _bound_before(between: tuple[ParsedCell, ...], parsed: ParsedCell, fit: ast.Call, name: str) -> bool:  # fmt: skip
    """Is ``name`` bound again in the cells ``between`` this one and ``parsed``, or in ``parsed``
    before its ``fit``?"""
    if any(bindings(cell.tree, name) for cell in between):  # type: ignore[arg-type]
        return True
    return any(before(stmt, fit) for stmt, _ in bindings(parsed.tree, name))  # type: ignore[arg-type]


def _given(ctx: CellContext, fit: ast.Call, checkpoint: ast.Call) -> bool:
    """Does ``fit`` get ``checkpoint`` in its ``callbacks=[…]``, written there or by a name whose
    last assignment before the ``fit`` (a plain ``name = …`` at the cell's top level) made it?"""
    listed = next((k.value for k in fit.keywords if k.arg == "callbacks"), None)
    for element in listed.elts if isinstance(listed, (ast.List, ast.Tuple)) else ():
        if element is checkpoint:
            return True
        if isinstance(element, ast.Name) and _last_value(ctx, element.id, fit.lineno) is checkpoint:
            return True
    return False


def _last_value(ctx: CellContext, name: str, before: int) -> ast.expr | None:
    """The value of the last ``name = value`` before line ``before`` among the statements of the
    block that holds that line: the cell's top level, or the body of the cell's function that
    holds it (a script's ``main()``); None when something else (a loop, an augmented or
    unpacking assignment) binds ``name`` there too."""
    found: ast.expr | None = None
    holders = holding_functions(ctx.cell.tree, before)
    body = holders[0].body if holders else getattr(ctx.cell.tree, "body", [])
    for stmt in body:
        if stmt.lineno >= before:
            break
        if isinstance(stmt, ast.Assign) and [t.id for t in stmt.targets if isinstance(t, ast.Name)] == [name] and len(stmt.targets) == 1:  # fmt: skip
            found = stmt.value
        elif any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in walk(stmt)):  # fmt: skip
            return None
    return found


def _default_batch_size() -> int:
    from kerasmagic.knowledge.catalogue import find_entry

    entry = find_entry(PERIOD)
    return int(entry.data.get("default_batch_size", 32)) if entry is not None else 32


SINGLE_OUTPUT_DICT = "keras3-single-output-dict"
# the dict's key read as a value: TensorFlow's words, then NumPy's (JAX, torch backends)
STR_KEY = re.compile(
    r"Expected \w+, but got (?P<key>\w+) of type 'str'"
    r"|could not convert string to float: '(?P<key2>\w+)'"
)


@rule(
    SINGLE_OUTPUT_DICT,
    when=(ERROR,),
    family="model-methods",
    errors=("TypeError", "ValueError"),
)
def single_output_dict(ctx: CellContext) -> list[Problem]:
    """Targets keyed by the output layer's name (``{'ctc': y}``) for a functional model of ONE
    output: Keras 3 reads the dict's keys as data ("Expected float32, but got ctc of type
    'str'"); it matches a dict only to a model whose outputs are a dict. Where the failing call
    writes the targets (a one-key dict display, or a name holding one) and the live model's one
    output is named so, the targets are given without the dict, so ``predict`` still returns an
    array; else the model's ``outputs`` become ``{'ctc': out}`` where the cell builds exactly one
    such model and names that layer (a loss dict the compile gives it stays: Keras 3 reads it)."""
    if ctx.cell.tree is None:
        return []
    found = STR_KEY.search(ctx.message)
    key = (found["key"] or found["key2"]) if found is not None else None
    if key is None:
        return []
    unwrapped = _targets_without_dict(ctx, key)
    if unwrapped:
        return [from_entry(SINGLE_OUTPUT_DICT, ctx.line or 1, unwrapped, [key], ctx.shown_versions,
                           key=key, keras=ctx.versions.get("keras", "3"))]  # fmt: skip
    if not _names_a_layer(ctx.cell.tree, key):
        return []
    models = [
        (call, klass)
        for call, klass, _path in keras_class_calls(ctx)
        if _is_functional_model(klass) and _outputs(call) is not None
    ]
    if len(models) > 1:  # the model the failing call trains, or the one whose output is named so
        fitted = _fitted_model(ctx)
        models = [m for m in models if m[0] is fitted] or [
            m for m in models if _output_named(ctx.cell.tree, _outputs(m[0]), key)
        ]
    if len(models) != 1:
        return []
    call, _klass = models[0]
    outputs = _outputs(call)
    single = (
        outputs.elts[0] if isinstance(outputs, ast.List) and len(outputs.elts) == 1 else outputs
    )
    if isinstance(single, (ast.List, ast.Tuple, ast.Dict, ast.Starred)):
        return []
    text = node_text(ctx.cell, single)
    edit = node_edit(ctx.cell, outputs, f"{{{key!r}: {text}}}") if text else None
    if edit is None:
        return []
    return [
        from_entry(
            SINGLE_OUTPUT_DICT,
            ctx.line or call.lineno,  # the failing `fit`: the fix is where the model is built
            [edit],
            [key, "outputs"],
            ctx.shown_versions,
            key=key,
            keras=ctx.versions.get("keras", "3"),
        )
    ]


TRAINING = ("fit", "evaluate", "train_on_batch", "test_on_batch")


def _targets_without_dict(ctx: CellContext, key: str) -> list[Edit]:
    """The targets of the failing ``fit``/``evaluate`` (and of its ``validation_data``) given as
    a one-key dict keyed ``key``, the live model's only output named so: the dict's value (a
    display: its value's text; a name holding such a dict: ``name[key]``)."""
    edits: list[Edit] = []
    for call, _name, model in failing_model_calls(ctx, TRAINING):
        try:
            names = list(model.output_names) if len(model.outputs) == 1 else []
        except Exception:
            names = []
        if names != [key]:
            continue
        targets = [call.args[1]] if len(call.args) > 1 else []
        targets += [k.value for k in call.keywords if k.arg == "y"]
        for kw in call.keywords:
            if kw.arg == "validation_data" and isinstance(kw.value, ast.Tuple) and len(kw.value.elts) > 1:  # fmt: skip
                targets.append(kw.value.elts[1])
        for node in targets:
            edit = _unwrapped(ctx, node, key)
            if edit is not None:
                edits.append(edit)
    return edits


def _unwrapped(ctx: CellContext, node: ast.expr, key: str) -> Edit | None:
    if isinstance(node, ast.Dict) and len(node.keys) == 1:
        only = node.keys[0]
        if isinstance(only, ast.Constant) and only.value == key:
            text = node_text(ctx.cell, node.values[0])
            return node_edit(ctx.cell, node, text) if text else None
        return None
    held = ctx.live_names.get(node.id) if isinstance(node, ast.Name) else None
    if isinstance(held, dict) and list(held) == [key]:
        return node_edit(ctx.cell, node, f"{node.id}[{key!r}]")
    return None


def _names_a_layer(tree: ast.AST, key: str) -> bool:
    """The cell gives some layer ``name=<key>``."""
    return any(
        isinstance(n, ast.keyword)
        and n.arg == "name"
        and isinstance(n.value, ast.Constant)
        and n.value.value == key
        for n in walk(tree)
    )


def _is_functional_model(klass: type) -> bool:
    """``keras.Model`` (or ``Functional``) of Keras 3, the class a functional model is made with."""
    module = str(getattr(klass, "__module__", ""))
    names = {c.__name__ for c in getattr(klass, "__mro__", ())}
    return module.startswith("keras") and "Model" in names and keras3_here()


def _outputs(call: ast.Call) -> ast.expr | None:
    kw = next((k.value for k in call.keywords if k.arg == "outputs"), None)
    if kw is not None:
        return kw
    return call.args[1] if len(call.args) > 1 else None


def _fitted_model(ctx: CellContext) -> ast.Call | None:
    """The ``Model(...)`` call that the name whose ``fit`` failed is bound to (once)."""
    for node in walk(ctx.cell.tree):
        func = node.func if isinstance(node, ast.Call) else None
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ("fit", "fit_generator", "train_on_batch")
            and node.lineno <= (ctx.line or 0) <= (node.end_lineno or node.lineno)
            and isinstance(func.value, ast.Name)
        ):
            bound = single_assignment(ctx.cell.tree, func.value.id)
            return bound if isinstance(bound, ast.Call) else None
    return None


def _output_named(tree: ast.AST, outputs: ast.expr | None, key: str) -> bool:
    """``outputs`` (a name, or a list of one) is bound once to a call of a layer the cell
    names ``key``: ``Lambda(f, name='ctc')([...])`` or ``layer(x)`` with ``layer = Dense(…,
    name='ctc')``."""
    if isinstance(outputs, ast.List) and len(outputs.elts) == 1:
        outputs = outputs.elts[0]
    value = single_assignment(tree, outputs.id) if isinstance(outputs, ast.Name) else None
    layer = value.func if isinstance(value, ast.Call) else None
    if isinstance(layer, ast.Name):
        layer = single_assignment(tree, layer.id)
    return isinstance(layer, ast.Call) and any(
        k.arg == "name" and isinstance(k.value, ast.Constant) and k.value.value == key
        for k in layer.keywords
    )
