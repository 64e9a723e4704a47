"""Build the corrected cell from the problems' edits and check it before offering it.

The one verification every corrected cell goes through (lint, error fixes and trap fixes alike):
it must parse, compile, import only what resolves here, and show none of the problems it was
meant to fix; edits are re-applied (up to a few rounds) when fixing one problem reveals the next
(``Convolution2D(nb_filter=…)``: the class first, then its argument).
"""

from __future__ import annotations

import ast
from dataclasses import replace

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.moved_definitions import moved_definitions
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import ParsedCell, apply_edits, guarded_imports, parse_cell, walk

MAX_ROUNDS = 3


def static_errors(ctx: CellContext) -> list[Problem]:
    """The static problems of kind "error" (lint's view) of ``ctx``, computed once per context."""
    from kerasmagic.diagnosis.rules import problems_for

    if ctx.static is None:
        ctx.static = problems_for(ctx, STATIC, kind="error")
    return ctx.static


def unresolved_imports(cell: ParsedCell) -> list[str]:
    """Modules / names the cell imports that certainly do not resolve here."""
    if cell.tree is None:
        return ["<syntax>"]
    bad: list[str] = []
    guarded = guarded_imports(cell.tree)
    for node in walk(cell.tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if live.module_status(alias.name)[0] == live.MISSING:
                    bad.append(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            status, mod = live.module_status(node.module)
            if status == live.MISSING:
                bad.append(node.module)
            elif status == live.OK:
                for alias in node.names:
                    if alias.name != "*" and not live.has_attr(mod, node.module, alias.name):
                        bad.append(f"{node.module}.{alias.name}")
    return bad


def compiles(cell: ParsedCell) -> bool:
    """Does the cell compile as IPython compiles it? IPython compiles each top-level statement
    on its own, so a ``from __future__`` import after other code (refused in a file) runs."""
    if cell.tree is None:
        return False
    try:
        compile(cell.python, "<kerasmagic-fix>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        if "__future__" not in str(exc):
            return False
        try:
            for node in cell.tree.body:
                module = ast.Module(body=[node], type_ignores=[])
                compile(module, "<kerasmagic-fix>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    except ValueError:
        return False
    return True


def _key(problem: Problem) -> tuple:
    return (problem.id, tuple(problem.names))


def corrected_cell(
    ctx: CellContext, problems: list[Problem], *, leave: list[Problem] | None = None
) -> tuple[str | None, list[Problem]]:
    """``(fixed source or None, every problem fixed)``: None when a needed edit is uncertain or
    the result does not verify. ``leave``: known problems deliberately left as they are (a
    partial fix); the imports they hold do not count against the fix, the imports it writes do."""
    # an uncertain problem the cell already had, with nothing to rewrite (a package a class may
    # need at run time), is advice beside a fix of other names; it stops a fix that touches its
    # names (an import rewritten to a class that needs the missing package)
    touched = {n for p in problems if p.edits for n in p.names}
    advice = [
        p
        for p in static_errors(ctx)
        if not p.certain and not p.edits and not touched & set(p.names)
    ]
    standing = {_key(p) for p in advice}
    problems = [p for p in problems if _key(p) not in standing]
    if not problems or not all(sure(p, problems) and p.edits for p in problems):
        return None, problems
    left = {_key(p) for p in leave or []} | standing
    fixed = ctx.source
    done = list(problems)
    current = problems
    checked = ctx
    for _ in range(MAX_ROUNDS):
        fixed = apply_edits(fixed, [e for p in current for e in p.edits])
        checked = ctx.again(fixed)
        again = [
            p for p in static_errors(checked) if (p.edits or not p.certain) and _key(p) not in left
        ]
        if not again:
            break
        if not all(sure(p, [*done, *again]) and p.edits for p in again):
            return None, done
        again = [replace(p, in_corrected=True) for p in again]
        done.extend(again)
        current = again
    else:
        return None, done
    if fixed == ctx.source:
        return None, done
    result = checked.cell if checked.source == fixed else parse_cell(fixed)
    # what the cell imported and could not before is not the fix's to resolve when the fix leaves
    # it as it was: the user's own module beside it, a package this interpreter lacks, a Keras
    # import explained with no rewrite (Keras 1's `keras.utils.visualize_util`) or one no rule
    # knows yet; the fix is progress, and running shows that import's error (where the rules
    # that read the raising statement see it). An import the fix writes must resolve.
    known_bad = set(unresolved_imports(ctx.cell))
    if not compiles(result) or set(unresolved_imports(result)) - known_bad:
        return None, done
    return fixed, done


def sure(problem: Problem, problems: list[Problem]) -> bool:
    """Certain, or uncertain only for names (``Problem.unsure_of``) that another certain problem
    of the same fix rewrites (an import statement rewritten around Keras 1's ``merge``, which
    ``keras1-merge-function`` replaces in it): the fix then verifies that every import resolves."""
    if problem.certain:
        return True
    others = {n for p in problems if p is not problem and p.certain and p.edits for n in p.names}
    return bool(problem.unsure_of) and set(problem.unsure_of) <= others


def corrected_across(
    ctx: CellContext, problems: list[Problem], fixed: str | None = None
) -> tuple[dict[int, str], str] | None:
    """For a door that rewrites every cell (``migrate``), when some fixed problems change a value
    where an earlier cell makes it (``Problem.across``): ``({earlier index: corrected source},
    this cell's corrected source)``, each verified to compile; None when no problem does, or the
    result does not verify. ``fixed``: the corrected cell, whose definitions of an earlier
    cell's function, corrected further by later rounds, go back to that cell."""
    if not any(p.across is not None for p in problems):
        return None
    if any(p.in_corrected and p.across is None and p.edits for p in problems):
        # edits of text an earlier round wrote here (a function defined again): moved whole
        return moved_definitions(ctx, fixed) if fixed is not None else None
    swapped = [replace(p, edits=p.across) if p.across is not None else p for p in problems]
    edits = [e for p in swapped for e in p.edits if e.cell is not None or not p.in_corrected]
    if any(p.in_corrected for p in problems):  # later rounds' own edits: found again on this text
        here, _ = corrected_cell(ctx, [p for p in swapped if not p.in_corrected])
        if here is None:
            return None
    else:  # found again, the value changed in its earlier cell would still read as the old one
        here = apply_edits(ctx.source, edits)
        if here != ctx.source and not compiles(parse_cell(here)):
            return None
    earlier: dict[int, str] = {}
    for index in sorted({e.cell for e in edits if e.cell is not None}):
        if not 0 <= index < len(ctx.earlier):
            return None
        new = apply_edits(ctx.earlier[index], edits, cell=index)
        if new != ctx.earlier[index]:
            if not compiles(parse_cell(new)):
                return None
            earlier[index] = new
    return (earlier, here) if earlier else None
