"""Error rule: an RNN cell with dropout called by hand in a loop (``self.cell(step, states,
training=training)`` over the time steps), whose dropout mask Keras 3 keeps from the call before.

An RNN cell draws its dropout mask at the first step and keeps it for the next ones, so that
every step of a sequence drops the same units. tf.keras 2 kept that mask per graph (a
``ContextValueCache``), so each traced call of the model drew its own. Keras 3 keeps it on the
cell until someone resets it; its ``RNN`` layer does after each sequence, a loop written by hand
does not. The next trace then reads a tensor of the previous one ("… is out of scope and cannot
be used here"), and run eagerly, every batch would drop the same units. The cells are the live
objects the failing line's calls name (a cell with ``dropout`` or ``recurrent_dropout`` above 0);
the function that calls them resets their masks first, so each call of the model draws new ones
at its first step, as Keras 3's ``RNN`` does.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.block_bodies import body_top
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-dropout-cell-mask-kept"
OUT_OF_SCOPE = "is out of scope and cannot be used here"
RESETS = ("reset_dropout_mask", "reset_recurrent_dropout_mask")


@rule(
    ENTRY, when=(ERROR,), family="keras3-messages", errors=("InaccessibleTensorError", "ValueError")
)
def dropout_cell_masks(ctx: CellContext) -> list[Problem]:
    """``def call(self, x): for step in …: self.cell(step, s, training=training)`` → the masks of
    ``self.cell`` reset at the top of ``call``."""
    tree = ctx.cell.tree
    if OUT_OF_SCOPE not in ctx.message or tree is None:
        return []
    edits: list[Edit] = []
    cells: list[str] = []
    for function in walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        end = function.end_lineno or function.lineno
        if not any(function.lineno <= line <= end for line in ctx.failing_lines):
            continue
        called = _dropout_cells(ctx, function)
        edit = _reset_first(ctx, function, called) if called else None
        if edit is not None:
            edits.append(edit)
            cells.extend(called)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, RESETS[:1], ctx.shown_versions,
                         cells=", ".join(f"`{c}`" for c in cells))  # fmt: skip
    problem.certain = True
    return [problem]


def _dropout_cells(ctx: CellContext, function: ast.AST) -> list[str]:
    """The text of each callee in ``function`` that is a live RNN cell with dropout, once each,
    in the order of the source; none when ``function`` holds another function that calls one
    (the innermost function resets its own cells)."""
    nested = {
        id(node)
        for inner in walk(function)
        if inner is not function and isinstance(inner, (ast.FunctionDef, ast.Lambda))
        for node in walk(inner)
    }
    found: list[str] = []
    for call in walk(function):
        if not isinstance(call, ast.Call) or id(call) in nested:
            continue
        if not _has_dropout(value_in(ctx.live_names, call.func)):
            continue
        text = node_text(ctx.cell, call.func)
        if text and text not in found:
            found.append(text)
    return found


def _has_dropout(cell: Any) -> bool:
    if cell is None or not all(callable(getattr(cell, name, None)) for name in RESETS):
        return False
    rates = (getattr(cell, "dropout", 0), getattr(cell, "recurrent_dropout", 0))
    return any(isinstance(r, (int, float)) and r > 0 for r in rates)


def _reset_first(ctx: CellContext, function: ast.FunctionDef | ast.AsyncFunctionDef, cells: list[str]) -> Edit | None:  # fmt: skip
    """The resets, inserted before the function's first statement (after its docstring)."""
    top = body_top(ctx.cell, function)
    if top is None:
        return None
    line, indent = top
    text = "".join(f"{indent}{cell}.{reset}()\n" for cell in cells for reset in RESETS)
    return Edit(line, 0, line, 0, text)
