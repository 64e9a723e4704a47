"""Error rule: ``layer.input_shape`` / ``layer.output_shape``, which Keras 3 removed from layers
(models keep theirs): the layer's ``input``/``output`` tensor has the shape, read in the spelling
that holds for every live layer the use reads (a loop over a model's layers gives several).

Checked against the live API: the live Layer class lacks the attribute and has the tensor
property that replaces it; each layer's tensor is read (``getattr`` only) to choose the spelling.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import keras3_here
from kerasmagic.diagnosis.live_loops import live_value, loop_values
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

LAYER_SHAPE = "keras3-layer-shape-attribute"
NO_ATTRIBUTE = re.compile(r"'(?P<cls>\w+)' object has no attribute '(?P<attr>(?:in|out)put_shape)'")


@rule(
    LAYER_SHAPE,
    when=(ERROR,),
    family="model-methods",
    needs=("input_shape", "output_shape"),
    errors=("AttributeError",),
)
def layer_shape_attribute(ctx: CellContext) -> list[Problem]:
    """``layer.input_shape`` on a Keras 3 layer (AttributeError naming its class): on the failing
    line, ``layer.input.shape`` where the live class lacks the attribute and has ``input``."""
    if ctx.cell.tree is None or ctx.line is None:
        return []
    found = NO_ATTRIBUTE.search(ctx.message)
    if found is None:
        return []
    attr = found["attr"]
    tensor = attr.split("_")[0]  # input / output
    klass = _live_layer_class(found["cls"])
    if (
        klass is None
        or hasattr(klass, attr)
        or not isinstance(getattr(klass, tensor, None), property)
    ):
        return []
    edits = []
    for node in walk(ctx.cell.tree):
        if isinstance(node, ast.Attribute) and node.attr == attr and node.lineno == ctx.line:
            value = node_text(ctx.cell, node.value)
            spelling = _tensor_spelling(ctx, node.value, tensor)
            edit = node_edit(ctx.cell, node, spelling.format(value)) if value and spelling else None
            if edit is not None:
                edits.append(edit)
    if not edits:
        return []
    return [
        from_entry(
            LAYER_SHAPE,
            ctx.line,
            edits,
            [attr, found["cls"]],
            ctx.shown_versions,
            attribute=attr,
            tensor=tensor,
            layer=found["cls"],
            keras=ctx.versions.get("keras", "3"),
        )
    ]


def _tensor_spelling(ctx: CellContext, node: ast.expr, tensor: str) -> str | None:
    """How Keras 3 spells Keras 2's ``X.{tensor}_shape`` for every live layer ``X`` reads, a
    format string of ``X``'s text; None when no one spelling is proved for them all. Each value
    a ``for`` loop of the cell gives the name and lets reach the use (``for layer in
    model.layers``) counts (over values not read here, the one the failing frame holds), else
    its live value (an attribute chain's, ``model.layers[0]``'s);
    an expression not read so gets the plain spelling, ``X.{tensor}.shape``."""
    plain = "{}." + tensor + ".shape"
    if ctx.namespace is None:
        return plain
    if isinstance(node, ast.Name):
        items = loop_values(ctx, node)
    else:
        value = live_value(node, ctx.namespace)
        items = [] if value is None else [value]
    if items is None:  # a loop over values not read here (``for layer in self.bn_layers``):
        # the value the failing frame holds decides; a later one of another kind fails on
        # ``.shape`` (an input layer's ``[]``, a masked layer's list), never silently
        held = ctx.live_names.get(node.id) if isinstance(node, ast.Name) else None
        if held is None:
            return None
        items = [held]
    kinds = set()
    for item in items:
        try:
            value = getattr(item, tensor)
        except Exception:  # a layer never called has no tensor: Keras's own error, as before
            continue
        kind = _kind(item, value) if tensor == "input" else ("one" if _tensor(value) else None)
        if kind is None:
            return None
        kinds.add(kind)
    if kinds == {"input layer"}:
        return "{}.output.shape"  # input layers alone: their own shape is their output's
    return SPELLINGS.get(frozenset(kinds - {"one"}), plain)


# Keras 2's ``input_shape`` in Keras 3's terms, by the kinds of layer a use reads besides those
# of one input tensor: an input layer (Keras 3 lists no input: Keras 2 gave its own shape, its
# output's), a layer called with a mask (Keras 3 lists the mask after the tensor: Keras 2 gave
# the tensor's shape), or both
SPELLINGS = {
    frozenset({"input layer"}): "({0}.output if isinstance({0}.input, list) else {0}.input).shape",
    frozenset({"masked"}): "({0}.input[0] if isinstance({0}.input, list) else {0}.input).shape",
    frozenset(
        {"input layer", "masked"}
    ): "(({0}.input or [{0}.output])[0] if isinstance({0}.input, list) else {0}.input).shape",  # fmt: skip
}


def _kind(layer: object, value: object) -> str | None:
    """What Keras 3's ``layer.input`` is: ``one`` tensor; an ``input layer``'s ``[]``; a
    ``masked`` layer's ``[tensor, mask]`` (the masks Keras passes are boolean tensors, the
    input is not); None for anything else (several inputs: Keras 2 gave a list of shapes)."""
    if _tensor(value):
        return "one"
    if isinstance(value, list) and not value and _is_input_layer(layer):
        return "input layer"
    if isinstance(value, list) and len(value) > 1 and all(_tensor(v) for v in value):
        dtypes = [str(getattr(v, "dtype", "")) for v in value]
        if dtypes[0] != "bool" and all(d == "bool" for d in dtypes[1:]):
            return "masked"
    return None


def _tensor(value: object) -> bool:
    """Is ``value`` one tensor (it has a ``shape`` and is no list, tuple or dict)?"""
    return not isinstance(value, (list, tuple, dict)) and hasattr(value, "shape")


def _is_input_layer(layer: object) -> bool:
    """Is ``layer`` an instance of the live Keras 3 ``InputLayer``?"""
    klass = _live_layer_class("InputLayer")
    return klass is not None and isinstance(layer, klass)


def _live_layer_class(name: str) -> type | None:
    """The Keras 3 layer class of that name in the live ``keras.layers`` (imported already)."""
    status, layers = live.module_status("keras.layers")
    klass = getattr(layers, name, None) if status == live.OK else None
    return klass if isinstance(klass, type) and keras3_here() else None
