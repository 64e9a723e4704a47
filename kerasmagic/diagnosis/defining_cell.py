"""An error raised inside a function or class an earlier cell defines, examined in that cell.

A notebook's helper (``def train(lr): …`` in one cell, ``train(0.01)`` in the next) fails in the
cell that calls it, while the code to change is the earlier cell's. Every error rule reads the
cell it is given, its failing line and the locals of the frames that raised; so the rules are
run once more on the earlier cell that holds the innermost frame of the cells' code, as if that
cell had failed. Each problem whose edits all fall inside one top-level definition of that cell
is placed as every such fix is (``redefine.redefined``): the definition, changed, at the top of
the corrected cell (what the kernel runs again), and the same edits in the earlier cell for
``migrate`` (``Problem.across``). One mechanism for every rule, instead of each rule looking for
its own function elsewhere (the rules that still do are not repeated: same id, same edits).
"""

from __future__ import annotations

import ast
import linecache
from collections.abc import Callable
from dataclasses import replace

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.frames import innermost_cell_frame
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.redefine import redefined
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, parse_cell

DEFINITIONS = (ast.FunctionDef, ast.ClassDef)


def defining_cell(ctx: CellContext) -> tuple[int, CellContext, ast.stmt] | None:
    """``(index, the context of earlier cell index as the one that raised, its top-level
    definition holding the raising line)`` when the innermost frame of the cells' code runs a
    function of an earlier cell (its text, as the kernel compiled it, is that cell's); None when
    it is the cell at hand's, or no earlier cell is known."""
    if ctx.exc is None or not ctx.earlier:
        return None
    frame = innermost_cell_frame(ctx.exc, ctx.namespace, ctx.filename)
    if frame is None or frame.f_code.co_name == "<module>":
        return None
    filename = frame.f_code.co_filename
    ran = _lines(linecache.getlines(filename))
    if not ran or ran == _lines(ctx.source.splitlines()):
        return None
    for index in range(len(ctx.earlier) - 1, -1, -1):
        source = ctx.earlier[index]
        if ran not in (_lines(source.splitlines()), _lines(parse_cell(source).python.splitlines())):
            continue  # as written, or as IPython compiled it (a %magic line transformed)
        sub = CellContext.of(
            source, namespace=ctx.namespace, exc=ctx.exc, filename=filename,
            earlier=ctx.earlier[:index],
        )  # fmt: skip
        node = _holding(sub.cell, sub.line)
        return (index, sub, node) if node is not None else None
    return None


def _lines(lines: list[str]) -> list[str]:
    """A cell's lines as compared: without line ends, trailing spaces and leading blank lines
    (IPython compiles a cell from its first line of code)."""
    out = [text.rstrip() for text in lines]
    while out and not out[0]:
        out.pop(0)
    while out and not out[-1]:
        out.pop()
    return out


def _holding(cell: ParsedCell, line: int | None) -> ast.stmt | None:
    """The cell's top-level, undecorated ``def`` or ``class`` whose lines hold ``line``."""
    if cell.tree is None or line is None:
        return None
    for node in cell.tree.body:
        end = node.end_lineno or node.lineno
        if isinstance(node, DEFINITIONS) and not node.decorator_list and node.lineno <= line <= end:  # fmt: skip
            return node
    return None


def placed_from_defining_cell(ctx: CellContext, problems_of: Callable[[CellContext], list[Problem]], found_here: list[Problem]) -> list[Problem]:  # fmt: skip
    """The problems ``problems_of(context)`` finds in the earlier cell that defines the raising
    function, their edits inside that definition placed for the cell at hand (the definition
    again at its top, with every problem's change: one copy, not one per problem) and for
    ``migrate`` (each problem's own edits in the earlier cell); problems whose edits reach
    outside the definition, or that only explain, are left out, and so are those a rule of the
    cell at hand already placed there itself (same id, same edits of that cell)."""
    found = defining_cell(ctx)
    if found is None:
        return []
    index, sub, node = found
    assert isinstance(node, DEFINITIONS)
    kept = [
        problem
        for problem in problems_of(sub)
        if problem.edits
        and problem.across in (None, problem.edits)
        and all(edit.cell is None and _inside(edit, node) for edit in problem.edits)
    ]
    placed = {(p.id, tuple(p.across or ())) for p in found_here}
    kept = [p for p in kept if (p.id, tuple(replace(e, cell=index) for e in p.edits)) not in placed]
    every = [edit for problem in kept for edit in problem.edits]
    moved = redefined(ctx.cell, ctx.namespace, sub.cell, node, every, index) if every else None
    if moved is None:
        return []
    here, _ = moved
    return [
        replace(problem, edits=list(here), across=[replace(e, cell=index) for e in problem.edits])
        for problem in kept
    ]


def _inside(edit: Edit, node: ast.stmt) -> bool:
    return node.lineno <= edit.line and edit.end_line <= (node.end_lineno or node.lineno)
