"""Error rule: ``build`` called on a ``Sequential`` model whose input is already declared, with
another shape (``input_shape=(28, 28)`` on its first layer, then ``model.build([None, 784])``).

Keras 2 built a ``Sequential`` model as a graph as soon as its first layer declared the input;
``build`` on such a model ignored the shape it was given and only rebuilt the same graph, so the
contradiction never showed. Keras 3 compares the shapes and refuses: "Sequential model
'sequential' has already been configured to use input shape (None, 28, 28). You cannot build it
with input_shape (None, 784)". The message names the model; the model is the live ``Sequential``
the failing ``….build(…)`` statement calls, of that name, already built from its ``Input``. In
Keras 2 that statement did nothing, so it goes: the model keeps the input it declared and every
weight it has, as in Keras 2.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import statement_removal, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-sequential-build-ignored"
MESSAGE = re.compile(r"Sequential model '(?P<name>[^']+)' has already been configured to use input "
                     r"shape (?P<declared>\(.*?\))\. You cannot build it with input_shape (?P<given>.+)")  # fmt: skip


@rule(ENTRY, when=(ERROR,), family="keras3-messages", errors=("ValueError",), needs="build")
def sequential_build(ctx: CellContext) -> list[Problem]:
    """``model.build([None, 784])`` on a model declared with ``input_shape=(28, 28)``: removed."""
    found = MESSAGE.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or tree is None:
        return []
    edits = []
    for stmt in walk(tree):
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "build"
        ):
            continue
        if stmt.lineno not in ctx.failing_lines:
            continue
        model = value_in(ctx.live_names, call.func.value)
        if _declared_sequential(model, found.group("name")):
            edit = statement_removal(ctx.cell, stmt, tree)
            edits += [edit] if edit is not None else []
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [found.group("name")], ctx.shown_versions,
                         name=found.group("name"), declared=found.group("declared"), given=found.group("given"))  # fmt: skip
    problem.certain = True
    return [problem]


def _declared_sequential(model: object, name: str) -> bool:
    """Is ``model`` a Keras ``Sequential`` named ``name`` and built (the message says its first
    layer is the ``Input`` it declares, from which Keras 3 builds it)?"""
    cls = type(model)
    return (
        cls.__name__ == "Sequential"
        and live.from_keras(cls)
        and getattr(model, "name", None) == name
        and getattr(model, "built", False) is True
    )
