"""Static rule: ``K.tf``, Keras 2's handle on TensorFlow through its backend module.

Keras 2.0-2.2's TensorFlow backend module imported TensorFlow as ``tf`` at its top, so code of
that time reached the whole TensorFlow API through it: ``K.tf.image.resize_images``,
``K.tf.nn.l2_normalize`` in a ``Lambda``. Keras 2.3 and Keras 3 backend modules have no ``tf``
("module 'keras.backend' has no attribute 'tf'"; inside a ``Lambda`` Keras 3 reports only that it
could not infer the output shape). ``K.tf`` is the ``tensorflow`` module itself: each use becomes
the cell's name for it (``import tensorflow as tf`` added where nothing binds one). Evidence, read
from the live objects: the name is bound to a Keras backend module that has no ``tf``, TensorFlow
is installed and is Keras's backend (the TensorFlow functions then take Keras's tensors).
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import backend_module, tensorflow_name
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.probes.keras_setup import keras_backend

ENTRY = "keras2-backend-tf-module"


@rule(ENTRY, when=(STATIC,), family="backend", needs=".tf")
def backend_tf_module(ctx: CellContext) -> list[Problem]:
    """Every ``<Keras backend module>.tf`` of the cell: the cell's name for TensorFlow."""
    tree = ctx.cell.tree
    if tree is None or not live.top_exists("tensorflow") or keras_backend() != "tensorflow":
        return []
    uses = [
        node
        for node in walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "tf"
        and isinstance(node.ctx, ast.Load)
        and _backend_without_tf(ctx, node.value)
    ]
    named = tensorflow_name(ctx) if uses else None
    if named is None:
        return []
    tf, imports = named
    edits: list[Edit] = []
    for node in uses:
        edit = node_edit(ctx.cell, node, tf)
        if edit is None:
            return []
        edits.append(edit)
    failing = ctx.failing_lines if ctx.exc is not None else set()
    first = min(uses, key=lambda n: (n.lineno not in failing, n.lineno, n.col_offset))
    written = node_text(ctx.cell, first) or "K.tf"
    problem = from_entry(
        ENTRY, first.lineno, imports + edits, ["tf"], ctx.shown_versions, old=written, tf=tf
    )
    problem.certain = True  # the same module, under the name TensorFlow gives it
    return [problem]


def _backend_without_tf(ctx: CellContext, node: ast.expr) -> bool:
    module = backend_module(ctx, node)
    return module is not None and not hasattr(module, "tf")
