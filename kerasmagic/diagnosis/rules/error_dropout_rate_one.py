"""Error rule: a dropout layer given a rate of 1 (``Dropout(1.0)``, meaning "keep everything"
in the author's head, or a rate swept up to 1).

Standalone Keras 2 (to 2.3) applied dropout only when ``0 < rate < 1`` (``Dropout.call``): a rate
of 1 left the layer's input as it was. tf.keras 2.x and Keras 3.13 on TensorFlow refuse it when
training ("`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate=1.0").

Evidence: the message's rate; a call in the cell of a live Keras dropout class (``Dropout``,
``SpatialDropout1D/2D/3D``) given that rate, written as a number (or a name whose live value it
is). The rate becomes ``0.0``: what Keras 2 did with it, nothing dropped, the layer kept (its
place in ``model.layers`` and its name stay). The layer is often made cells before the ``fit``
that fails: ``migrate`` finds its cell (the entry's ``earlier_cell``).
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import call_argument, keras_class_calls
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit
from kerasmagic.diagnosis.rules import rule

ENTRY = "dropout-rate-one"
REFUSED = re.compile(r"`rate` must be a scalar tensor or a float in the range \[0, 1\)\. Received: rate=([0-9.]+)")  # fmt: skip
DROPOUTS = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D")


@rule(ENTRY, when=(ERROR,), family="layer-arguments", errors=("ValueError",), needs="Dropout")
def dropout_rate_one(ctx: CellContext) -> list[Problem]:
    """``Dropout(1.0)`` → ``Dropout(0.0)``: the no-op Keras 2 made of it."""
    found = REFUSED.search(ctx.message)
    if found is None or ctx.cell.tree is None:
        return []
    refused = float(found.group(1))
    if refused < 1:
        return []
    edits = []
    for call, klass, _path in keras_class_calls(ctx):
        if klass.__name__ not in DROPOUTS:
            continue
        rate = call_argument(call, klass, "rate")
        value = _number(rate, ctx.live_names or {}) if rate is not None else None
        if value is None or value != refused:
            continue
        edit = node_edit(ctx.cell, rate, "0.0")  # type: ignore[arg-type]
        if edit is not None:
            edits.append(edit)
    if not edits:
        return []
    problem = from_entry(ENTRY, edits[0].line, edits, ["Dropout", "rate"], ctx.shown_versions,
                         rate=found.group(1), keras=ctx.versions.get("keras", "?"))  # fmt: skip
    problem.certain = True  # Keras 2 dropped nothing at that rate
    return [problem]


def _number(node: ast.expr, names: dict) -> float | None:
    """A rate written as a number, or a name (an attribute chain) whose live value is one."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):  # fmt: skip
        return float(node.value)
    value = live_value(node, names)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
