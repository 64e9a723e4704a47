"""Error rule: ``K.batch_dot`` of operands of different ranks (or of rank 4 and more), written
for Keras 2.2 (capsule routing: ``K.batch_dot(c, u_hat, [2, 2])`` of ``(batch, 10, 1152)`` and
``(batch, 10, 1152, 16)``).

Keras 2.2.5 (with TensorFlow 1.14's tf.keras, and every Keras since) changed what ``batch_dot``
computes when the two ranks differ or exceed 3: Keras 2.2 gave the operand of lower rank
trailing axes of 1, multiplied the two as matrices over their last two axes (every axis before
them a batch axis) and dropped the added axes (``(batch, 10, 16)`` above); later versions take
only the first axis as the batch and keep every other axis of both (``(batch, 10, 10, 16)``), so
the next ``batch_dot`` of the routing loop fails on shapes that no longer match. Evidence: the
error is Keras's batch_dot error, and a ``batch_dot`` call of the function that raised has such
operands in that frame (its arguments read from the frame's locals, names only). Every
``batch_dot`` call of the cell becomes Keras 2.2's, written in
(``knowledge/written_in/keras2_batch_dot.py``): for two operands of rank 3 or less it computes
what every version computes.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import innermost_cell_frame
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, top_level_start, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.written_in import written_in

ENTRY = "keras2-batch-dot-ranks"
FUNCTION = "batch_dot"
WRITTEN = "_keras2_batch_dot"
_MESSAGE = re.compile(r"Can ?not do batch_dot")


@rule(ENTRY, when=(ERROR,), family="backend", errors=("ValueError",), needs=FUNCTION)
def keras2_batch_dot(ctx: CellContext) -> list[Problem]:
    """The cell's ``batch_dot`` calls as Keras 2.2's, when one of the raising frame's had
    operands whose product Keras 2.2 computed otherwise (ranks that differ or exceed 3)."""
    tree = ctx.cell.tree
    if tree is None or not _MESSAGE.search(ctx.message):
        return []
    calls = [node for node in walk(tree) if _is_batch_dot(node)]
    frame = innermost_cell_frame(ctx.exc, ctx.namespace, ctx.filename)
    ranks = [_ranks(call, frame.f_locals) for call in calls] if frame is not None else []
    differing = [r for r in ranks if r is not None and (r[0] != r[1] or max(r) > 3)]
    if not differing:
        return []
    edits = [edit for call in calls if (edit := node_edit(ctx.cell, call.func, WRITTEN))]
    if len(edits) != len(calls):
        return []
    if WRITTEN not in (ctx.namespace or {}):  # an earlier cell's, in the kernel already
        at = top_level_start(tree, calls[0].lineno)
        edits.insert(0, Edit(at, 0, at, 0, written_in("keras2_batch_dot") + "\n\n"))
    x, y = differing[0]
    problem = from_entry(ENTRY, ctx.line or calls[0].lineno, edits, [FUNCTION], ctx.shown_versions, ranks=f"{x} and {y}")  # fmt: skip
    problem.certain = True  # Keras 2.2's computation; the same for two operands of rank 3
    return [problem]


def _is_batch_dot(node: ast.AST) -> bool:
    """``K.batch_dot(…)``, ``tf.keras.backend.batch_dot(…)``, ``batch_dot(…)`` (imported)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name == FUNCTION and len(node.args) >= 2


def _ranks(call: ast.Call, scope: dict) -> tuple[int, int] | None:
    """The ranks of the call's two operands, read from ``scope`` (names only), or None."""
    shapes = [getattr(scope.get(arg.id), "shape", None) if isinstance(arg, ast.Name) else None for arg in call.args[:2]]  # fmt: skip
    try:
        return (len(shapes[0]), len(shapes[1])) if all(s is not None for s in shapes) else None
    except TypeError:  # a shape of unknown rank
        return None
