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

from kerasmagic.diagnosis.compiled_cell import code_lines
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
    if ctx.quoted is not None:  # an error quoted as text (scikit-learn's): its files, innermost first
        files = list(dict.fromkeys(file for file, _ in reversed(ctx.quoted.frames)))
    else:
        frame = innermost_cell_frame(ctx.exc, ctx.namespace, ctx.filename)
        if frame is None or frame.f_code.co_name == "<module>":
            return None
        files = [frame.f_code.co_filename]
    for filename in files:
        ran = code_lines(linecache.getlines(filename))
        if ran and ran == code_lines(ctx.source.splitlines()):
            return None  # the innermost of the cells' code is the cell's own
        found = _earlier_cell(ctx, filename, ran) if ran else None
        if found is not None:
            return found
    return None


def _earlier_cell(ctx: CellContext, filename: str, ran: list[str]) -> tuple[int, CellContext, ast.stmt] | None:  # fmt: skip
    """The earlier cell whose text is what the file ``filename`` ran, as the one that raised."""
    for index in range(len(ctx.earlier) - 1, -1, -1):
        source = ctx.earlier[index]
        if ran not in (code_lines(source.splitlines()), code_lines(parse_cell(source).python.splitlines())):
            continue  # as written, or as IPython compiled it (a %magic line transformed)
        later = (*ctx.earlier[index + 1 :], ctx.source, *ctx.later)  # its calls: main(lr=0.1)
        sub = CellContext.of(
            source, namespace=ctx.namespace, exc=ctx.exc, filename=filename,
            earlier=ctx.earlier[:index], later=later,
        )  # fmt: skip
        node = _holding(sub.cell, sub.line)
        return (index, sub, node) if node is not None else None
    return None


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
    again at its top, with every problem's change: one copy, not one per problem, after the
    imports the problems add to that cell, ``import keras`` for ``keras.ops``) and for ``migrate``
    (each problem's own edits in the earlier cell). Problems with other edits outside the
    definition, or that only explain, are left out, and so are those a rule of the cell at hand
    already placed there itself (same id, same edits of that cell)."""
    found = defining_cell(ctx)
    if found is None:
        return []
    index, sub, node = found
    assert isinstance(node, DEFINITIONS)
    placed = {(p.id, tuple(p.across or ())) for p in found_here}
    kept: list[tuple[Problem, list[Edit], list[Edit]]] = []
    for problem in problems_of(sub):
        split = _split(problem, node) if problem.across in (None, problem.edits) else None
        across = tuple(replace(e, cell=index) for e in problem.edits)
        if split is not None and split[0] and (problem.id, across) not in placed:
            kept.append((problem, *split))
    every = [edit for _, inside, _ in kept for edit in inside]
    moved = redefined(ctx.cell, ctx.namespace, sub.cell, node, every, index) if every else None
    if moved is None:
        return []
    (copy,), _ = moved
    imports = dict.fromkeys(edit.text for _, _, added in kept for edit in added)
    here = replace(copy, text="".join(imports) + copy.text)
    return [
        replace(problem, edits=[here], across=[replace(e, cell=index) for e in problem.edits])
        for problem, _, _ in kept
    ]


def _split(problem: Problem, node: ast.stmt) -> tuple[list[Edit], list[Edit]] | None:
    """A problem's edits of the defining cell as ``(inside the definition, imports it adds at
    the cell's top)``; None when one is neither (or edits another cell)."""
    inside: list[Edit] = []
    imports: list[Edit] = []
    for edit in problem.edits:
        if edit.cell is not None:
            return None
        if _inside(edit, node):
            inside.append(edit)
        elif _import_added_above(edit, node):
            imports.append(edit)
        else:
            return None
    return inside, imports


def _inside(edit: Edit, node: ast.stmt) -> bool:
    """Within the definition's text (an insertion at its very start is before it)."""
    start, first = (edit.line, edit.col), (node.lineno, node.col_offset)
    inserted = (edit.line, edit.col) == (edit.end_line, edit.end_col)
    return (start > first or (start == first and not inserted)) and edit.end_line <= (node.end_lineno or node.lineno)  # fmt: skip


def _import_added_above(edit: Edit, node: ast.stmt) -> bool:
    """An insertion of whole import statements at a line's start above the definition, or of
    code written in (``knowledge/written_in``: imports, and definitions of private names)."""
    if (
        (edit.line, edit.col) != (edit.end_line, edit.end_col)
        or edit.col
        or edit.line > node.lineno
    ):
        return False
    try:
        added = ast.parse(edit.text)
    except SyntaxError:
        return False
    return bool(added.body) and all(_import_or_private(n) for n in added.body)


def _import_or_private(node: ast.stmt) -> bool:
    """An import, or a statement binding only private names (``def _keras2_batch_dot``)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        names = [node.name]
    elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
    else:
        return False
    return all(name.startswith("_") for name in names)
