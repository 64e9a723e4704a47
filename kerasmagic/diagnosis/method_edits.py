"""Edits at the top of a method of a class the cell defines, for error rules whose evidence is
that the error was raised inside that method (its lines in the traceback)."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.rewrite import Edit


def raised_in(ctx: CellContext, method: ast.FunctionDef) -> bool:
    """Is a line of the method's body among the lines of the error's traceback?"""
    end = method.end_lineno or method.lineno
    return any(method.lineno < line <= end for line in ctx.failing_lines)


def before_body(ctx: CellContext, method: ast.FunctionDef, lines: list[str]) -> Edit | None:
    """``lines`` inserted before the body's first statement (after a docstring), at its indent;
    None where the statement shares its line with the ``def`` or the line is frozen."""
    body = method.body
    first = body[1] if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) else body[0]  # fmt: skip
    source = ctx.cell.source.splitlines()
    if first.lineno in ctx.cell.frozen_lines or first.lineno > len(source):
        return None
    text = source[first.lineno - 1]
    indent = text[: len(text) - len(text.lstrip())]
    if not indent or text[: first.col_offset].strip():
        return None
    added = "".join(f"{indent}{line}\n" for line in lines)
    return Edit(first.lineno, 0, first.lineno, 0, added)
