"""Error rule: an initializer, regularizer or constraint named by a string Keras 3 cannot make.

``kernel_initializer='constant'`` raises ``KeyError: 'value'`` in Keras 3 and
``kernel_regularizer='l1_l2'`` "Could not interpret regularizer identifier"; Keras 2 made
``Constant(value=0)`` and ``L1L2(l1=0.01, l2=0.01)`` of them (``keras2_identifiers``: the string
read from the frame of Keras's ``get``, the object from the generated map). Every string the cell
gives a parameter of those kinds (``*_initializer``, ``*_regularizer``, ``*_constraint``), written
in the call or held by the name it reads, is tried with the live Keras's own ``get`` (a string
makes a new object; nothing else changes): each one it fails on, of which Keras 2 made an object,
is written out as that object, so that the corrected cell does not fail on the next one; and
each string the failing line hands to a function another cell defines, which gives it to such a
parameter (``build(init='constant')``), where the call writes it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.held_strings import held, held_in_dict
from kerasmagic.diagnosis.keras2_identifiers import (
    INSTANTIATED,
    MODULES,
    call_text,
    keras2_call,
    resolving,
)
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.keras_messages import parse
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_registered_name import registry_objects
from kerasmagic.diagnosis.wrapper_calls import passed_on, raised_through

ENTRY = "keras3-identifier-as-keras2-object"
NAMES = (ast.Name, ast.Attribute, ast.Subscript)


@rule(ENTRY, when=(ERROR,), family="keras3-messages", errors=("ValueError", "KeyError"))
def keras2_identifier(ctx: CellContext) -> list[Problem]:
    """The strings Keras 3 cannot make objects of, written out as the objects Keras 2 made."""
    fact = parse(ctx.error_type, ctx.message)
    named = (fact.expected or "", fact.received or "") if fact and fact.kind == "identifier" else None
    keywords = [kw for c in walk(ctx.cell.tree) if isinstance(c, ast.Call) for kw in c.keywords] if ctx.cell.tree else []  # fmt: skip
    kind, name = named or resolving(ctx.exc) or _raising_the_same(ctx, keywords) or ("", "")
    registry = registry_objects()
    if kind not in INSTANTIATED or name in registry or ctx.cell.tree is None:
        return []
    root = keras_root(ctx)
    made = keras2_call(kind, name) if root is not None and _raised(kind, name) is not None else None
    if made is None or root is None:
        return []
    given = [(_kind(kw.arg), kw.value) for kw in keywords]
    for here in INSTANTIATED:  # handed by the cell's call to a function of another cell
        passed = passed_on(ctx, None, lambda inner, k=here: next((kw.value for kw in inner.keywords if _kind(kw.arg) == k), None))  # fmt: skip
        given += [(here, p.argument) for p in raised_through(ctx, passed)]
    edits: list[Edit] = []
    for here, value in given:
        spelled = _spelling(here, root[0], registry)
        if isinstance(value, ast.Constant):  # written in the call
            text = spelled(value.value)
            found = [node_edit(ctx.cell, value, text)] if text else []
        else:  # a name holding one string (above, or cells before): the use is replaced
            by_name = held(ctx, None, ctx.cell, value, spelled) if isinstance(value, NAMES) else None
            found = [by_name[0], *by_name[1]] if by_name else []
        edits += [e for e in found if e is not None and e not in edits]
    for unpacked in (kw.value for kw in keywords if kw.arg is None):
        by_key = held_in_dict(ctx, None, ctx.cell, unpacked, lambda key: _spelling(_kind(key), root[0], registry), lambda key: _kind(key) is not None, by_key=True)  # fmt: skip
        edits += [e for e in ([by_key[0], *by_key[1]] if by_key else []) if e not in edits]
    if not edits:
        return []
    attribute, keywords = made
    problem = from_entry(ENTRY, ctx.line, edits + root[1], [name], ctx.shown_versions, name=name, kind=kind,
                         module=MODULES[kind], call=call_text(root[0], kind, attribute, keywords),
                         changed=_changed(attribute, keywords))  # fmt: skip
    problem.across = edits + root[1]
    return [problem]


def _spelling(kind: str | None, root: str, registry: dict) -> Callable[[object], str | None]:
    """How a string given to a parameter of ``kind`` is written: the call making the object
    Keras 2 made of it, when Keras 3's ``get`` fails on it (None: as it is)."""

    def spelled(string: object) -> str | None:
        if kind is None or not isinstance(string, str) or string in registry:
            return None
        found = keras2_call(kind, string) if _raised(kind, string) is not None else None
        return call_text(root, kind, *found) if found else None

    return spelled


def _kind(parameter: str | None) -> str | None:
    """The kind a parameter takes, by its name (``initializer`` of ``add_weight``) or its name's
    end (``kernel_initializer``: initializer)."""
    found = (k for k in INSTANTIATED if parameter and (parameter == k or parameter.endswith(f"_{k}")))  # fmt: skip
    return next(found, None)


def _raised(kind: str, string: str) -> BaseException | None:
    """What the live Keras's ``keras.<module>.get`` raises on the string (None: it resolves)."""
    status, get = live.resolve_path(f"keras.{MODULES[kind]}.get")
    if status != live.OK or not callable(get):
        return None
    try:
        get(string)
    except Exception as exc:
        return exc
    return None


def _raising_the_same(ctx: CellContext, keywords: list[ast.keyword]) -> tuple[str, str] | None:
    """``(kind, string)``: a string the cell gives a parameter of those kinds on a failing line,
    on which the live ``get`` raises the cell's very error (Keras hides its own frames from a
    layer's traceback: ``add_weight(initializer='constant')`` in a ``build``)."""
    for keyword in keywords:
        kind, value = _kind(keyword.arg), keyword.value
        if kind is None or not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            continue
        if keyword.lineno not in ctx.failing_lines:
            continue
        raised = _raised(kind, value.value)
        if raised is not None and type(raised) is type(ctx.exc) and str(raised) == str(ctx.exc):
            return kind, value.value
    return None


def _changed(attribute: str, keywords: dict[str, str]) -> str:
    if not keywords:
        return f"`{attribute}()` with its defaults makes the same object in Keras 3"
    given = ", ".join(f"`{kw}={value}`" for kw, value in keywords.items())
    return f"Keras 3 changed the defaults of `{attribute}`; the call gives Keras 2's: {given}"
