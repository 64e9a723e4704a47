"""Error rule: a layer's input shape read from its config, ``X.get_config()['batch_input_shape']``.

Keras 2 kept the batch input shape in the config of the layer that got ``input_shape=`` (the first
layer of a ``Sequential`` model) and of every ``InputLayer``; code reads it to size images for a
loaded model or to make an ``Input`` of the same shape. Keras 3 gives the first layer of a
``Sequential`` model no shape in its config (the model's own ``InputLayer``, which ``layers`` does
not list, has it) and names an ``InputLayer``'s ``batch_shape``, so the read raises ``KeyError``.

Evidence, read from the live layer (``X`` a name or a chain of attributes and constant indexes
of one, ``get_config()`` of a Keras layer only reports its arguments): an ``InputLayer`` whose
config holds ``batch_shape`` gets that key; another layer whose ``input`` is one symbolic tensor
gets ``tuple(X.input.shape)``, the same tuple, batch axis first, that Keras 2's config held."""

from __future__ import annotations

import ast
from collections.abc import Mapping

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_config_key_read import config_value

ENTRY = "keras3-config-input-shape"
KEY = "batch_input_shape"


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("KeyError",))
def config_input_shape(ctx: CellContext) -> list[Problem]:
    """Each ``X.get_config()['batch_input_shape']`` of the cell whose live ``X`` is a layer
    with the shape elsewhere, where one of them is on a failing line."""
    key = ctx.exc.args[0] if isinstance(ctx.exc, KeyError) and ctx.exc.args else None
    tree = ctx.cell.tree
    if key != KEY or tree is None:
        return []
    names = ctx.live_names or {}
    edits, layer_text, failing = [], None, False
    for node in walk(tree):
        new = _shape_text(ctx, node, names)
        edit = node_edit(ctx.cell, *new) if new is not None else None
        if edit is None:
            continue
        edits.append(edit)
        layer_text = layer_text or node_text(ctx.cell, node.value.func.value)  # type: ignore[attr-defined]
        failing = failing or node.lineno in ctx.failing_lines
    if not failing:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [KEY], ctx.shown_versions,
                         layer=layer_text or "the layer")  # fmt: skip
    problem.certain = True  # the live layer holds the shape there
    return [problem]


def _shape_text(ctx: CellContext, node: ast.AST, names: dict) -> tuple[ast.AST, str] | None:
    """For ``X.get_config()['batch_input_shape']`` of a live Keras layer ``X`` whose config (read
    once, by ``config_value``) lacks the key: (the node to replace, its text), the key
    ``batch_shape`` where the config holds it (an ``InputLayer``), else the whole read as the
    layer's input shape. None for any other node."""
    if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == KEY):  # fmt: skip
        return None
    call = node.value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "get_config"):  # fmt: skip
        return None
    config = config_value(names, call)  # a Keras object's own get_config(), else unread
    if not isinstance(config, Mapping) or KEY in config:
        return None
    if "batch_shape" in config:
        return node.slice, quoted_like(node_text(ctx.cell, node.slice), "batch_shape")
    try:
        tensor = config_value(names, call.func.value).input
    except Exception:  # Keras raises for a layer that was never called
        return None
    if not live.is_keras_tensor(tensor) or not isinstance(getattr(tensor, "shape", None), tuple):
        return None  # several inputs, or none
    owner = node_text(ctx.cell, call.func.value)
    return (node, f"tuple({owner}.input.shape)") if owner else None
