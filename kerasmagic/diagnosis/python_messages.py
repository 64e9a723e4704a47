"""Python's own error messages read as facts, for rules about libraries that removed or renamed
something: the module and name of ``from M import N`` that failed ("cannot import name 'N' from
'M'"), the keyword a call refused ("got an unexpected keyword argument 'K'"), and the calls of
the cell's failing lines the error came from."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.rewrite import walk

CANNOT_IMPORT = re.compile(r"cannot import name '(?P<name>\w+)' from '(?P<module>[\w.]+)'")
UNEXPECTED = re.compile(r"(?:(?P<callee>\w+)\.__init__\(\) )?got an unexpected keyword argument '(?P<keyword>\w+)'")  # fmt: skip


def cannot_import(message: str | None) -> tuple[str, str] | None:
    """``(module, name)`` of "cannot import name 'name' from 'module' (…)", else None."""
    found = CANNOT_IMPORT.search(message or "")
    return (found["module"], found["name"]) if found else None


def unexpected_keyword(message: str | None) -> tuple[str | None, str] | None:
    """``(class or None, keyword)`` of "X.__init__() got an unexpected keyword argument 'k'"
    (a function's message names no class), else None."""
    found = UNEXPECTED.search(message or "")
    return (found["callee"], found["keyword"]) if found else None


def failing_calls(ctx: CellContext) -> list[ast.Call]:
    """The calls of the cell that start on one of its failing lines."""
    tree = ctx.cell.tree
    return [c for c in walk(tree) if isinstance(c, ast.Call) and c.lineno in ctx.failing_lines] if tree else []  # fmt: skip
