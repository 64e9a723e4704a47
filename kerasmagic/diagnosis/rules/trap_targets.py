"""Trap rule: a metric function of the notebook's own given 1-D targets by Keras 3.

Keras 2 gave every loss and metric ``y_true`` of the prediction's rank: labels of shape
``(batch,)`` became ``(batch, 1)`` for a ``(batch, 1)`` output. Keras 3 matches the ranks for its
losses (it expands a 1-D target when the prediction's last axis is 1) but passes a metric function
the targets as given, so ``y_pred - y_true`` broadcasts to ``(batch, batch)`` and the metric
reports another number than it did, with no error (an ``EarlyStopping`` on it then stops at
other epochs). Read after the run from the live objects: the model the data call used, the
functions it was compiled with, the targets' shape. The fix gives the data call the targets Keras
2 gave every function, ``np.expand_dims(y, -1)``: Keras's own losses and metrics compute the same
from either shape."""

from __future__ import annotations

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.array_inputs import one_dimensional_edits
from kerasmagic.diagnosis.compiled import own_functions, single_output_shape
from kerasmagic.diagnosis.context import AFTER_RUN, CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.trap_support import applies_to_kind, trap_problem
from kerasmagic.knowledge.catalogue import entry as catalogue_entry
from kerasmagic.probes.which_keras import kind_of_module

ENTRY = "metric-one-dimensional-targets"


@rule(ENTRY, when=(AFTER_RUN,), family="model-methods", needs=("fit", "evaluate", "_on_batch"), kind="trap")  # fmt: skip
def metric_targets(ctx: CellContext) -> list[Problem]:
    """A data call of a model with one ``(batch, 1)`` output, compiled with a metric function of
    the notebook's own, given a 1-D array of targets."""
    if not ctx.ran or ctx.cell.tree is None or not ctx.namespace:
        return []
    entry = catalogue_entry(ENTRY)
    functions: list[str] = []

    def model_ok(value: object) -> bool:
        shape = single_output_shape(value)
        kind = kind_of_module(type(value).__module__, ctx.versions)
        if shape is None or len(shape) != 2 or shape[-1] != 1:
            return False
        if not applies_to_kind(entry, kind, ctx.versions):
            return False
        own = own_functions(value, metrics_only=True)
        functions.extend(getattr(f, "__name__", "?") for f in own)
        return bool(own)

    edits, lines = one_dimensional_edits(ctx.cell, ctx.live_names, model_ok, targets=True)
    if not edits:
        return []
    names = ", ".join(f"`{n}`" for n in dict.fromkeys(functions))
    keras = live.versions().get("keras", "3")
    fields = {"functions": names, "keras": keras}
    verify = (f"With the corrected cell the targets reach {names} as `(batch, 1)` (print "
              "`y_true.shape` inside) and the metric reports what Keras 2 reported.")  # fmt: skip
    return [trap_problem(ctx, entry, fields, edits=edits, line=lines[0], confidence=1.0, verify=verify)]  # fmt: skip
