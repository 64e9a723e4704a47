"""A change inside a function an earlier cell defines: the kernel holds the old function, so the
corrected cell defines it again, changed, at its top (what ``%%keras_check`` can run), and the
same change is made in the earlier cell for a door that rewrites every cell (``migrate``,
``Problem.across``)."""

from __future__ import annotations

import ast
from dataclasses import replace
from types import CodeType
from typing import Any, Union

from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    apply_edits,
    insertion_line,
    node_text,
    parse_cell,
    walk,
)

Definition = Union[ast.FunctionDef, ast.ClassDef]


def definition(parsed: ParsedCell, function: str, here: bool, kind: type = ast.FunctionDef) -> Any:
    """The cell's ``def function`` (``kind=ast.ClassDef``: its ``class``) anywhere in the cell at
    hand; an earlier cell's: at its top level, undecorated, so that defining it again is all it
    did."""
    if parsed.tree is None:
        return None
    nodes = walk(parsed.tree) if here else parsed.tree.body
    for node in nodes:
        if isinstance(node, kind) and node.name == function:
            return node if here or not node.decorator_list else None
    return None


def top_level(parsed: ParsedCell, node: ast.AST) -> Definition | None:
    """The cell's top-level, undecorated ``def`` or ``class`` whose lines hold ``node`` (a
    method's class, for a change inside the method): what the kernel runs again to change it."""
    line = getattr(node, "lineno", None)
    for top in parsed.tree.body if parsed.tree is not None and line is not None else ():
        if isinstance(top, (ast.FunctionDef, ast.ClassDef)) and top.lineno <= line <= (top.end_lineno or top.lineno):  # type: ignore[operator]
            return None if top.decorator_list else top
    return None


def is_that_function(value: object, node: Definition) -> bool:
    """The kernel's ``value`` (or a frame's code object) is the function ``node`` defines (same
    parameters), or the class
    (same name, and every method the source defines is the class's own)."""
    if isinstance(node, ast.ClassDef):
        methods = [n.name for n in node.body if isinstance(n, ast.FunctionDef)]
        own = getattr(value, "__dict__", {}) if isinstance(value, type) else {}
        return getattr(value, "__name__", None) == node.name and all(m in own for m in methods)
    code = value if isinstance(value, CodeType) else getattr(value, "__code__", None)
    if code is None:
        return False
    names = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
    return list(code.co_varnames[: code.co_argcount]) == names


def _changed_text(parsed: ParsedCell, node: Definition, edits: list[Edit], index: int) -> str | None:  # fmt: skip
    """The earlier cell's ``def`` with ``edits`` made, as text for the top of the cell at hand."""
    changed = parse_cell(apply_edits(parsed.source, edits, cell=index))
    kind = type(node)
    again = definition(changed, node.name, False, kind) if changed.tree is not None else None
    text = node_text(changed, again) if again is not None else None
    if text is None or again is None or again.col_offset:
        return None
    return text.rstrip("\n") + "\n"


def redefined(
    cell: ParsedCell,
    namespace: dict | None,
    parsed: ParsedCell,
    node: Definition,
    edits: list[Edit],
    index: int,
) -> tuple[list[Edit], list[Edit]] | None:
    """``edits`` (positions in earlier cell ``index``, inside its ``def``) as ``(edits for the
    cell at hand: the changed definition at its top, across: the edits in the earlier cell)``;
    None when the kernel's function is not the one the source defines. The definition's text
    as written is the insertion's ``base``: another fix of the same definition merges with it."""
    if not is_that_function((namespace or {}).get(node.name), node):
        return None
    across = [replace(e, cell=index) for e in edits]
    text = _changed_text(parsed, node, across, index)
    if text is None:
        return None
    line = insertion_line(cell)
    written = node_text(parsed, node)  # two fixes of one definition merge into one copy of it
    base = written.rstrip("\n") + "\n" if written else None
    return [Edit(line, 0, line, 0, text, base=base)], across


def placed(
    cell: ParsedCell,
    namespace: dict | None,
    parsed: ParsedCell,
    node: Definition,
    edits: list[Edit],
    index: int | None,
) -> tuple[list[Edit], list[Edit] | None] | None:
    """``(edits, across)`` for ``edits`` inside the definition ``node``: as they are in the cell
    at hand (``index`` None), else :func:`redefined`'s; None when that cannot be done."""
    if index is None:
        return edits, None
    return redefined(cell, namespace, parsed, node, edits, index)
