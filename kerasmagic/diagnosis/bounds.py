"""How much source the static pass (lint, the traps' reading of the cell) takes on.

Its time grows with the cell (about 1.5 s per 100,000 characters): above these limits it is
skipped, and the result says so, rather than keeping the notebook busy for a minute. So is a
cell nested too deeply for Python to build its syntax tree (``not not … x``, ``a.a.a…``,
``x[0][0]…`` thousands deep: a RecursionError or MemoryError of the parser, which Python's own
``compile`` raises too), rather than read as having nothing to report.
"""

from __future__ import annotations

from kerasmagic.findings import Finding

MAX_LINES = 10_000
MAX_CHARS = 300_000
SKIPPED_ID = "static-check-skipped"


def too_big(source: str) -> str | None:
    """Why ``source`` is not analysed statically (a sentence), or None when it is."""
    lines = source.count("\n") + (0 if source.endswith("\n") or not source else 1)
    if lines <= MAX_LINES and len(source) <= MAX_CHARS:
        return None
    size = len(source.encode("utf-8", "replace")) / 1e6
    return (
        f"static check skipped: the cell has {lines:,} lines ({size:.1f} MB); kerasmagic reads "
        f"cells of up to {MAX_LINES:,} lines and {MAX_CHARS / 1e6:.1f} MB"
    )


# what Python's parser raises on a source nested deeper than it builds (ast.parse, compile)
TOO_DEEP_ERRORS = ("RecursionError", "MemoryError")
SPLIT_FIX = "Split the cell, or check the part that uses TensorFlow/Keras on its own."
DEEP_FIX = (
    "Build such an expression step by step (a loop over intermediate names) instead of nesting "
    "it in one line; Python itself cannot compile it as written."
)


def too_deep(parse_error: str | None) -> str | None:
    """Why a cell whose parse failed with ``parse_error`` (``ParsedCell.error``) is not analysed
    statically: nested too deeply for Python's parser; None for any other outcome."""
    if not parse_error or not parse_error.startswith(TOO_DEEP_ERRORS):
        return None
    return (
        "static check skipped: the cell nests its expressions too deeply for Python to parse "
        f"({parse_error.rstrip(': ')})"
    )


def skipped_finding(reason: str) -> Finding:
    deep = "too deeply" in reason
    return Finding(
        id=SKIPPED_ID,
        severity="info",
        title=reason,
        cause="Imports, arguments and silent traps were not checked; an error the cell raises "
        "is still explained from its message.",
        fix=DEEP_FIX if deep else SPLIT_FIX,
        confidence=1.0,
    )


MAX_MESSAGE = 4_000  # characters of an error message the diagnosis carries (each view shows it)


def capped_message(message: str) -> str:
    """``message`` itself, or its beginning and a note that it was truncated (IPython's own
    traceback above still shows all of it)."""
    if len(message) <= MAX_MESSAGE:
        return message
    return (
        message[:MAX_MESSAGE]
        + f"… [truncated by kerasmagic: {len(message):,} characters in all; the traceback shows "
        "the whole message]"
    )
