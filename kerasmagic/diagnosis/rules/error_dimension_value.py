"""Error rule: TensorFlow 1's ``Dimension.value`` read from a shape that now holds ints.

In TensorFlow 1 a shape's entries were ``Dimension`` objects, and custom layers read their size
with ``input_shape[-1].value`` (or ``x.get_shape()[1].value``): an int, or None when unknown.
TensorFlow 2's ``TensorShape`` holds the ints (or None) themselves, and Keras 3 hands ``build`` a
tuple of them, so ``.value`` raises "'int' object has no attribute 'value'". The entry itself is
what ``.value`` read: each ``S[i].value`` of the function that raised becomes ``S[i]``, where the
frame holds under ``S`` a shape (a tuple, list or ``TensorShape`` of ints and None) or a tensor
whose ``.shape``/``.get_shape()`` is read. The fix is made in the cell that defines the function
(``migrate`` finds it from the traceback).
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext, safe_str
from kerasmagic.diagnosis.frames import innermost_frame, is_cell_frame
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_logs_key import _function

ENTRY = "tf1-dimension-value"


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("AttributeError",))
def dimension_value(ctx: CellContext) -> list[Problem]:
    """``input_shape[-1].value`` raised on an int (or None), itself or inside Keras's shape
    inference (a Lambda's function): every ``S[i].value`` of that function (or lambda, or the
    cell's top level) whose ``S`` is a shape in the frame that raised loses its ``.value``."""
    tree = ctx.cell.tree
    exc = ctx.wrapped or ctx.exc
    message = safe_str(exc) if exc is not None else ""
    if tree is None or not message.endswith("object has no attribute 'value'"):
        return []
    if not message.startswith(("'int' object", "'NoneType' object")):
        return []
    frame = innermost_frame(exc)
    if frame is None or not is_cell_frame(frame, ctx.namespace, ctx.filename):
        return []
    lines = {frame.f_lineno, frame.f_lineno + ctx.stripped_lines}
    scopes = _scopes(tree, frame.f_code.co_name, lines)
    edits: list[Edit] = []
    failing = False
    for node in (n for scope in scopes for n in walk(scope)):
        entry = _shape_entry(node, frame.f_locals)
        if entry is None:
            continue
        text = node_text(ctx.cell, entry)
        edit = node_edit(ctx.cell, node, text) if text else None
        if edit is not None:
            edits.append(edit)
            failing = failing or node.lineno in lines
    if not edits or not failing:
        return []
    return [from_entry(ENTRY, ctx.line or edits[0].line, edits, ["value"], ctx.shown_versions)]


def _scopes(tree: ast.AST, name: str, lines: set[int]) -> list[ast.AST]:
    """Where the frame's code is: the cell's top level, its function ``name``, or its lambdas on
    the frame's line."""
    if name == "<module>":
        return [tree]
    if name == "<lambda>":
        return [n for n in walk(tree) if isinstance(n, ast.Lambda) and n.lineno in lines]
    function = _function(tree, name, lines)
    return [function] if function is not None else []


def _shape_entry(node: ast.AST, local: dict) -> ast.expr | None:
    """``S[i]`` of ``S[i].value`` when ``S`` is a shape the frame holds, or ``t.shape`` /
    ``t.get_shape()`` of a tensor it holds."""
    if not (isinstance(node, ast.Attribute) and node.attr == "value"):
        return None
    entry = node.value
    if not isinstance(entry, ast.Subscript):
        return None
    base = entry.value
    if isinstance(base, ast.Name):
        return entry if _is_shape(local.get(base.id)) else None
    if isinstance(base, ast.Call) and not base.args and not base.keywords:
        base = base.func  # t.get_shape()
        if not (isinstance(base, ast.Attribute) and base.attr == "get_shape"):
            return None
    elif not (isinstance(base, ast.Attribute) and base.attr == "shape"):
        return None
    owner = base.value
    if isinstance(owner, ast.Name) and _is_shape(getattr(local.get(owner.id), "shape", None)):
        return entry
    return None


def _is_shape(value: Any) -> bool:
    """A tuple, list or ``TensorShape`` of ints and None (a shape as TF 2 and Keras 3 give it;
    under JAX, Keras's shape inference gives the batch size as a symbolic ``_DimExpr``)."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return False
    if type(value).__name__ == "TensorShape":
        return True
    if not isinstance(value, (tuple, list)):
        return False
    return all(
        d is None
        or (isinstance(d, int) and not isinstance(d, bool))
        or type(d).__name__ == "_DimExpr"
        for d in value
    )
