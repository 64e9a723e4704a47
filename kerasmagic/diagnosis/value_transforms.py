"""Changes of a value, as data a rule hands to ``diagnosis/value_change.py``: a
:class:`Transform` says how the literal that ends a value becomes its new text (a path's suffix)
or how an expression's text computes the new value (``int(x)``), in words for the finding."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Transform:
    """A change of a value. ``literal``: the new text of the literal that ends it (a suffix
    change; None where it does not apply); ``value``: an expression computing the new value from
    an expression's text (``int(x)``), used where no literal is reached and for re-binding a
    name; ``what``: words for the finding ("end in `.weights.h5`")."""

    what: str
    literal: Callable[[str], str | None] | None = None
    value: Callable[[str, str | None], str | None] | None = None
    # re-bind an earlier name with the transformed expression (a path, read again: readable);
    # False: with the name transformed (``n = int(n)``: nothing computed twice)
    again: bool = True



def with_suffix(value: str, extension: str, replaces: tuple[str, ...] = ()) -> str:
    """``value`` ending in ``extension`` (a trailing ``/`` and one of ``replaces`` removed)."""
    value = value.rstrip("/")
    for old in replaces:
        if value.endswith(old):
            value = value[: -len(old)]
            break
    return value if value.endswith(extension) else value + extension


def suffix_transform(
    extension: str, replaces: tuple[str, ...] = (), keep: tuple[str, ...] = ()
) -> Transform:
    """Make a path end in ``extension`` (replacing one of the old suffixes ``replaces``; a path
    ending in one of ``keep`` is left as it is)."""

    def literal(text: str) -> str | None:
        if keep and text.endswith(keep):
            return text
        return with_suffix(text, extension, replaces)

    def value(expr: str, tail: str | None) -> str:
        old = next((r for r in replaces if tail and tail.rstrip("/").endswith(r)), None)
        if old is None:  # appended: ``DIR + NAME + '.keras'`` continues a concatenation as is
            expr = expr if _atomic(expr) or _concatenation(expr) else f"({expr})"
            return f"{expr} + {extension!r}"
        expr = expr if _atomic(expr) else f"({expr})"
        return f"{expr}[: -len({old!r})] + {extension!r}"

    return Transform(f"end in `{extension}`", literal, value)


def wrap_transform(function: str) -> Transform:
    """Pass the value through ``function`` (``int``, ``tuple``)."""
    return Transform(
        f"be `{function}(…)`", None, lambda expr, _tail: f"{function}({expr})", again=False
    )


def _concatenation(text: str) -> bool:
    """Is ``text`` a ``+`` of operands (``DIR + NAME``), which ``+ '.keras'`` continues as is?"""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return False
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)


def _atomic(text: str) -> bool:
    """Is ``text`` one operand (a name, attribute, call, subscript, literal) as it stands?"""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return False
    return isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant))
