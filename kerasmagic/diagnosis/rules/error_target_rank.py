"""Error rule: one-dimensional targets for a model whose output has several units, which Keras 2
broadcast and Keras 3 refuses.

Keras 2's training loop turned every one-dimensional array of the data into a column
(``data_adapter.expand_1d``: ``(n,)`` → ``(n, 1)``), so ``model.fit(x, np.zeros(n))`` for a
``Dense(10)`` output computed ``mse`` between ``(n, 1)`` and ``(n, 10)``, broadcast. Keras 3 keeps
the array as it is and only matches ranks when the extra axis has size 1, so the loss subtracts
``(n,)`` from ``(n, 10)`` and TensorFlow stops ("Incompatible shapes: [5] vs. [5,10]"; JAX:
"Incompatible shapes for broadcasting"). Evidence: the message's two shapes are ``[n]`` and
``[n, k]`` (``k > 1``), raised in the ``fit``/``evaluate``/``train_on_batch``/``test_on_batch`` of a
live Keras model on the failing line whose one output has ``k`` units, called with targets. The
repair gives that call the column Keras 2 made: ``np.expand_dims(y, -1)`` (the numbers, and so
the loss, are Keras 2's).
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.compiled import failing_model_calls, single_output_shape
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, node_edit, node_text
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-one-dimensional-targets"
METHODS = ("fit", "evaluate", "train_on_batch", "test_on_batch")
SHAPES = (
    re.compile(r"Incompatible shapes: \[(\d+)\] vs\. \[(\d+),(\d+)\]"),
    re.compile(r"Incompatible shapes for broadcasting: shapes=\[\((\d+),\), \((\d+), (\d+)\)\]"),
)


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("InvalidArgumentError", "ValueError", "TypeError"))  # fmt: skip
def one_dimensional_targets(ctx: CellContext) -> list[Problem]:
    """The failing call's targets as a column, as Keras 2's ``expand_1d`` made them."""
    found = next((m for p in SHAPES if (m := p.search(ctx.message))), None)
    if found is None or ctx.cell.tree is None or found.group(1) != found.group(2):
        return []
    units = int(found.group(3))
    if units <= 1:
        return []
    for call, name, model in failing_model_calls(ctx, METHODS):
        shape = single_output_shape(model)
        if shape is None or len(shape) != 2 or shape[-1] != units:
            continue
        target = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "y"), None)  # fmt: skip
        text = node_text(ctx.cell, target) if target is not None else None
        if target is None or text is None or isinstance(target, ast.Constant):
            continue
        expand = ctx.scope.expr_for("numpy.expand_dims")
        edits: list[Edit] = []
        if expand is None:
            line = insertion_line(ctx.cell)
            edits.append(Edit(line, 0, line, 0, "import numpy as np\n"))
            expand = "np.expand_dims"
        edit = node_edit(ctx.cell, target, f"{expand}({text}, -1)")
        if edit is None:
            return []
        edits.append(edit)
        return [from_entry(ENTRY, call.lineno, edits, [name, text], ctx.shown_versions, model=name,
                           target=text, units=units, keras=ctx.versions.get("keras", "3"))]  # fmt: skip
    return []

