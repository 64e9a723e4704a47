"""Plain-text building blocks shared by every report view (terminals, logs, CI)."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterable, Sequence

from kerasmagic.findings import Finding

MARKS = {"error": "✖", "warning": "⚠", "info": "ℹ"}
TEXT_DETAILS = 40  # items of Finding.details a text report lists; JSON and HTML carry all


def width() -> int:
    """The terminal's width (``COLUMNS`` or the terminal; 80 when there is none), at least 40."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def wrap(text: str, prefix: str = "", first: str | None = None) -> str:
    """Prose wrapped to the terminal's width, each paragraph (line) on its own; words are never
    broken (a long path or name stays whole). Code and tables must not go through here."""
    lead = prefix if first is None else first
    columns = width()
    out = []
    for i, line in enumerate(text.splitlines() or [""]):
        out.append(
            textwrap.fill(
                line,
                width=columns,
                initial_indent=lead if i == 0 else prefix,
                subsequent_indent=prefix,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or (lead if i == 0 else prefix).rstrip()
        )
    return "\n".join(out)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    rows = [["" if c is None else str(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(out)


def pairs(rows: Iterable[Sequence[object]]) -> str:
    """Two-column ``key  value`` lines, keys aligned."""
    rows = [(str(k), "" if v is None else str(v)) for k, v in rows]
    width = max((len(k) for k, _ in rows), default=0)
    # a value of several lines (two commands) keeps each line under the values' column
    return "\n".join(
        f"{k.ljust(width)}  " + v.replace("\n", "\n" + " " * (width + 2)) for k, v in rows
    )


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def own_versions(f: Finding, known: dict[str, str] | None) -> dict[str, str]:
    """The versions of ``f`` the report has not already said (``known``: its versions line)."""
    return {k: v for k, v in f.versions.items() if (known or {}).get(k) != v}


def finding(f: Finding, known: dict[str, str] | None = None) -> str:
    """One finding; ``known``: the versions the report states once above its findings."""
    lines = [
        wrap(
            f"{MARKS.get(f.severity, '-')} {f.severity.upper()}: {f.title}  [{f.id}]",
            "  ",
            first="",
        )
    ]
    if f.cause:
        lines.append(wrap(f.cause, "    "))
    versions = own_versions(f, known)
    if versions:
        lines.append(
            wrap("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()), "    ")
        )
    if f.details:
        lines.append(indent(f"{f.details_label or 'details'} ({len(f.details)}):"))
        lines += [indent(item, "      ") for item in f.details[:TEXT_DETAILS]]
        if len(f.details) > TEXT_DETAILS:
            more = len(f.details) - TEXT_DETAILS
            lines.append(indent(f"… and {more} more (every one in the JSON report)", "      "))
    if f.fix:
        lines.append(wrap("fix: " + f.fix, "    "))
    if f.fix_code:
        lines.append(indent(f.fix_code, "      "))
    if f.verify:
        lines.append(wrap("verify: " + f.verify, "    "))
    return "\n".join(lines)
