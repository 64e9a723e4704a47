"""Rules on callbacks and layer attributes Keras 3 changed: ``ModelCheckpoint(period=…)`` (gone:
``save_freq``), and ``layer.input_shape``/``output_shape`` (gone from layers: the layer's
``input``/``output`` tensor has the shape).

Each is checked against the live API: the live ``ModelCheckpoint`` signature lacks ``period``;
the live Layer class lacks the attribute and has the tensor property that replaces it.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import keras_class_calls, signature
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import delete_keyword_edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

PERIOD = "keras3-checkpoint-period"
LAYER_SHAPE = "keras3-layer-shape-attribute"
NO_ATTRIBUTE = re.compile(r"'(?P<cls>\w+)' object has no attribute '(?P<attr>(?:in|out)put_shape)'")


@rule(PERIOD, when=(STATIC,), family="callbacks", needs=r"period")
def checkpoint_period(ctx: CellContext) -> list[Problem]:
    """``ModelCheckpoint(period=1)`` where the live class has no ``period``: dropped (one epoch
    is its default ``save_freq='epoch'``); another period is explained (``save_freq`` counts
    batches: no exact rewrite without the steps per epoch)."""
    out: list[Problem] = []
    for call, klass, path in keras_class_calls(ctx):
        if not path.endswith("ModelCheckpoint"):
            continue
        kw = next((k for k in call.keywords if k.arg == "period"), None)
        sig = signature(klass)
        if kw is None or sig is None or "period" in sig.parameters:
            continue
        if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
            continue  # Keras 2.x: still taken (with a deprecation warning)
        one = isinstance(kw.value, ast.Constant) and kw.value.value == 1
        edit = delete_keyword_edit(ctx.cell, call, kw) if one else None
        out.append(
            from_entry(
                PERIOD,
                kw.lineno,
                [edit] if edit is not None else [],
                ["period", "ModelCheckpoint"],
                ctx.shown_versions,
                period=node_text(ctx.cell, kw.value) or "…",
                keras=ctx.versions.get("keras", "3"),
            )
        )
    return out


@rule(LAYER_SHAPE, when=(ERROR,), family="model-methods", needs=("input_shape", "output_shape"))
def layer_shape_attribute(ctx: CellContext) -> list[Problem]:
    """``layer.input_shape`` on a Keras 3 layer (AttributeError naming its class): on the failing
    line, ``layer.input.shape`` where the live class lacks the attribute and has ``input``."""
    if ctx.error_type != "AttributeError" or ctx.cell.tree is None or ctx.line is None:
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
            edit = node_edit(ctx.cell, node, f"{value}.{tensor}.shape") if value else None
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


def _live_layer_class(name: str) -> type | None:
    """The Keras 3 layer class of that name in the live ``keras.layers`` (imported already)."""
    status, layers = live.module_status("keras.layers")
    klass = getattr(layers, name, None) if status == live.OK else None
    version = str(getattr(live.module_status("keras")[1], "__version__", ""))
    return klass if isinstance(klass, type) and version.startswith("3.") else None
