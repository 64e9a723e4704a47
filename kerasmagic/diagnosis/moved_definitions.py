"""The across form of a corrected cell that defines an earlier cell's function again at its top.

A fix inside a function an earlier cell defines is made, for a door that shows one cell
(``%%keras_check``), by defining the function again at the top of the corrected cell
(``redefine.placed``); later rounds may correct that copy further (Keras 1's
``initializations.normal(shape, scale=…)`` in an init function whose signature a first round
gave ``dtype``). Those rounds' edits are relative to the copy, so no edit of the earlier cell
says them (``Problem.across``). ``migrate``, which holds every cell, takes the copy as it ends:
the definition goes back where it was, replacing the earlier one, and the cell keeps the rest.
Only definitions the cell as written lacks move, of a name an earlier cell defines at its top
level (the user's own redefinitions stay), with the imports a fix put right above the copy."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.rewrite import Edit, apply_edits, node_edit, parse_cell

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def moved_definitions(ctx: CellContext, fixed: str) -> tuple[dict[int, str], str] | None:
    """``({earlier index: its source with the definition replaced}, the cell without it)``; None
    when the corrected cell defines nothing of the kind, or a result does not compile."""
    parsed = parse_cell(fixed)
    if parsed.tree is None or ctx.cell.tree is None:
        return None
    own = {node.name for node in ctx.cell.tree.body if isinstance(node, DEFINITIONS)}
    written = {ast.dump(n) for n in ctx.cell.tree.body if isinstance(n, (ast.Import, ast.ImportFrom))}  # fmt: skip
    lines = fixed.splitlines()
    earlier: dict[int, str] = {}
    removed: list[Edit] = []
    body = parsed.tree.body
    for position, node in enumerate(body):
        if not isinstance(node, DEFINITIONS) or node.name in own:
            continue
        index = _defined_in(ctx, node.name)
        if index is None:
            continue
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        start = _imports_above(body[:position], written, start)  # the copy's own imports go too
        text = "\n".join(lines[start - 1 : node.end_lineno])
        source = earlier.get(index, ctx.earlier[index])
        target = parse_cell(source)
        old = next(n for n in target.tree.body if isinstance(n, DEFINITIONS) and n.name == node.name)  # type: ignore[union-attr]
        old_start = min([old.lineno, *(d.lineno for d in old.decorator_list)])
        edit = node_edit(target, old, "")
        if edit is None:
            return None
        earlier[index] = apply_edits(source, [Edit(old_start, 0, edit.end_line, edit.end_col, text)])
        end = (node.end_lineno or node.lineno) + 1
        blank = end <= len(lines) and not lines[end - 1].strip()
        removed.append(Edit(start, 0, end + (1 if blank else 0), 0, ""))
    if not earlier:
        return None
    here = apply_edits(parsed.source, removed)
    if any(parse_cell(s).tree is None for s in (here, *earlier.values())):
        return None
    return earlier, here


def _imports_above(before: list[ast.stmt], written: set[str], start: int) -> int:
    """The first line of the imports right above a definition's copy that the cell as written
    lacks (``import keras`` a fix added for the copy's ``keras.ops``); ``start`` without any."""
    for stmt in reversed(before):
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)) or ast.dump(stmt) in written:
            break
        if (stmt.end_lineno or stmt.lineno) != start - 1:
            break
        start = stmt.lineno
    return start


def _defined_in(ctx: CellContext, name: str) -> int | None:
    """The newest earlier cell defining ``name`` at its top level."""
    for index in range(len(ctx.earlier) - 1, -1, -1):
        tree = parse_cell(ctx.earlier[index]).tree
        if tree is not None and any(isinstance(n, DEFINITIONS) and n.name == name for n in tree.body):  # fmt: skip
            return index
    return None
