"""Error rule: ``TimeDistributed(Dense(…))`` over sequences of any length, trained in Keras 3.

A char-RNN of the Keras 2 era reads sequences of any length (``GRU(…, return_sequences=True,
input_shape=[None, n])``) and ends with ``TimeDistributed(Dense(n, activation="softmax"))``.
Keras 3.14 and 3.15's ``TimeDistributed`` (3.13's counted the time steps) maps the wrapped layer over
``range(ops.shape(inputs)[0])`` taken *before* it swaps the batch and time axes when the time axis
has no static size, so it loops over the batch size on a time-major tensor: "slice index 21 of
dimension 0 out of bounds" when the batch is longer than the sequences, a loss whose shapes do not
match when it is shorter. ``Dense`` computes on the last axis of a 3-D tensor, for every time step,
with the same kernel and bias: the very function ``TimeDistributed(Dense)`` computed in Keras 2.
Evidence: a live Keras 3 model of the namespace holds a ``TimeDistributed`` of a ``Dense`` whose
input has no static time size, and the error is TensorFlow's ``InvalidArgumentError``; each
``TimeDistributed(Dense(…))`` of the cell (no other argument) becomes the ``Dense(…)``. The
model is usually built cells before the ``fit``: ``migrate`` corrects that cell (``earlier_cell``).
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import keras3_here
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, called_name, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-time-distributed-dynamic-time"


@rule(ENTRY, when=(ERROR,), family="layer-arguments", errors=("InvalidArgumentError",))
def time_distributed_dense(ctx: CellContext) -> list[Problem]:
    """Each ``TimeDistributed(Dense(…))`` of the cell becomes ``Dense(…)``; with none here, the
    cause is explained (``migrate`` looks for the cell that builds the model)."""
    if ctx.cell.tree is None or not keras3_here():
        return []
    if not any(_dynamic_time_dense(model) for model in list(ctx.live_names.values())):
        return []
    edits: list[Edit] = []
    for call in walk(ctx.cell.tree):
        if not isinstance(call, ast.Call) or called_name(call.func) != "TimeDistributed":
            continue
        if len(call.args) != 1 or call.keywords or not isinstance(call.args[0], ast.Call):
            continue
        if called_name(call.args[0].func) != "Dense":
            continue
        inner = node_text(ctx.cell, call.args[0])
        edit = node_edit(ctx.cell, call, inner) if inner else None
        if edit is not None:
            edits.append(edit)
    problem = from_entry(ENTRY, ctx.line or 1, edits, ["TimeDistributed"], ctx.shown_versions,
                         keras=ctx.versions.get("keras", "3"))  # fmt: skip
    if not edits:
        problem.explanation, problem.certain = True, False
    return [problem]


def _dynamic_time_dense(model: Any) -> bool:
    """A live Keras 3 model holding a ``TimeDistributed`` of a ``Dense`` whose input's time axis
    has no static size (read only; never raises)."""
    if not live.from_keras(model) or not hasattr(model, "layers") or isinstance(model, type):
        return False
    try:
        for layer in list(model.layers):
            inner = getattr(layer, "layer", None)
            if type(layer).__name__ != "TimeDistributed" or type(inner).__name__ != "Dense":
                continue
            if not str(type(layer).__module__).startswith("keras.src."):
                continue
            shape = getattr(getattr(layer, "input", None), "shape", None)
            if shape is not None and len(shape) >= 3 and shape[1] is None:
                return True
    except Exception:
        return False
    return False
