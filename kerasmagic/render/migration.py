"""The migration report as Markdown, HTML (one self-contained file that opens offline) and JSON:
``MigrationView`` wraps a ``migrate.results.MigrationReport`` (render never imports it) and
renders it through ``render/base.py``'s MIME table, as every other report.

Every view renders the dictionary ``MigrationReport.to_dict()`` returns, so the JSON carries all
that the other two show: a summary table on top, then per document and per cell the unified diff,
each rule applied (id, title, cause, sources), whether the change was verified by running and in
which versions, what is left with its explanation, and the cell's output (size-capped).
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any
from urllib.parse import quote

from kerasmagic.render import base
from kerasmagic.render.html import escape
from kerasmagic.render.migration_style import CSS
from kerasmagic.render.module_cells import module_cells

STATUS_WORDS = {
    "ok": "ran unchanged",
    "fixed": "fixed, verified by running",
    "failed": "failed",
    "timeout": "timed out",
    "kernel-died": "the kernel died",
    "not-run": "not run",
    "static": "static (not run)",
    "not-reached": "not reached",
    "empty": "empty",
}
TRIGGER_WORDS = {
    "error": "fixes the error",
    "trap": "silent trap found after the cell ran",
    "static": "proved from the source, not run",
    "lint": "proved from the source, tried because nothing explained the error",
}


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, default=str) + "\n"


def versions_text(versions: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in versions.items()) or "unknown versions"


def cell_diff(cell: dict[str, Any], path: str) -> str:
    """The unified diff of a cell, original → migrated."""
    name = cell.get("file") or (f"{path} cell {cell['number']}" if not path.endswith(".py") else path)
    lines = difflib.unified_diff(
        cell["original"].splitlines(keepends=True),
        cell["final"].splitlines(keepends=True),
        f"{name} (original)",
        f"{name} (migrated)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _interesting(cell: dict[str, Any]) -> bool:
    return bool(cell["changed"] or cell["error"] or cell["left"] or cell["notes"])


def verification(change: dict[str, Any], cell: dict[str, Any], versions: dict[str, str]) -> str:
    if cell.get("file"):  # a module of the user's: run by the cells that failed in it
        return cell["verification"](change["verified"], versions_text(versions))
    if change["verified"]:
        return f"verified: the cell ran without error in {versions_text(versions)}"
    if cell["ran"]:
        return f"not verified: the cell still fails ({cell['error']})"
    return "not verified: a static rewrite, not run"


def _summary_rows(report: dict[str, Any]) -> list[list[str]]:
    rows = []
    for doc in report["documents"]:
        s = doc["summary"]
        target = f" → {doc['destination']}" if doc.get("written") else ""
        rows.append(
            [
                f"{doc['path']}{target}",
                doc["status"],
                str(s["cells"]),
                str(s["changed"]),
                str(s["verified"]),
                str(s["not_run_changed"]),
                str(s["failed"]),
                f"{doc['seconds']:.1f} s",
            ]
        )
    return rows


SUMMARY_HEAD = ["file", "result", "cells", "changed", "verified by running", "changed, not run", "failing", "time"]  # fmt: skip


def summary_text(report: dict[str, Any]) -> str:
    """The summary table as aligned plain text (the end of a course run, on standard error)."""
    rows = [SUMMARY_HEAD, *_summary_rows(report)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(SUMMARY_HEAD))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    s = report["summary"]
    lines.append(
        f"{s['documents']} documents, {s['changed']} changed, {s['stopped']} stopped or failed; "
        f"{report['seconds']:.1f} s"
    )
    return "\n".join(lines)


def done_line(finished: int, total: int, doc: dict[str, Any]) -> str:
    """One document finished in a course run: ``[3/6] PATH: status — message (time)``."""
    return f"[{finished}/{total}] {doc['path']}: {doc['status']} — {doc['message']} ({doc['seconds']:.1f} s)"


def _header(report: dict[str, Any]) -> str:
    mode = "static mode (nothing run)" if report["mode"] == "static" else "run mode"
    check = ", --check (nothing written)" if report["check"] else ""
    done = " — interrupted (Ctrl-C)" if report["interrupted"] else ""
    target = f"--to {report['target']}: " if report.get("target") else ""
    return (
        f"kerasmagic {report['kerasmagic']} · {mode}{check} · {target}{report['python']} · "
        f"{report['created']} · {report['seconds']:.1f} s{done}"
    )


# -- Markdown -------------------------------------------------------------------------------------
def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def rule_key(rule: dict[str, Any]) -> tuple[str, str, str]:
    """A rule's explanation, as one document shows it once: its id, cause and fix (the title
    names the cell's own class or name, and is shown every time)."""
    return (str(rule.get("id")), str(rule.get("cause") or ""), str(rule.get("fix") or ""))


def shown_before(rule: dict[str, Any], where: str, seen: dict[tuple, str]) -> str | None:
    """Where this document explained ``rule`` already (``seen``: key → label), else None; the
    first time, it is recorded as explained at ``where``."""
    key = rule_key(rule)
    if key in seen:
        return seen[key]
    seen[key] = where
    return None


def _md_rule(rule: dict[str, Any], before: str | None = None) -> list[str]:
    """A rule in full, or (``before``: where it was explained) its id and title only."""
    out = [f"  - **{rule.get('id')}** — {rule.get('title') or ''}"]
    if before is not None:
        out[0] += f" (explained at {before})"
        return out
    if rule.get("cause"):
        out.append(f"    {rule['cause']}")
    if rule.get("fix"):
        out.append(f"    Fix: {rule['fix']}")
    refs = [str(r) for r in rule.get("references") or []]
    if refs:
        out.append(
            "    Source: " + ", ".join(f"<{r}>" if r.startswith("http") else r for r in refs)
        )
    return out


def cell_label(cell: dict[str, Any], doc: dict[str, Any]) -> str:
    """``Cell N``; for a script, the lines of the file its block holds (``Script, lines 12-30``);
    a module of the user's, its own label."""
    if cell.get("label"):
        return cell["label"]
    if doc["kind"] != "script":
        return f"Cell {cell['number']}"
    first = 1 + sum(c["original"].count("\n") for c in doc["cells"] if c["number"] < cell["number"])
    last = first + max(cell["original"].rstrip("\n").count("\n"), 0)
    return f"Script, lines {first}-{last}" if len(doc["cells"]) > 1 else "Script"


def _md_cell(cell: dict[str, Any], doc: dict[str, Any], seen: dict[tuple, str]) -> list[str]:
    """One cell; a rule explained at an earlier cell of the document (``seen``) is named only."""
    kind = cell_label(cell, doc)
    out = [f"### {kind} — {STATUS_WORDS.get(cell['status'], cell['status'])}", ""]
    if cell["changed"]:
        out += ["```diff", cell_diff(cell, doc["path"]).rstrip("\n"), "```", ""]
    for change in cell["changes"]:
        what = TRIGGER_WORDS.get(change["trigger"], change["trigger"])
        if change["error"]:
            what += f" `{change['error']}`"
        out.append(f"- Rewrite ({what}); {verification(change, cell, doc['versions'])}.")
        for rule in change["rules"]:
            out += _md_rule(rule, shown_before(rule, kind, seen))
    if cell["error"]:
        out.append(f"- **Left:** `{cell['error']}`")
    for rule in cell["left"]:
        out.append("- Explanation without a rewrite:")
        out += _md_rule(rule)
        if rule.get("fix_code"):
            out.append(f"    `{rule['fix_code'].strip()}`")
    for note in cell["notes"]:
        out.append(f"- Note: {note}")
    if cell["output"].strip() and (cell["error"] or cell["changed"]) and cell["ran"]:
        out += ["", "<details><summary>output of the last run</summary>", "", "```text"]
        out += [cell["output"].rstrip("\n"), "```", "", "</details>"]
    out.append("")
    return out


def to_markdown(report: dict[str, Any]) -> str:
    out = ["# kerasmagic migrate — report", "", _header(report), ""]
    out.append("| " + " | ".join(SUMMARY_HEAD) + " |")
    out.append("|" + "---|" * len(SUMMARY_HEAD))
    for doc, row in zip(report["documents"], _summary_rows(report)):
        cells = [_md_escape(c) for c in row]
        if doc.get("reports"):  # a course run: its own report, beside this index
            cells[0] += f" · [report](<{doc['reports'][0]}>)"
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    for doc in report["documents"]:
        out += [f"## {doc['path']}", "", f"**{doc['message']}**", ""]
        facts = []
        if doc.get("written"):
            facts.append(f"written to `{doc['destination']}`")
        if doc["versions"]:
            facts.append(f"versions: {versions_text(doc['versions'])}")
        if facts:  # the first letter up, the paths as they are (str.capitalize lowers the rest)
            text = "; ".join(facts)
            out += [text[:1].upper() + text[1:] + ".", ""]
        quiet = [c for c in doc["cells"] if not _interesting(c)]
        if quiet and doc["kind"] == "notebook":
            words = sorted({STATUS_WORDS.get(c["status"], c["status"]) for c in quiet})
            numbers = ", ".join(str(c["number"]) for c in quiet)
            out += [f"Cells {numbers}: no change ({'; '.join(words)}).", ""]
        seen: dict[tuple, str] = {}
        for cell in [*doc["cells"], *module_cells(doc)]:
            if _interesting(cell):
                out += _md_cell(cell, doc, seen)
    return "\n".join(out).rstrip("\n") + "\n"


# -- HTML -----------------------------------------------------------------------------------------


def _e(text: Any) -> str:
    return escape(str(text))


def _badge(status: str) -> str:
    return f'<span class="badge b-{_e(status)}">{_e(STATUS_WORDS.get(status, status))}</span>'


def _html_diff(diff: str) -> str:
    lines = []
    for line in diff.splitlines():
        cls = "ln"
        if line.startswith("@@"):
            cls = "hunk"
        elif line.startswith("+") and not line.startswith("+++"):
            cls = "add"
        elif line.startswith("-") and not line.startswith("---"):
            cls = "del"
        lines.append(f'<span class="{cls}">{_e(line) or " "}</span>')
    return "<pre>" + "".join(lines) + "</pre>"


def _prose(text: Any) -> str:
    """Escaped text with its `code` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))


def _html_rule(rule: dict[str, Any], left: bool = False, before: str | None = None) -> str:
    """A rule in full, or (``before``: where it was explained) its id and title only."""
    if before is not None:
        return (
            f'<div class="rule"><span class="id">{_e(rule.get("id"))}</span> — '
            f"{_prose(rule.get('title') or '')} <small>(explained at {_e(before)})</small></div>"
        )
    refs = []
    for ref in rule.get("references") or []:
        ref = str(ref)
        refs.append(f'<a href="{_e(ref)}">{_e(ref)}</a>' if ref.startswith("http") else _e(ref))
    parts = [
        f'<div class="rule{" left" if left else ""}"><span class="id">{_e(rule.get("id"))}</span> — {_prose(rule.get("title") or "")}'
    ]
    if rule.get("cause"):
        parts.append(f"<div>{_prose(rule['cause'])}</div>")
    if rule.get("fix"):
        parts.append(f"<div><b>Fix:</b> {_prose(rule['fix'])}</div>")
    if left and rule.get("fix_code"):
        parts.append(f"<pre>{_e(rule['fix_code'].strip())}</pre>")
    if refs:
        parts.append("<div><b>Source:</b> " + ", ".join(refs) + "</div>")
    return "".join(parts) + "</div>"


def _html_cell(cell: dict[str, Any], doc: dict[str, Any], seen: dict[tuple, str]) -> str:
    kind = cell_label(cell, doc)
    out = [f"<h3>{kind} {_badge(cell['status'])}</h3>"]
    if cell["changed"]:
        out.append(_html_diff(cell_diff(cell, doc["path"])))
    for change in cell["changes"]:
        what = TRIGGER_WORDS.get(change["trigger"], change["trigger"])
        if change["error"]:
            what += f" <code>{_e(change['error'])}</code>"
        else:
            what = _e(what)
        cls = "verified" if change["verified"] else "unverified"
        out.append(
            f'<div>Rewrite ({what}); <span class="{cls}">{_e(verification(change, cell, doc["versions"]))}</span>.</div>'
        )
        out += [_html_rule(r, before=shown_before(r, kind, seen)) for r in change["rules"]]
    if cell["error"]:
        out.append(f"<div><b>Left:</b> <code>{_e(cell['error'])}</code></div>")
    out += [_html_rule(rule, left=True) for rule in cell["left"]]
    out += [f"<div>Note: {_e(note)}</div>" for note in cell["notes"]]
    if cell["output"].strip() and (cell["error"] or cell["changed"]) and cell["ran"]:
        out.append(
            f"<details><summary>output of the last run</summary><pre>{_e(cell['output'])}</pre></details>"
        )
    return "\n".join(out)


def to_html(report: dict[str, Any]) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>kerasmagic migrate — report</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>kerasmagic migrate — report</h1>",
        f'<div class="meta">{_e(_header(report))}</div>',
        "<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in SUMMARY_HEAD) + "</tr>",
    ]
    for doc, row in zip(report["documents"], _summary_rows(report)):
        own = doc.get("reports")
        link = f' · <a href="{_e(quote(own[-1]))}">report</a>' if own else ""
        cells = [f"<td>{_e(row[0])}{link}</td>", f"<td>{_badge(doc['status'])}</td>"]
        cells += [f'<td class="n">{_e(c)}</td>' for c in row[2:]]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    for doc in report["documents"]:
        out.append(f"<h2>{_e(doc['path'])} {_badge(doc['status'])}</h2>")
        out.append(f'<div class="msg">{_e(doc["message"])}</div>')
        facts = []
        if doc.get("written"):
            facts.append(f"Written to <code>{_e(doc['destination'])}</code>")
        if doc["versions"]:
            facts.append(f"versions: {_e(versions_text(doc['versions']))}")
        if facts:
            out.append(f'<div class="meta">{"; ".join(facts)}</div>')
        quiet = [c for c in doc["cells"] if not _interesting(c)]
        if quiet and doc["kind"] == "notebook":
            numbers = ", ".join(str(c["number"]) for c in quiet)
            out.append(f'<div class="meta">Cells {_e(numbers)}: no change.</div>')
        seen: dict[tuple, str] = {}
        out += [_html_cell(c, doc, seen) for c in [*doc["cells"], *module_cells(doc)] if _interesting(c)]  # fmt: skip
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _data(report: Any) -> dict[str, Any]:
    return report if isinstance(report, dict) else report.to_dict()


def _json(report: Any) -> dict[str, Any]:
    return json.loads(to_json(_data(report)))


class MigrationView(base.View):
    """A ``MigrationReport`` with its views (the text view is the Markdown: a terminal reads it)."""

    RENDERERS = {
        base.TEXT: lambda report: to_markdown(_data(report)),
        base.HTML: lambda report: to_html(_data(report)),
        base.MARKDOWN: lambda report: to_markdown(_data(report)),
        base.JSON: _json,
        base.REPORT_JSON: _json,
    }


FORMATS = {"md": base.MARKDOWN, "html": base.HTML, "json": base.JSON}


def text_of(view: MigrationView, mime: str) -> str:
    """One view as the text of a file (the JSON view indented)."""
    value = view.render(mime)
    return value if isinstance(value, str) else json.dumps(value, indent=2) + "\n"


def render(report: Any, fmt: str) -> str:
    """``fmt``: md, html or json — the view of that MIME type, as text."""
    return text_of(MigrationView(report), FORMATS[fmt])
