"""Plain-text building blocks shared by every report view (terminals, logs, CI)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kerasmagic.findings import Finding

MARKS = {"error": "✖", "warning": "⚠", "info": "ℹ"}
TEXT_DETAILS = 40  # items of Finding.details a text report lists; JSON and HTML carry all


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
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def finding(f: Finding) -> str:
    lines = [f"{MARKS.get(f.severity, '-')} {f.severity.upper()}: {f.title}  [{f.id}]"]
    if f.cause:
        lines.append(indent(f.cause))
    if f.versions:
        lines.append(indent("versions: " + ", ".join(f"{k} {v}" for k, v in f.versions.items())))
    if f.details:
        lines.append(indent(f"{f.details_label or 'details'} ({len(f.details)}):"))
        lines += [indent(item, "      ") for item in f.details[:TEXT_DETAILS]]
        if len(f.details) > TEXT_DETAILS:
            more = len(f.details) - TEXT_DETAILS
            lines.append(indent(f"… and {more} more (every one in the JSON report)", "      "))
    if f.fix:
        lines.append(indent("fix: " + f.fix))
    if f.fix_code:
        lines.append(indent(f.fix_code, "      "))
    if f.verify:
        lines.append(indent("verify: " + f.verify))
    return "\n".join(lines)
