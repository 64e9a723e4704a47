"""A compound statement's body put in its place: the ``with`` line gone, the body one level less
indented (a TensorFlow 1 context that TensorFlow 2 has no use for: a session's or a graph's
``as_default()``), and where statements go first in a function's body. Shared by the rules that
take such blocks apart or open a function with statements of their own."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell


def body_in_place(cell: ParsedCell, block: ast.With, lines: list[str] | None = None) -> Edit:
    """The edit that replaces ``block`` with its body, one level less indented. ``lines``: the
    cell's lines with changes of the body already made in them (same positions), else the
    cell's own."""
    lines = lines if lines is not None else cell.source.splitlines(keepends=True)
    first, last = block.body[0].lineno - 1, (block.body[-1].end_lineno or block.body[-1].lineno)
    shift = block.body[0].col_offset - block.col_offset
    outer, inner = indent_of(cell, block), indent_of(cell, block.body[0])
    level = inner[len(outer) :] if inner.startswith(outer) else ""  # the body's own level: "\t" too
    body = []
    for line in lines[first:last]:
        if level and line.startswith(outer + level):
            body.append(outer + line[len(outer) + len(level) :])
            continue
        spaces = len(line) - len(line.lstrip(" "))
        body.append(line[min(shift, spaces):])
    text = "".join(body)[block.col_offset:].rstrip("\n")
    end_line = block.end_lineno or block.lineno
    return Edit(block.lineno, block.col_offset, end_line, len(cell.source.splitlines()[end_line - 1]), text)  # fmt: skip


def body_top(cell: ParsedCell, function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, str] | None:  # fmt: skip
    """``(line, indent)`` where statements go first in ``function``'s body (after its docstring);
    None when the body is a docstring alone or shares its line with the ``def``."""
    body = function.body
    first = body[1] if len(body) > 1 and _is_docstring(body[0]) else body[0]
    if _is_docstring(first) or first.lineno > len(cell.lines):
        return None
    line = cell.lines[first.lineno - 1]
    indent = line[: len(line) - len(line.lstrip())]
    return None if first.col_offset != len(indent.encode("utf-8")) else (first.lineno, indent)


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )
