"""A model's ``compile`` call, read where it is written, and a change to it made there.

An error about what ``compile`` was given often surfaces later: Keras 3 builds the loss at the
first ``fit``, so "`loss_weights` must match the number of losses" is raised by a ``fit`` whose
``compile`` is earlier in the cell or in an earlier cell (the usual notebook layout). The rules
that change a ``compile`` argument find the call with ``compile_of`` and turn their edit into
``changed_compile``'s two forms: ``migrate`` edits the ``compile`` where it is written (an
``Edit`` whose ``cell`` is the earlier cell's index), and a corrected cell alone compiles the
model again at its top, with the author's own arguments and the change (the same optimizer
object: nothing of the model's state is rebuilt).
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.provenance import parsed_source
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    apply_edits,
    char_col,
    insertion_line,
    node_text,
    walk,
)
from kerasmagic.diagnosis.source_bindings import before

Found = tuple[int | None, ParsedCell, ast.Call]


def compiles(tree: ast.AST | None, name: str) -> list[ast.Call]:
    """The ``name.compile(…)`` calls of a tree, in source order (``name`` dotted: ``self.vae``)."""
    return [
        c
        for c in (walk(tree) if tree is not None else ())
        if isinstance(c, ast.Call)
        and isinstance(c.func, ast.Attribute)
        and c.func.attr == "compile"
        and dotted(c.func.value) == name
    ]


def compile_of(ctx: CellContext, name: str, use: ast.AST) -> Found | None:
    """The last ``name.compile(…)`` before ``use`` in this cell, else in the newest earlier cell
    that has one: ``(None or the earlier cell's index, its parsed source, the call)``."""
    here = [c for c in compiles(ctx.cell.tree, name) if before(c, use)]
    if here:
        return None, ctx.cell, here[-1]
    for index in range(len(ctx.earlier) - 1, -1, -1):
        parsed = parsed_source(ctx.earlier[index])
        calls = compiles(parsed.tree, name)
        if calls:
            return index, parsed, calls[-1]
    return None


def changed_compile(ctx: CellContext, found: Found, edit: Edit) -> tuple[list[Edit], list[Edit]]:
    """``(edits of the corrected cell, edits across the cells)`` for ``edit``, made inside the
    found ``compile`` call: the same edit where the call is in this cell; else the earlier cell's
    edit across cells, and the call again, changed, at the top of the corrected cell."""
    index, parsed, call = found
    if index is None:
        return [edit], [edit]
    across = Edit(edit.line, edit.col, edit.end_line, edit.end_col, edit.text, index)
    text = node_text(parsed, call)
    if text is None:
        return [], []
    first = char_col(parsed.python.splitlines()[call.lineno - 1], call.col_offset)

    def inside(line: int, col: int) -> tuple[int, int]:  # the call's text starts at (1, 0)
        return line - call.lineno + 1, col - first if line == call.lineno else col

    line, col = inside(edit.line, edit.col)
    end_line, end_col = inside(edit.end_line, edit.end_col)
    again = apply_edits(text, [Edit(line, col, end_line, end_col, edit.text)])
    top = insertion_line(ctx.cell)
    return [Edit(top, 0, top, 0, again + "\n")], [across]
