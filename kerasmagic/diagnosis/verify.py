"""Build the corrected cell from the problems' edits and check it before offering it.

The corrected cell must parse, compile, import only what resolves here, and show none of the
problems it was meant to fix; edits are re-applied (up to a few rounds) when fixing one problem
reveals the next (``Convolution2D(nb_filter=…)``: the class first, then its argument).
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.lint import Problem, analyze
from kerasmagic.diagnosis.rewrite import apply_edits, parse_cell

MAX_ROUNDS = 3


def unresolved_imports(source: str) -> list[str]:
    """Modules / names the source imports that certainly do not resolve here."""
    cell = parse_cell(source)
    if cell.tree is None:
        return ["<syntax>"]
    bad: list[str] = []
    for node in ast.walk(cell.tree):
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


def compiles(source: str) -> bool:
    cell = parse_cell(source)
    if cell.tree is None:
        return False
    try:
        compile(cell.python, "<kerasmagic-fix>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _key(problem: Problem) -> tuple:
    return (problem.id, tuple(problem.names))


def corrected_cell(
    source: str,
    problems: list[Problem],
    namespace: dict | None = None,
    *,
    leave: list[Problem] | None = None,
) -> tuple[str | None, list[Problem]]:
    """``(fixed source or None, every problem fixed)``: None when a needed edit is uncertain or
    the result does not verify. ``leave``: known problems deliberately left as they are (lint's
    partial fix); the imports they hold do not count against the fix, the imports it writes do."""
    if not problems or not all(p.certain and p.edits for p in problems):
        return None, problems
    left = {_key(p) for p in leave or []}
    fixed = source
    done = list(problems)
    current = problems
    for _ in range(MAX_ROUNDS):
        fixed = apply_edits(fixed, [e for p in current for e in p.edits])
        again = [
            p
            for p in analyze(parse_cell(fixed), namespace)
            if (p.edits or not p.certain) and _key(p) not in left
        ]
        if not again:
            break
        if not all(p.certain and p.edits for p in again):
            return None, done
        done.extend(again)
        current = again
    else:
        return None, done
    known_bad = set(unresolved_imports(source)) if leave else set()
    if fixed == source or not compiles(fixed) or set(unresolved_imports(fixed)) - known_bad:
        return None, done
    return fixed, done
