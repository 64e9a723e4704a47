"""Error rule: ``rnn.get_initial_state(inputs)``: Keras 2's recurrent layers took the input
tensor and read its batch size; Keras 3's take the batch size itself (``get_initial_state(
batch_size)``), so the tensor ends up in the shape of the zeros it makes and TensorFlow refuses
it. The argument becomes the input's batch size, as Keras 2 read it (``tf.shape(inputs)[0]``)."""

from __future__ import annotations

import ast
import inspect
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-rnn-initial-state-batch"


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("InvalidArgumentError", "ValueError", "TypeError"))  # fmt: skip
def initial_state_batch(ctx: CellContext) -> list[Problem]:
    """On a line of the traceback, ``X.get_initial_state(t)`` where the live ``X`` (read from the
    failing frame: ``self.gru``) is a Keras recurrent layer whose ``get_initial_state`` takes
    ``batch_size`` and the live ``t`` is a tensor: ``t`` becomes ``tf.shape(t)[0]`` (or
    ``keras.ops.shape``, with the module the cell has bound)."""
    tree, names = ctx.cell.tree, ctx.live_names
    shape = ctx.scope.expr_for("tensorflow.shape") or ctx.scope.expr_for("keras.ops.shape")
    if tree is None or shape is None:
        return []
    for call in walk(tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == "get_initial_state"):
            continue
        if call.lineno not in ctx.failing_lines or len(call.args) != 1 or call.keywords:
            continue
        layer, value = live_value(func.value, names), live_value(call.args[0], names)
        if not (_takes_batch_size(layer) and len(getattr(value, "shape", ()) or ()) >= 1):
            continue
        text = node_text(ctx.cell, call.args[0])
        edit = node_edit(ctx.cell, call.args[0], f"{shape}({text})[0]") if text else None
        if edit is None:
            continue
        return [
            from_entry(ENTRY, call.lineno, [edit], ["get_initial_state"], ctx.shown_versions,
                       layer=type(layer).__name__, keras=ctx.versions.get("keras", "3"), shape=shape)
        ]  # fmt: skip
    return []


def _takes_batch_size(layer: Any) -> bool:
    """A Keras layer whose live ``get_initial_state`` takes ``batch_size`` first."""
    module = str(getattr(type(layer), "__module__", ""))
    method = getattr(layer, "get_initial_state", None)
    if not module.startswith("keras") or not callable(method):
        return False
    try:
        params = list(inspect.signature(method).parameters)
    except (TypeError, ValueError):
        return False
    return bool(params) and params[0] == "batch_size"
