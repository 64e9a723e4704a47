"""Error rule: a model made from ``X.input`` where ``X`` is an ``InputLayer``.

tf.keras 2 gave an ``InputLayer`` the tensor it makes as both its ``input`` and its ``output``,
so ``Model(model.get_layer("image").input, …)`` or ``model.layers[0].input`` named the model's
input. Keras 3's ``InputLayer`` has no inbound tensors: its ``input`` is an empty list ("`inputs`
argument cannot be empty. Received: inputs=[]") and the tensor is its ``output``.

Evidence, read from the live objects (never calling the user's code): ``.input`` (one on the
failing lines, every one of the cell is changed) read from ``NAME.get_layer("literal")`` (or ``name="literal"``), ``NAME.layers[i]`` or a
name, where the model's layer of that name or index, or the name's value, is a Keras
``InputLayer``. The rewrite reads ``.output`` of the same layer: the same tensor tf.keras gave.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.known_values import known_value
from kerasmagic.diagnosis.live import is_keras_object
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-input-layer-input"
MESSAGE = "`inputs` argument cannot be empty"


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("ValueError",), needs=r"\.input\b")
def input_layer_input(ctx: CellContext) -> list[Problem]:
    """Each ``LAYER.input`` of the cell whose layer is a live ``InputLayer``, one of them on the
    failing lines."""
    if MESSAGE not in ctx.message or ctx.cell.tree is None:
        return []
    edits = []
    for node in walk(ctx.cell.tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "input"):
            continue
        if not _is_input_layer(_layer_of(ctx, node.value)):
            continue
        text = node_text(ctx.cell, node.value)
        edit = node_edit(ctx.cell, node, f"{text}.output") if text else None
        if edit is not None:
            edits.append(edit)
    if not any(e.line in ctx.failing_lines for e in edits):
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, ["input"], ctx.shown_versions,
                         keras=ctx.versions.get("keras", "3"))  # fmt: skip
    problem.certain = True  # the tensor tf.keras's InputLayer gave as its input
    return [problem]


def _layer_of(ctx: CellContext, node: ast.expr) -> Any:
    """The live layer ``node`` names, read without calling anything: a name's value, the
    model's layer of a known name (``get_layer``) or of a known index (``layers[i]``): written
    there, or held by a name set before."""
    names = ctx.live_names or {}
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get_layer":  # fmt: skip
        model = _live(names, node.func.value)
        given = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "name")]
        wanted = known_value(ctx, given[0]) if given else None  # a literal, or a name holding one
        return next((layer for layer in _layers(model) if getattr(layer, "name", None) == wanted), None)  # fmt: skip
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "layers":  # fmt: skip
        layers = _layers(_live(names, node.value.value))
        index = known_value(ctx, node.slice)
        if isinstance(index, int) and -len(layers) <= index < len(layers):
            return layers[index]
    return None


def _live(names: dict, node: ast.expr) -> Any:
    return names.get(node.id) if isinstance(node, ast.Name) else None


def _layers(model: Any) -> list:
    layers = getattr(type(model), "layers", None) if model is not None else None
    if not isinstance(layers, property):  # a Keras model's `layers` is a property reading its list
        return []
    value = getattr(model, "layers", None)
    return list(value) if isinstance(value, (list, tuple)) else []


def _is_input_layer(layer: Any) -> bool:
    return type(layer).__name__ == "InputLayer" and is_keras_object(type(layer))
