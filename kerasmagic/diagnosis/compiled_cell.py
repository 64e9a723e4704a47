"""A cell's text as IPython compiles it: its leading empty lines dropped (a traceback counts from
the first line with code), its lines' trailing blanks and its trailing empty lines too. Read by
the engine (the cell that raised, found by its text) and by ``migrate`` (an earlier cell found
among the cells done); no import beyond the standard library."""

from __future__ import annotations

from collections.abc import Iterable


def leading_blank_lines(source: str) -> int:
    """How many empty lines ``source`` starts with (IPython compiles it from the next one)."""
    lines = source.splitlines()
    return next((i for i, text in enumerate(lines) if text.strip()), len(lines))


def code_lines(lines: Iterable[str]) -> list[str]:
    """``lines`` (a cell's, with or without their ends) as compared with the code that ran:
    without line ends, trailing spaces and leading or trailing empty lines."""
    out = [text.rstrip() for text in lines]
    start = next((i for i, text in enumerate(out) if text), len(out))
    while out and not out[-1]:
        out.pop()
    return out[start:]
