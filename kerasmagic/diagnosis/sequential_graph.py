"""Whether a layer's ``.output`` is in the graph of its Keras 3 Sequential model's output.

Keras 3's ``Sequential.add`` builds the model again at every layer it adds once the input shape
is known (``input_shape=`` on the first layer): each build calls every layer again on the model's
one input tensor, and a layer's ``.output`` stays the tensor of its first call, in the build made
when it was added. ``Model(model.inputs, [conv.output, model.outputs[0]])`` then computes two
separate branches, and a gradient of the second with respect to the first is None (Grad-CAM:
``tape.gradient(loss, conv_outputs)`` → None). Keras 2's ``add`` called only the new layer on the
previous output, so every ``.output`` was in the one graph.

The graph is read from the live tensors' Keras history (``KerasTensor._keras_history``: the
operation and its node), never by calling anything.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis import live

MAX_TENSORS = 10_000


def reaches(tensor: Any, target: Any) -> bool | None:
    """Is ``target`` (a symbolic tensor) ``tensor`` or one it was computed from? None when the
    history cannot be read (not Keras 3 tensors)."""
    seen: set[int] = set()
    stack = [tensor]
    while stack:
        current = stack.pop()
        if current is target:
            return True
        if len(seen) > MAX_TENSORS:
            return None
        history = getattr(current, "_keras_history", None)
        try:
            operation, node_index, _ = history  # type: ignore[misc]
            inputs = operation._inbound_nodes[node_index].input_tensors
        except Exception:
            if history is not None:
                return None
            continue
        for parent in inputs:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return False


def layer_of(model: Any, model_name: str, node: ast.expr, live_names: dict) -> Any:
    """The live layer of ``model`` (named ``model_name``) that ``node`` names: a name holding it,
    ``model.get_layer(…)`` with a literal or a name holding a str or int (positional, or as
    ``name=``/``index=``), or ``model.layers[i]``
    with a literal ``i``; None otherwise (nothing is called but Keras's ``get_layer``, which
    only looks the layer up)."""
    layers = _layers(model)
    if not layers:
        return None
    if isinstance(node, ast.Name):
        value = live_names.get(node.id)
        return value if any(value is layer for layer in layers) else None
    given = _get_layer_argument(node, model_name)
    if given is not None:
        argument = _literal_or_live(given, live_names)
        try:
            found = model.get_layer(argument) if isinstance(argument, str) else model.get_layer(index=argument)  # fmt: skip
        except Exception:
            return None
        return found if any(found is layer for layer in layers) else None
    if isinstance(node, ast.Subscript) and _method_of(node.value, model_name, "layers"):
        index = _literal_or_live(node.slice, live_names)
        if isinstance(index, int) and not isinstance(index, bool) and -len(layers) <= index < len(layers):  # fmt: skip
            return layers[index]
    return None


def _get_layer_argument(node: ast.expr, model_name: str) -> ast.expr | None:
    """The one argument of ``model_name.get_layer(x)``, ``get_layer(name=x)`` or
    ``get_layer(index=x)``; None for anything else."""
    if not isinstance(node, ast.Call) or not _method_of(node.func, model_name, "get_layer"):
        return None
    given = [*node.args, *(k.value for k in node.keywords if k.arg in ("name", "index"))]
    return given[0] if len(given) == 1 and len(node.args) + len(node.keywords) == 1 else None


def stale_output(model: Any, layer: Any) -> bool:
    """Is ``layer.output`` outside the graph of ``model.outputs[0]`` (a Keras 3 Sequential model
    rebuilt after the layer was added)? False when it is in it, or when this cannot be read."""
    try:
        outputs = model.outputs
        output = layer.output
    except Exception:
        return False
    if not isinstance(outputs, (list, tuple)) or len(outputs) != 1:
        return False
    return reaches(outputs[0], output) is False


def head_text(model_text: str, layer_text: str) -> str:
    """The model's output computed from the layer's output, by the layers after it: a graph that
    holds both, as Keras 2's one graph did."""
    return (
        f"functools.reduce(lambda tensor, later: later(tensor), "
        f"{model_text}.layers[{model_text}.layers.index({layer_text}) + 1 :], {layer_text}.output)"
    )


def one_tensor_list(model: Any, name: str) -> bool:
    """Does the live Keras model ``model`` hold exactly one tensor in ``name`` (``inputs``)?"""
    if not live.from_keras(model):
        return False
    try:
        value = getattr(model, name, None)
    except Exception:
        return False
    return isinstance(value, (list, tuple)) and len(value) == 1


def _layers(model: Any) -> list[Any]:
    try:
        layers = list(model.layers)
    except Exception:
        return []
    return layers


def _method_of(node: ast.expr, owner: str, name: str) -> bool:
    """Is ``node`` ``owner.name``?"""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == name
        and isinstance(node.value, ast.Name)
        and node.value.id == owner
    )


def _literal_or_live(node: ast.expr, live_names: dict) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):  # fmt: skip
        value = node.operand.value
        return -value if isinstance(value, int) else None
    if isinstance(node, ast.Name):
        value = live_names.get(node.id)
        return value if isinstance(value, (str, int)) else None
    return None
