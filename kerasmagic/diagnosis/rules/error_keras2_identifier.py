"""Error rule: an initializer, regularizer or constraint named by a string Keras 3 cannot make.

``kernel_initializer='constant'`` raises ``KeyError: 'value'`` in Keras 3 and
``kernel_regularizer='l1_l2'`` "Could not interpret regularizer identifier"; Keras 2 made
``Constant(value=0)`` and ``L1L2(l1=0.01, l2=0.01)`` of them (``keras2_identifiers``: the string
read from the frame of Keras's ``get``, the object from the generated map). Every string the cell
gives a parameter of those kinds (``*_initializer``, ``*_regularizer``, ``*_constraint``), written
in the call or held by the name it reads, is tried with the live Keras's own ``get`` (a string
makes a new object; nothing else changes): each one it fails on, of which Keras 2 made an object,
is written out as that object, so that the corrected cell does not fail on the next one.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
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
from kerasmagic.diagnosis.provenance import one_string, origins_in
from kerasmagic.diagnosis.rewrite import Edit, node_edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_registered_name import registry_objects

ENTRY = "keras3-identifier-as-keras2-object"
NAMES = (ast.Name, ast.Attribute, ast.Subscript)


@rule(ENTRY, when=(ERROR,), family="keras3-messages", errors=("ValueError", "KeyError"))
def keras2_identifier(ctx: CellContext) -> list[Problem]:
    """The strings Keras 3 cannot make objects of, written out as the objects Keras 2 made."""
    fact = parse(ctx.error_type, ctx.message)
    named = (fact.expected or "", fact.received or "") if fact and fact.kind == "identifier" else None
    kind, name = named or resolving(ctx.exc) or ("", "")
    registry = registry_objects()
    if kind not in INSTANTIATED or name in registry or ctx.cell.tree is None:
        return []
    root = keras_root(ctx)
    made = keras2_call(kind, name) if root is not None and _fails(kind, name) else None
    if made is None or root is None:
        return []
    edits: list[Edit] = []
    for call in (c for c in walk(ctx.cell.tree) if isinstance(c, ast.Call)):
        for keyword in call.keywords:
            here = _kind(keyword.arg)
            string, node = _given(ctx, keyword.value) if here else (None, None)
            if here is None or string is None or node is None or string in registry:
                continue
            found = keras2_call(here, string) if _fails(here, string) else None
            edit = node_edit(ctx.cell, node, call_text(root[0], here, *found)) if found else None
            edits += [edit] if edit is not None else []
    if not edits:
        return []
    attribute, keywords = made
    problem = from_entry(ENTRY, ctx.line, edits + root[1], [name], ctx.shown_versions, name=name, kind=kind,
                         module=MODULES[kind], call=call_text(root[0], kind, attribute, keywords),
                         changed=_changed(attribute, keywords))  # fmt: skip
    problem.across = edits + root[1]
    return [problem]


def _kind(parameter: str | None) -> str | None:
    """The kind a parameter takes, by its name's end (``kernel_initializer``: initializer)."""
    ends = {f"_{kind}": kind for kind in INSTANTIATED}
    return next((k for end, k in ends.items() if parameter and parameter.endswith(end)), None)


def _given(ctx: CellContext, value: ast.expr) -> tuple[str | None, ast.expr | None]:
    """The string an argument is, and the node to replace: the literal itself, or the name the
    call reads when every origin of it is that one string (``init = 'constant'`` above, or cells
    before: the use is replaced, the name kept for its other readers)."""
    if isinstance(value, ast.Constant):
        return (value.value, value) if isinstance(value.value, str) else (None, None)
    if isinstance(value, NAMES):
        return one_string(origins_in(ctx, None, ctx.cell, value)), value
    return None, None


def _fails(kind: str, string: str) -> bool:
    """Does the live Keras's ``keras.<module>.get`` fail on the string?"""
    status, get = live.resolve_path(f"keras.{MODULES[kind]}.get")
    if status != live.OK or not callable(get):
        return False
    try:
        get(string)
    except Exception:
        return True
    return False


def _changed(attribute: str, keywords: dict[str, str]) -> str:
    if not keywords:
        return f"`{attribute}()` with its defaults makes the same object in Keras 3"
    given = ", ".join(f"`{kw}={value}`" for kw, value in keywords.items())
    return f"Keras 3 changed the defaults of `{attribute}`; the call gives Keras 2's: {given}"
