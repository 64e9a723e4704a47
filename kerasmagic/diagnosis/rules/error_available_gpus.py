"""``K.tensorflow_backend._get_available_gpus()``, Keras 2's private list of the GPUs TensorFlow
sees (the "is my GPU used?" cell of 2017-2020 notebooks): gone with the ``tensorflow_backend``
module in Keras 2.4+ and from Keras 3's backend. Its value, the names of TensorFlow's GPU devices
(``'/device:GPU:0'``), is what tf.keras 2's own last version of it returned under eager
execution: ``[d.name for d in tf.config.list_logical_devices('GPU')]``. Imported by name (``from
keras.backend.tensorflow_backend import _get_available_gpus``), the import becomes a function of
that name returning it."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, node_edit, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras2-available-gpus"
NAME = "_get_available_gpus"


@rule(ENTRY, when=(ERROR,), family="backend", needs=NAME, errors=("AttributeError", "ImportError"))
def available_gpus(ctx: CellContext) -> list[Problem]:
    """Every ``<Keras backend>._get_available_gpus()`` of the cell (read through
    ``tensorflow_backend`` or not), when the error is about it: TensorFlow's GPU device names."""
    if ctx.cell.tree is None or not any(w in ctx.message for w in ("tensorflow_backend", NAME)):
        return []
    if not live.top_exists("tensorflow"):
        return []  # Keras 3 on JAX or PyTorch: no TensorFlow to ask
    tf = ctx.scope.expr_for("tensorflow")
    imports: list[Edit] = []
    if tf is None:
        if "tf" in ctx.scope.bindings or "tf" in ctx.scope.user_bound or "tf" in (ctx.namespace or {}):
            return []
        tf, at = "tf", insertion_line(ctx.cell)
        imports = [Edit(at, 0, at, 0, "import tensorflow as tf\n")]
    edits = _imported(ctx, tf)
    for call in walk(ctx.cell.tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == NAME) or call.args or call.keywords:  # type: ignore[union-attr]
            continue
        if not ctx.scope.refers_to_keras(func.value):
            continue
        edit = node_edit(ctx.cell, call, f"[d.name for d in {tf}.config.list_logical_devices('GPU')]")
        if edit is None:
            return []
        edits.append(edit)
    if not edits:
        return []
    problem = from_entry(ENTRY, edits[0].line, imports + edits, [NAME, "tensorflow_backend"], ctx.shown_versions)  # fmt: skip
    problem.certain = True
    return [problem]


def _imported(ctx: CellContext, tf: str) -> list[Edit]:
    """``from keras.backend.tensorflow_backend import _get_available_gpus`` (that name alone): the
    import becomes a function of that name reading TensorFlow's GPU device names, so every call
    of it stays as written."""
    edits = []
    for node in walk(ctx.cell.tree):  # type: ignore[arg-type]
        if not (isinstance(node, ast.ImportFrom) and (node.module or "").endswith("tensorflow_backend")):
            continue
        if [a.name for a in node.names] != [NAME] or not (node.module or "").startswith("keras"):
            continue
        name = node.names[0].asname or NAME
        text = f"def {name}():\n{' ' * node.col_offset}    return [d.name for d in {tf}.config.list_logical_devices('GPU')]"
        edit = node_edit(ctx.cell, node, text)
        if edit is not None:
            edits.append(edit)
    return edits
