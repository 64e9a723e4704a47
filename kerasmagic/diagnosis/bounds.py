"""How much source the static pass (lint, the traps' reading of the cell) takes on.

Its time grows with the cell (about 1.5 s per 100,000 characters): above these limits it is
skipped, and the result says so, rather than keeping the notebook busy for a minute.
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


def skipped_finding(reason: str) -> Finding:
    return Finding(
        id=SKIPPED_ID,
        severity="info",
        title=reason,
        cause="Imports, arguments and silent traps were not checked; an error the cell raises "
        "is still explained from its message.",
        fix="Split the cell, or check the part that uses TensorFlow/Keras on its own.",
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
