"""The terms of a path expression that decide how it ends: the last string literal of a
concatenation, an f-string, a ``format`` or ``%`` template, ``os.path.join`` or ``Path(...) / ...``
(``diagnosis/provenance.py`` follows them to the literal a new suffix goes into)."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.member_values import spelt
from kerasmagic.diagnosis.rewrite import callee_name, walk

JOINS = ("join",)  # os.path.join, posixpath.join …: the last part ends the path
WRAPPERS = ("Path", "PurePath", "PosixPath", "str", "fspath", "abspath", "expanduser", "normpath")


def literal_tail(node: ast.expr) -> str | None:
    """The text a string literal ends with (an f-string's last constant part, '' after a field)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        last = node.values[-1] if node.values else None
        if last is None:
            return ""
        return last.value if isinstance(last, ast.Constant) and isinstance(last.value, str) else ""
    return None


def ending_term(node: ast.expr) -> ast.expr | None:
    """The part of a path expression that ends it, or None when ``node`` is not one."""
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, (ast.Add, ast.Div)):
            return node.right
        if isinstance(node.op, ast.Mod):
            return node.left
    if isinstance(node, ast.Call):
        name = callee_name(node)
        if name == "format" and isinstance(node.func, ast.Attribute):
            return node.func.value
        if node.keywords or not node.args or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        if name in JOINS:
            return node.args[-1]
        if name in WRAPPERS and len(node.args) == 1:
            return node.args[0]
    return None


def _ends_with(node: ast.expr | None, name: str) -> bool:
    """Does the path expression ``node`` end with the value of ``name``?"""
    while node is not None:
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            return spelt(node) == name
        node = ending_term(node)
    return False


def read_before_more(trees: list[ast.AST | None], name: str) -> bool:
    """Is ``name`` read somewhere as a part of a longer path, with more after it (``DIR + name +
    '/'``, ``join(name, 'x')``, ``f'{name}/x'``)? A new suffix at its origin would change that
    other path too."""
    for tree in trees:
        for node in walk(tree) if tree is not None else ():
            if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div)):
                parts = [node.left]
            elif isinstance(node, ast.Call) and callee_name(node) in JOINS:
                parts = node.args[:-1]
            elif isinstance(node, ast.JoinedStr):
                parts = [v.value for v in node.values[:-1] if isinstance(v, ast.FormattedValue)]
            else:
                continue
            if any(_ends_with(part, name) for part in parts):
                return True
    return False


def recomputable(node: ast.expr, calls: tuple[str, ...]) -> bool:
    """Evaluating the path expression ``node`` again computes the same value and changes
    nothing: it calls only methods or functions named in ``calls`` (``join``, ``format`` …) and
    has no assignment expression, ``lambda``, ``yield`` or ``await``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and getattr(sub.func, "attr", None) not in calls:
            return False
        if isinstance(sub, (ast.NamedExpr, ast.Lambda, ast.Yield, ast.YieldFrom, ast.Await)):
            return False
    return True
