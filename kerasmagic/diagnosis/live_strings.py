"""The string an expression of the cell had when it failed, computed from the live namespace
without calling the user's code: the path a load read, the name a model was given. A call
(``'run_' + str(k)``) is never computed; a name bound to its result is read instead."""

from __future__ import annotations

import ast
import os

from kerasmagic.diagnosis.context import CellContext


def string_value(ctx: CellContext, node: ast.expr) -> str | None:
    """The string ``node`` had: a string literal, a name holding a string (or a path object),
    and those joined by ``+``, ``os.path.join`` or an f-string of names; else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        value = ctx.live_names.get(node.id)
        return os.fspath(value) if isinstance(value, str | os.PathLike) else None  # type: ignore[return-value]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = string_value(ctx, node.left), string_value(ctx, node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "join" and not node.keywords:
        parts = [string_value(ctx, a) for a in node.args]
        return os.path.join(*parts) if parts and None not in parts else None  # type: ignore[arg-type]
    if isinstance(node, ast.JoinedStr):
        pieces = [
            v.value if isinstance(v, ast.Constant) else string_value(ctx, v.value)
            if isinstance(v, ast.FormattedValue) and v.conversion == -1 and v.format_spec is None
            else None
            for v in node.values
        ]
        return "".join(pieces) if None not in pieces else None  # type: ignore[arg-type]
    return None
