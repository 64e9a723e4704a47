"""Markdown building blocks shared by every report view: the snippet to paste into a bug report
or a forum question (versions, findings, fixes), readable as plain text too."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kerasmagic.findings import Finding

MARKS = {"error": "✖", "warning": "⚠", "info": "ℹ"}


def cell(value: object) -> str:
    """A table cell: one line, pipes escaped."""
    text = "" if value is None else str(value)
    return " ".join(text.split()).replace("|", "\\|")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    rows = [[cell(c) for c in row] for row in rows]
    if not rows:
        return ""
    head = [cell(h) or " " for h in headers]
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


def code(text: str, language: str = "") -> str:
    """A fenced block long enough not to be closed by backticks inside ``text``."""
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def versions(values: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items())


def finding(f: Finding, known: dict[str, str] | None = None) -> str:
    """One finding as a list item: title, cause, fix, the code to paste, how to verify;
    ``known``: the versions the report states once above its findings."""
    own = {k: v for k, v in f.versions.items() if (known or {}).get(k) != v}
    lines = [f"- {MARKS.get(f.severity, '-')} **{f.severity}: {f.title}** (`{f.id}`)"]
    if f.cause:
        lines.append(f"  {' '.join(f.cause.split())}")
    if own:
        lines.append(f"  Versions: {versions(own)}")
    if f.details:
        shown = ", ".join(f"`{d}`" for d in f.details[:10])
        more = f" and {len(f.details) - 10} more" if len(f.details) > 10 else ""
        lines.append(f"  {f.details_label or 'details'}: {shown}{more}")
    if f.fix:
        lines.append(f"  **Fix:** {' '.join(f.fix.split())}")
    if f.fix_code:
        lines.append("\n".join("  " + x if x else x for x in code(f.fix_code).splitlines()))
    if f.verify:
        lines.append(f"  Verify: {' '.join(f.verify.split())}")
    return "\n".join(lines)


def section(title: str, body: str) -> str:
    return f"### {title}\n\n{body}" if body else ""


def join(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)
