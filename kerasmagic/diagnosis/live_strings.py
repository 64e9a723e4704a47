"""The string an expression of the cell had when it failed, computed from the live namespace
without calling the user's code: the path a load read, the name a model was given. A call
(``'run_' + str(k)``) is never computed; a name bound to its result is read instead, and so is a
member of one (``args.weights``, ``config['ckpt']``: ``member_values.live_member``)."""

from __future__ import annotations

import ast
import os
import re

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.member_values import MISSING, live_member, spelt


def string_value(ctx: CellContext, node: ast.expr) -> str | None:
    """The string ``node`` had: a string literal, a name holding a string (or a path object),
    and those joined by ``+``, ``os.path.join`` or an f-string of names; else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) and spelt(node) is not None:
        value = live_member(ctx.live_names, spelt(node) or "")
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


def live_agrees(namespace: dict | None, found: list) -> bool:
    """Do the live values agree with ``found`` (``provenance.Origin`` s)? An origin in an earlier
    cell, reached from a name the cell reads: the value the kernel holds for the first name
    followed that it holds (``self.path`` is a method's: its class's ``Settings.WEIGHTS`` is read
    instead) must end as the literal says, else the source misleads (a cell that failed before
    the assignment, a branch not taken, a script run with other arguments)."""
    if namespace is None:
        return True
    for origin in found:
        if origin.here or not origin.names or origin.tail is None:
            continue
        end = re.split(r"[{}%]", origin.tail)[-1]  # the end no placeholder fills
        if getattr(origin, "element", False):  # one of a loop's values: its sequence holds it
            sequence = live_member(namespace, origin.names[-1])
            if not isinstance(sequence, (list, tuple, set)):
                return False
            texts = [t for t in map(_text, sequence) if t is not None]
            if end and texts and not any(t.endswith(end) for t in texts):
                return False
            continue
        held = (live_member(namespace, name) for name in origin.names)
        live = next((value for value in held if value is not MISSING), None)
        if live is None:
            return False
        text = _text(live)
        if text is not None and end and not text.endswith(end):
            return False
    return True


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else _fspath(value)


def _fspath(value: object) -> str | None:
    try:
        path = os.fspath(value) if isinstance(value, os.PathLike) else None
    except Exception:
        return None
    return path if isinstance(path, str) else None
