"""One target array for a model with several outputs.

tf.keras 2 gave a single target to every output of a model with several (its ``LossesContainer``
conformed ``y_true`` to the outputs' structure); Keras 3 matches the targets to the outputs and
refuses one array ("y_true and y_pred have different structures. y_true: * y_pred: ['*', '*']",
or, with one loss for every output, "The path: (0,) in the `loss` argument, can't be found in
either the model's output (`y_pred`) or in the labels (`y_true`)"; ``evaluate``: "Too few leaves
for PyTreeSpec; expected: 2, got: 1").

Facts, read only: the message; the live model of the failing ``fit``/``evaluate``/… and its
``outputs`` (a list of two or more); the live value of each target the call passes (positional,
``y=``, the second item of a ``validation_data`` tuple), an array (or a pandas frame) and not a
list, tuple or dict.
Each such target becomes ``[y] * n``: the same array for each output, as Keras 2 trained with it.
"""

from __future__ import annotations

import re

from kerasmagic.diagnosis.array_inputs import TARGET_METHODS, target_nodes
from kerasmagic.diagnosis.compiled import failing_model_calls
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text
from kerasmagic.diagnosis.rules import rule

ENTRY = "single-target-per-output"
# one target against a list of outputs; the loss's first output not found in the labels;
# evaluate's flattening of one target into the outputs' structure (optree, Keras 3.15)
ONE_TARGET = re.compile(
    r"y_true and y_pred have different structures\.\s*y_true: \*\s*y_pred: \[|"
    r"The path: \(\d+,\) in the `loss` argument, can't be found in either the model's output "
    r"\(`y_pred`\) or in the labels \(`y_true`\)|"
    r"Too few leaves for PyTreeSpec; expected: \d+, got: 1\."
)


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("ValueError", "KeyError"))
def target_per_output(ctx: CellContext) -> list[Problem]:
    """Each array target of the failing call of a live model with several outputs, given once
    per output."""
    if ctx.cell.tree is None or not ONE_TARGET.search(ctx.message):
        return []
    names = ctx.live_names or {}
    for call, _receiver, model in failing_model_calls(ctx, tuple(TARGET_METHODS)):
        try:
            outputs = model.outputs if model is not None else None
        except Exception:  # a subclassed model not called yet: no outputs to count
            outputs = None
        if not isinstance(outputs, list) or len(outputs) < 2:
            continue
        edits: list[Edit] = []
        for node in target_nodes(call):
            text = node_text(ctx.cell, node)
            edit = node_edit(ctx.cell, node, f"[{text}] * {len(outputs)}") if text else None
            if edit is not None and _one_array(value_in(names, node)):  # a name's or member's value
                edits.append(edit)
        if edits:
            method = call.func.attr  # type: ignore[attr-defined]
            return [from_entry(ENTRY, call.lineno, edits, ["y", method], ctx.shown_versions, outputs=str(len(outputs)),
                               method=method, keras=ctx.versions.get("keras", "3"))]  # fmt: skip
    return []


def _one_array(value: object) -> bool:
    """An array or tensor (it has a shape and a dtype), or a pandas frame (a shape and its
    columns' ``dtypes``: one 2-D target, as Keras converts it), not a list, tuple or dict."""
    typed = hasattr(value, "dtype") or hasattr(value, "dtypes")
    return not isinstance(value, (list, tuple, dict)) and hasattr(value, "shape") and typed
