"""Error rule: TensorFlow 1 graph mode switched on (``tf.compat.v1.disable_eager_execution()``)
in a notebook that trains with Keras 3.

TF1-to-2 transition code turned eager execution off at its top, and Keras 2 trained the same
model in graph mode. Keras 3 runs only eagerly (or inside its own ``tf.function``): with eager
execution off its training fails ("`tf.data.Dataset` only supports Python-style iteration in eager
mode or within tf.function", and others). The evidence is the live state, whatever the message:
the kernel's TensorFlow is not executing eagerly, the Keras in use is Keras 3, and a statement
of the cell turns eager execution off. That statement goes (the cell that made it: the entry's
``earlier_cell``); eager execution cannot be turned on again in the same process, so ``migrate``
runs the cells again in a fresh kernel (``loop._in_fresh_kernel``).
"""

from __future__ import annotations

import ast
import sys

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import statement_removal, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-eager-disabled"
SWITCHES = ("disable_eager_execution", "disable_v2_behavior")


@rule(ENTRY, when=(ERROR,), family="keras3-over-old-tf", needs=SWITCHES)
def eager_disabled(ctx: CellContext) -> list[Problem]:
    """Each statement of the cell that turns eager execution off, removed."""
    tf = sys.modules.get("tensorflow")
    executing = getattr(tf, "executing_eagerly", None)
    keras = ctx.versions.get("keras", "")
    if ctx.cell.tree is None or executing is None or executing() or not keras.startswith("3"):
        return []
    if ctx.versions.get("tf.keras", "3").split(".")[0] != "3" and "tf_keras" in sys.modules:
        return []  # training goes through tf_keras (Keras 2), which has graph mode
    edits, names = [], []
    for stmt in walk(ctx.cell.tree):
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        name = getattr(getattr(call, "func", None), "attr", None)
        if name in SWITCHES:
            edit = statement_removal(ctx.cell, stmt, ctx.cell.tree)
            if edit is not None:
                edits.append(edit)
                names.append(name)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, names, ctx.shown_versions, switch=names[0])  # fmt: skip
    problem.certain = True  # Keras 3 trains eagerly or in its own tf.function, never in TF1 graphs
    return [problem]
