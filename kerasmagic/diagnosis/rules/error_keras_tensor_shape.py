"""Error rule: the shape of a Keras 3 symbolic tensor read as TensorFlow's ``TensorShape``.

Keras 2's symbolic tensors were TensorFlow tensors (or tf.keras's ``KerasTensor``, which kept
their methods): ``x.get_shape()`` and ``x.shape`` gave a ``TensorShape``, with ``.as_list()``.
A Keras 3 ``KerasTensor`` has no ``get_shape`` and its ``shape`` is a plain tuple of ints and
``None``s ("'KerasTensor' object has no attribute 'get_shape'", "'tuple' object has no attribute
'as_list'"). Evidence: the expression on the failing line holds a live ``KerasTensor`` (the
namespace, or the locals of the cell's function that raised), or, for an expression nothing
evaluates without running it (``MaxPooling2D()(x).get_shape()``), the message naming a
``KerasTensor`` and ``get_shape`` with one ``get_shape()`` on the failing line. The repair reads the tuple:
``x.get_shape()`` is ``x.shape``, and ``x.get_shape().as_list()``/``x.shape.as_list()`` is
``list(x.shape)``, the list ``as_list`` gave.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-keras-tensor-shape"


@rule(ENTRY, when=(ERROR,), family="backend", errors=("AttributeError",), needs=("get_shape", "as_list"))  # fmt: skip
def keras_tensor_shape(ctx: CellContext) -> list[Problem]:
    """Each ``x.get_shape()`` / ``….as_list()`` of a live ``KerasTensor`` on the failing line:
    the tuple Keras 3 gives."""
    if ctx.cell.tree is None or ctx.line is None:
        return []
    if "'get_shape'" not in ctx.message and "'as_list'" not in ctx.message:
        return []
    edits: list[Edit] = []
    names: list[str] = []
    done: set[int] = set()
    for node in walk(ctx.cell.tree):
        if not isinstance(node, ast.Call) or getattr(node, "lineno", None) != ctx.line or id(node) in done:  # fmt: skip
            continue
        tensor = _shape_of(ctx, node)
        if tensor is None:
            continue
        text = node_text(ctx.cell, tensor)
        outer = node
        as_list = _as_list_of(ctx.cell.tree, node)
        if as_list is not None:
            outer, new = as_list, f"list({text}.shape)"
            done.add(id(as_list))
        else:
            new = f"{text}.shape"
        edit = node_edit(ctx.cell, outer, new) if text else None
        if edit is not None:
            edits.append(edit)
            names.append(text or "")
    if not edits:
        return []
    return [from_entry(ENTRY, ctx.line, edits, names, ctx.shown_versions, tensor=names[0],
                       keras=ctx.versions.get("keras", "3"))]  # fmt: skip


def _shape_of(ctx: CellContext, call: ast.Call) -> ast.expr | None:
    """``x.get_shape()`` or ``x.shape.as_list()`` with ``x`` a live KerasTensor: ``x``."""
    func = call.func
    if not isinstance(func, ast.Attribute) or call.args or call.keywords:
        return None
    if func.attr == "get_shape":
        tensor = func.value
    elif func.attr == "as_list" and isinstance(func.value, ast.Attribute) and func.value.attr == "shape":  # fmt: skip
        tensor = func.value.value
    else:
        return None
    if live.is_keras_tensor(value_in(ctx.live_names, tensor)):
        return tensor
    return tensor if func.attr == "get_shape" and _the_refused_one(ctx, call) else None


def _the_refused_one(ctx: CellContext, call: ast.Call) -> bool:
    """An expression the namespace cannot evaluate (``MaxPooling2D()(x).get_shape()``) is taken
    on Keras's word: the message says a ``KerasTensor`` has no ``get_shape``, and this is the
    failing line's only ``get_shape()``."""
    if "'KerasTensor' object has no attribute 'get_shape'" not in ctx.message:
        return False
    if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
        return False  # a name is read live, and it holds no KerasTensor
    line = [
        n
        for n in walk(ctx.cell.tree)
        if isinstance(n, ast.Call)
        and getattr(n, "lineno", None) == ctx.line
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "get_shape"
    ]
    return line == [call]


def _as_list_of(tree: ast.AST, call: ast.Call) -> ast.Call | None:
    """The ``….as_list()`` call made on ``call``'s result, if any (``x.get_shape().as_list()``);
    ``call`` itself when it is ``x.shape.as_list()``."""
    if isinstance(call.func, ast.Attribute) and call.func.attr == "as_list":
        return call
    for node in walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "as_list"
            and node.func.value is call
            and not node.args
        ):
            return node
    return None
