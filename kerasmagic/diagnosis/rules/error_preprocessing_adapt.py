"""Error rules: TensorFlow 2.4's ``adapt`` of preprocessing layers, which Keras 3 reads otherwise.

A ``Normalization`` layer adapted on a dataset of batched scalars (``keras3-adapt-scalar-batches``):

TensorFlow 2.4's preprocessing tutorials took one feature of a structured dataset
(``feature_ds = dataset.map(lambda x, y: x[name])``: batches of scalars, elements of one axis,
``(batch,)``) and adapted a ``Normalization()`` on it, which read each batch as one feature per
example; the layer then normalised ``keras.Input(shape=(1,))``. Keras 3's ``adapt`` reads a
dataset whose elements have one axis as unbatched, batches it again, and cannot build the layer
on what that gives: "All `axis` values to be kept must have a known shape. Received axis=(-1,),
inputs.shape=(None, None)".

Evidence: that message, raised under the layer's ``adapt`` (a traceback frame of a method named
``adapt`` whose ``self`` is the layer and whose ``data`` is a ``tf.data.Dataset`` of elements of
two axes, the last unknown: the one Keras batched again); the ``….adapt(data)`` call of the
failing line. The repair gives each element its feature axis, as TensorFlow 2.4 read it:
``data.map(lambda x: tf.expand_dims(x, -1))``, elements ``(batch, 1)``, the layer built for one
feature: the same mean and variance. A helper an earlier cell defines is corrected there (the
engine's defining cell).

A ``CategoryEncoding`` adapted (``keras3-category-encoding-adapt``): TensorFlow 2.4's layer had an
``adapt`` that learned the largest index (when no ``max_tokens`` was given) and the inverse
document frequencies of its ``"tf-idf"`` mode; its later versions and Keras 3's have none
("'CategoryEncoding' object has no attribute 'adapt'"). Where the live layer has its
``num_tokens`` and counts, one-hot or multi-hot encodes (Keras 3 has no ``tf-idf`` mode), the
adapt learned nothing the layer uses: the statement goes.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.keras3_support import tensorflow_name
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.python_messages import failing_calls
from kerasmagic.diagnosis.rewrite import node_edit, node_text, statement_removal, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-adapt-scalar-batches"
ENCODING = "keras3-category-encoding-adapt"
NO_ADAPT = re.compile(r"'CategoryEncoding' object has no attribute 'adapt'")
MESSAGE = re.compile(r"All `axis` values to be kept must have a known shape\. Received axis=\(-1,\), inputs\.shape=\(None, None\)")  # fmt: skip
SIMPLE = (ast.Name, ast.Attribute, ast.Call, ast.Subscript)  # a receiver needing no parentheses


@rule(ENTRY, when=(ERROR,), family="keras3-messages", errors=("ValueError",), needs="adapt")
def adapt_scalar_batches(ctx: CellContext) -> list[Problem]:
    """The failing line's ``X.adapt(data)`` with a feature axis given to each element."""
    if ctx.cell.tree is None or not MESSAGE.search(ctx.message) or not _rebatched_dataset(ctx.exc):
        return []
    calls = [
        c
        for c in failing_calls(ctx)
        if isinstance(c.func, ast.Attribute) and c.func.attr == "adapt" and len(c.args) == 1
    ]
    named = tensorflow_name(ctx) if len(calls) == 1 else None
    if named is None:
        return []
    tf, imports = named
    data = calls[0].args[0]
    text = node_text(ctx.cell, data)
    receiver = text if isinstance(data, SIMPLE) else f"({text})"
    edit = node_edit(ctx.cell, data, f"{receiver}.map(lambda x: {tf}.expand_dims(x, -1))")
    if edit is None:
        return []
    problem = from_entry(ENTRY, ctx.line or calls[0].lineno, [*imports, edit], ["adapt", text])
    problem.certain = True  # what TensorFlow 2.4 computed: one feature, its mean and variance
    return [problem]


@rule(ENCODING, when=(ERROR,), family="keras3-messages", errors=("AttributeError",), needs="adapt")
def category_encoding_adapt(ctx: CellContext) -> list[Problem]:
    """Each statement of the failing lines that only adapts a live ``CategoryEncoding`` whose
    ``num_tokens`` is set, removed."""
    tree = ctx.cell.tree
    if tree is None or not NO_ADAPT.search(ctx.message):
        return []
    names = ctx.live_names
    edits = []
    for stmt in walk(tree):
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        func = getattr(call, "func", None)
        if not (isinstance(func, ast.Attribute) and func.attr == "adapt" and stmt.lineno in ctx.failing_lines):  # fmt: skip
            continue
        layer = names.get(func.value.id) if isinstance(func.value, ast.Name) else None
        if type(layer).__name__ == "CategoryEncoding" and getattr(layer, "num_tokens", None):
            edits.append(statement_removal(ctx.cell, stmt, tree))
    if not edits or None in edits:
        return []
    problem = from_entry(ENCODING, ctx.line or 1, edits, ["CategoryEncoding", "adapt"])  # type: ignore[arg-type]
    problem.certain = True  # the adapt learned nothing a layer with its num_tokens uses
    return [problem]


def _rebatched_dataset(exc: BaseException | None) -> bool:
    """Is ``exc`` raised under a layer's ``adapt`` whose data is a ``tf.data.Dataset`` of
    elements ``(None, None)`` (batches Keras made of elements of one axis)?"""
    for frame in traceback_frames(exc):
        if frame.f_code.co_name != "adapt" or "self" not in frame.f_locals:
            continue
        data: Any = frame.f_locals.get("data")
        spec = data.element_spec if live.is_tf_dataset(data) else None
        spec = spec[0] if isinstance(spec, tuple) else spec
        shape = getattr(spec, "shape", None)
        if shape is not None and shape.rank == 2 and shape[-1] is None:
            return True
    return False
