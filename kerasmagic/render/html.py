"""Small HTML building blocks shared by every report view (escaped, self-contained styles)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from kerasmagic.findings import Finding

SEVERITY_COLOURS = {"error": "#c62828", "warning": "#b26a00", "info": "#1565c0"}

# Table rules use `.km-report table.km-table td` (specificity 0,2,2): JupyterLab's and nbconvert's
# `:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td {text-align: right}` (0,2,1) outranks a
# plain `.km-report td` (0,1,1) and would right-align every path and sentence of the reports.
STYLE = """<style>
.km-report{font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:13px;line-height:1.4}
.km-report table.km-table{border-collapse:collapse;margin:4px 0 10px 0}
.km-report table.km-table th,.km-report table.km-table td,.km-report table.km-table tr{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top;white-space:normal}
.km-report table.km-table th{background:rgba(127,127,127,.12)}
.km-report code,.km-report pre{font-family:var(--jp-code-font-family,monospace);font-size:12px}
.km-report pre{background:rgba(127,127,127,.10);padding:6px 8px;margin:4px 0;white-space:pre-wrap}
.km-finding{border-left:4px solid;padding:4px 10px;margin:6px 0}
.km-badge{display:inline-block;color:#fff;border-radius:3px;padding:0 6px;font-size:11px;margin-right:6px;text-transform:uppercase}
.km-diff-add{color:#1b5e20}.km-diff-del{color:#b71c1c}
.km-diff-cell{background:#fff3cd}
</style>"""


# What ``html.escape(text, quote=True)`` replaces, as one translation table: the standard
# ``html`` module loads its table of 2,231 named entities on import (about 0.3 MB kept for the
# kernel's life, and a millisecond or two of a first report) for a function that needs five.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def escape(text: str) -> str:
    """``text`` made safe in HTML text and quoted attributes: what ``html.escape`` writes."""
    return text.translate(_ESCAPES)


def esc(value: object) -> str:
    return escape("" if value is None else str(value))


def prose(value: object) -> str:
    """Escaped text whose Markdown-style `code` spans (as findings write them) become <code>."""
    return re.sub(r"`([^`\n]+)`", r"<code>\1</code>", esc(value))


def lines(value: object) -> str:
    """Escaped text whose lines stay lines in a table cell (two commands are two lines)."""
    return "<br>".join(esc(value).split("\n"))


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], raw: bool = False) -> str:
    """An HTML table; cells are escaped unless ``raw`` (then they must already be HTML), each
    line of a cell on its own line. Headers that are all empty give no header row (an empty bar
    above the table says nothing)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    thead = f"<thead><tr>{head}</tr></thead>" if any(headers) else ""
    body = "".join(
        "<tr>" + "".join(f"<td>{c if raw else lines(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f'<table class="km-table">{thead}<tbody>{body}</tbody></table>'


def code(text: str) -> str:
    return f"<pre><code>{esc(text)}</code></pre>"


def finding(f: Finding, known: dict[str, str] | None = None) -> str:
    """One finding; ``known``: the versions the report states once above its findings."""
    versions = {k: v for k, v in f.versions.items() if (known or {}).get(k) != v}
    colour = SEVERITY_COLOURS.get(f.severity, "#555")
    parts = [
        f'<div class="km-finding" style="border-color:{colour}">',
        f'<span class="km-badge" style="background:{colour}">{esc(f.severity)}</span>',
        f"<b>{prose(f.title)}</b> <small>[{esc(f.id)}]</small>",
    ]
    if f.cause:
        parts.append(f"<div>{prose(f.cause)}</div>")
    if versions:
        parts.append(
            "<div><small>Versions: "
            + esc(", ".join(f"{k} {v}" for k, v in versions.items()))
            + "</small></div>"
        )
    if f.details:
        items = "".join(f"<li><code>{esc(item)}</code></li>" for item in f.details)
        label = esc(f.details_label or "details")
        parts.append(
            f"<details><summary>{label} ({len(f.details)})</summary><ul>{items}</ul></details>"
        )
    if f.fix:
        parts.append(f"<div><b>Fix:</b> {prose(f.fix)}</div>")
    if f.fix_code:
        parts.append(code(f.fix_code))
    if f.verify:
        parts.append(f"<div><small><b>Verify:</b> {prose(f.verify)}</small></div>")
    parts.append("</div>")
    return "".join(parts)


def copyable_markdown(markdown: str) -> str:
    """A closed block with the report as Markdown, to paste into a bug report or a question."""
    return (
        "<details><summary>Copy as Markdown (for a bug report or a question)</summary>"
        f"<pre>{esc(markdown)}</pre></details>"
    )


def wrap(title: str, body: str) -> str:
    return f'{STYLE}<div class="km-report"><h4 style="margin:4px 0">{esc(title)}</h4>{body}</div>'
