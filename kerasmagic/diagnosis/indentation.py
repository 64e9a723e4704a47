"""The indentation of lines a rewrite writes: the code's own, as written. A tab-indented block
gets its new lines in tabs, not one space per tab (which does not compile: "inconsistent use of
tabs and spaces")."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.rewrite import ParsedCell


def indent_of(cell: ParsedCell | str, node: ast.AST) -> str:
    """The whitespace before ``node`` on its line, as written: a tab stays a tab. (``" " *
    col_offset`` turns each tab into one space, and a line made so under a tab-indented line
    does not compile: "inconsistent use of tabs and spaces".) Where code precedes the node on
    its line (``x = 1; y = 2``), one space per column, as before."""
    source = cell if isinstance(cell, str) else cell.source
    lines = source.splitlines()
    number, col = getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
    before = lines[number - 1][:col] if 0 < number <= len(lines) else ""
    return before if len(before) == col and not before.strip() else " " * col


def nested(block_indent: str, line: str) -> str:
    """``line`` (of a block at ``block_indent``) one level deeper: the level is added after the
    block's own indentation, so tab-indented code stays consistent."""
    if not line.strip():
        return line
    if line.startswith(block_indent):
        return f"{block_indent}    {line[len(block_indent) :]}"
    return f"    {line}"
