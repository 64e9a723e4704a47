"""A finding's words quote the code its edits write as the corrected cell holds it.

A rule words its fix from the cell as it was: ``K.set_value(model.optimizer.lr, 0.001)`` becomes
"Use `model.optimizer.lr.assign(0.001)`", its edits written around the argument so that another
rule's edit inside it (``lr`` → ``learning_rate``) applies too. The corrected cell then holds
``model.optimizer.learning_rate.assign(0.001)``, and a fix text quoting ``.lr`` would tell the
user to write what the next finding says fails. Here the text the problem's edits make alone is
looked up in the corrected cell (the span they replace, followed through the other edits by a
character alignment of the cell and its corrected form) and the quote is replaced by what is
there.
"""

from __future__ import annotations

import ast
from difflib import SequenceMatcher
from itertools import accumulate

from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import apply_edits

# the alignment of the lines that differ is quadratic at worst: cells longer than this keep the
# rule's own words
MAX_CHARS = 20_000


def _offset(lines: list[str], line: int, col: int) -> int:
    return sum(len(x) for x in lines[: line - 1]) + col


def _span(source: str, problem: Problem) -> tuple[int, int] | None:
    """The offsets of ``source`` the problem's edits of this cell replace from its own line on
    (an import it adds at the top is not what its words quote), first to last."""
    lines = source.splitlines(keepends=True)
    spans = [
        (_offset(lines, e.line, e.col), _offset(lines, e.end_line, e.end_col))
        for e in problem.edits
        if e.cell is None and e.line >= problem.line
    ]
    if not spans:
        return None
    return min(s for s, _ in spans), max(t for _, t in spans)


def _opcodes(before: str, after: str) -> list[tuple[str, int, int, int, int]]:
    """A character alignment of ``before`` and ``after`` (``SequenceMatcher.get_opcodes`` of the
    characters): the lines aligned first, the characters only inside the lines that differ, so a
    long line left as it was (a 5,000-character string literal) costs nothing."""
    lines_b, lines_a = before.splitlines(keepends=True), after.splitlines(keepends=True)
    starts_b = [0, *accumulate(len(x) for x in lines_b)]
    starts_a = [0, *accumulate(len(x) for x in lines_a)]
    codes: list[tuple[str, int, int, int, int]] = []
    by_line = SequenceMatcher(None, lines_b, lines_a, autojunk=False)
    for tag, i1, i2, j1, j2 in by_line.get_opcodes():
        b1, b2, a1, a2 = starts_b[i1], starts_b[i2], starts_a[j1], starts_a[j2]
        if tag == "equal":
            codes.append((tag, b1, b2, a1, a2))
            continue
        inner = SequenceMatcher(None, before[b1:b2], after[a1:a2], autojunk=False)
        codes += [(t, b1 + x1, b1 + x2, a1 + y1, a1 + y2) for t, x1, x2, y1, y2 in inner.get_opcodes()]  # fmt: skip
    return codes


def _mapped(before: str, after: str, start: int, end: int) -> str | None:
    """The text of ``after`` that the span ``start:end`` of ``before`` became."""
    new_start = new_end = None
    for tag, i1, i2, j1, j2 in _opcodes(before, after):
        if new_start is None and (i1 <= start < i2 or (start == i1 == i2)):
            new_start = j1 + (start - i1) if tag == "equal" else j1
        if new_end is None and (i1 < end <= i2 or (end == i1 == i2)):
            new_end = j1 + (end - i1) if tag == "equal" else j2
    if new_start is None or new_end is None or new_start > new_end:
        return None
    return after[new_start:new_end]


def _is_code(text: str) -> bool:
    try:
        ast.parse(text.strip())
    except (SyntaxError, ValueError):
        return False
    return True


def quotes_as_fixed(problem: Problem, source: str, fixed: str | None) -> dict[str, str]:
    """``problem``'s words (``fix``, ``cause``, ``fix_code``) whose quote of the code its own
    edits write is replaced by what the corrected cell ``fixed`` holds there; {} when the quote
    already reads so, or cannot be followed."""
    if not fixed or not problem.edits or max(len(source), len(fixed)) > MAX_CHARS:
        return {}
    span = _span(source, problem)
    if span is None:
        return {}
    alone = apply_edits(source, problem.edits)
    said = _mapped(source, alone, *span)
    if not said or said in fixed or not _is_code(said):
        return {}
    words = {"fix": problem.fix, "cause": problem.cause, "fix_code": problem.fix_code or ""}
    if not any(said.strip() in text for text in words.values()):
        return {}
    held = _mapped(source, fixed, *span)
    if not held or not _is_code(held):
        return {}
    return {k: v.replace(said.strip(), held.strip()) for k, v in words.items() if said.strip() in v}
