"""The comparison of targets (``migrate PATH --python OLD --to PINS``) as text, Markdown, HTML and
JSON: ``ComparisonView`` wraps a ``migrate.comparison.Comparison`` (render never imports it) and
renders the dictionary its ``to_dict()`` returns, through ``render/base.py``'s MIME table.

On top, one row per target (how it was given, its versions, its Python, what its run did); then
per document a table with one row per cell that any target rewrote or failed, one column per
target ("breaks: ERROR → fixed, verified" / "ran unchanged"); then, for each such cell, each
target's error and fix (the unified diff and the rules), as the migrate report words them.
"""

from __future__ import annotations

import json
from typing import Any

from kerasmagic.render import base, markdown, text
from kerasmagic.render.html import esc, prose
from kerasmagic.render.migration import CSS, STATUS_WORDS, cell_diff, cell_label, versions_text

TARGET_HEAD = ["target", "given as", "versions", "python", "documents", "cells rewritten", "verified by running", "failing"]  # fmt: skip


def _data(report: Any) -> dict[str, Any]:
    return report if isinstance(report, dict) else report.to_dict()


def _header(data: dict[str, Any]) -> str:
    check = " · a preview, nothing written but the reports" if data["check"] else ""
    done = " — interrupted (Ctrl-C)" if data["interrupted"] else ""
    return f"kerasmagic {data['kerasmagic']} · {len(data['targets'])} targets{check} · {data['created']} · {data['seconds']:.1f} s{done}"  # fmt: skip


def _target_rows(data: dict[str, Any]) -> list[list[str]]:
    rows = []
    for number, t in enumerate(data["targets"], start=1):
        s = t["summary"]
        counts = [str(s["documents"]), str(s["cells_changed"]), str(s["cells_verified"]), str(s["stopped"])] if s else [t["problem"], "", "", ""]  # fmt: skip
        spec = t["given"].removeprefix("--to ")
        given = t["given"] + (f" ({t['target']})" if t["target"] and t["target"] != spec else "")
        rows.append([f"{number}", given, versions_text(t["versions"]), str(t["python"] or ""), *counts])  # fmt: skip
    return rows


def _short(error: str | None, limit: int = 90) -> str:
    line = (error or "").strip().splitlines()[0] if error and error.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def verdict(cell: dict[str, Any] | None) -> str:
    """One target's cell in a word or two: what broke and whether the fix is verified."""
    if cell is None:
        return "no result"
    status = STATUS_WORDS.get(cell["status"], cell["status"])
    if cell["breaks"] is None:
        if cell["verified"]:
            return "rewritten (a silent trap), verified by running"
        return f"{status}, rewritten" if cell["changed"] else status
    broke = f"breaks: {_short(cell['breaks'])}"
    if cell["verified"]:
        return f"{broke} → fixed, verified by running"
    if cell["changed"]:
        return f"{broke} → rewritten, still fails: {_short(cell['error'])}"
    return f"{broke} → no fix ({status})"


def _shown(cell: dict[str, Any]) -> bool:
    return any(c is not None and (c["changed"] or c["breaks"]) for c in cell["targets"])


def _labels(data: dict[str, Any]) -> list[str]:
    return [f"{n}: {t['label']}" for n, t in enumerate(data["targets"], start=1)]


def _doc_for_label(doc: dict[str, Any]) -> dict[str, Any]:
    """What ``cell_label`` reads: the document's kind and every cell's original."""
    return {"kind": doc["kind"], "cells": [{"number": c["number"], "original": c["original"]} for c in doc["cells"]]}  # fmt: skip


def _lines(doc: dict[str, Any], cell: dict[str, Any], labels: list[str], md: bool) -> list[str]:
    """One cell, each target's error and fix (the diff and the rules)."""
    out = []
    for label, each in zip(labels, cell["targets"]):
        out.append(f"- **{label}**: {verdict(each)}" if md else f"  {label}: {verdict(each)}")
        if each is None:
            continue
        if each["breaks"] and _short(each["breaks"]) != each["breaks"].strip() and md:
            out.append(markdown.code(each["breaks"].strip(), "text"))  # the error in full
        for rule in each["rules"]:
            out.append(f"  - {rule['id']} — {rule['title'] or ''}" if md else f"    {rule['id']} — {rule['title'] or ''}")  # fmt: skip
        if each["changed"]:
            diff = cell_diff(each, doc["path"]).rstrip("\n")
            out += ["", markdown.code(diff, "diff"), ""] if md else [text.indent(diff, "    | ")]
    return out


def to_markdown(report: Any) -> str:
    data = _data(report)
    labels = _labels(data)
    out = ["# kerasmagic migrate — targets compared", "", _header(data), ""]
    out += [markdown.table(TARGET_HEAD, _target_rows(data)), ""]
    for doc in data["documents"]:
        out += [f"## {doc['path']}", ""]
        ends = [f"{label}: {t['status']} — {t['message']}" if t else f"{label}: no result" for label, t in zip(labels, doc["targets"])]  # fmt: skip
        out += [f"- {line}" for line in ends] + [""]
        shown = [c for c in doc["cells"] if _shown(c)]
        if not shown:
            out += ["Every cell ran unchanged in every target.", ""]
            continue
        rows = [[cell_label(c, _doc_for_label(doc)), *(verdict(t) for t in c["targets"])] for c in shown]  # fmt: skip
        out += [markdown.table(["cell", *labels], rows), ""]
        for cell in shown:
            out += [f"### {cell_label(cell, _doc_for_label(doc))}", ""]
            out += _lines(doc, cell, labels, md=True) + [""]
    return "\n".join(out).rstrip("\n") + "\n"


def to_text(report: Any) -> str:
    data = _data(report)
    labels = _labels(data)
    out = ["kerasmagic migrate — targets compared", _header(data), ""]
    out += [text.table(TARGET_HEAD, _target_rows(data)), ""]
    for doc in data["documents"]:
        out.append(doc["path"])
        for label, t in zip(labels, doc["targets"]):
            out.append(text.wrap(f"{label}: {t['status']} — {t['message']}" if t else f"{label}: no result", "    ", "  "))  # fmt: skip
        shown = [c for c in doc["cells"] if _shown(c)]
        if not shown:
            out += ["  every cell ran unchanged in every target", ""]
        for cell in shown:
            out.append(f"{cell_label(cell, _doc_for_label(doc))}:")
            out += _lines(doc, cell, labels, md=False)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def to_html(report: Any) -> str:
    data = _data(report)
    labels = _labels(data)
    head = "".join(f"<th>{esc(h)}</th>" for h in TARGET_HEAD)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in _target_rows(data))  # fmt: skip
    out = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>kerasmagic migrate — targets compared</title><style>{CSS}</style></head><body>",
        "<h1>kerasmagic migrate — targets compared</h1>",
        f'<div class="meta">{esc(_header(data))}</div>',
        f"<table><tr>{head}</tr>{body}</table>",
    ]
    for doc in data["documents"]:
        out.append(f"<h2>{esc(doc['path'])}</h2>")
        out += [f"<div>{esc(label)}: {esc(t['status'] if t else 'no result')} — {esc(t['message'] if t else '')}</div>" for label, t in zip(labels, doc["targets"])]  # fmt: skip
        shown = [c for c in doc["cells"] if _shown(c)]
        heads = "".join(f"<th>{esc(h)}</th>" for h in ["cell", *labels])
        rows = "".join(
            f"<tr><td>{esc(cell_label(c, _doc_for_label(doc)))}</td>"
            + "".join(f"<td>{prose(verdict(t))}</td>" for t in c["targets"])
            + "</tr>"  # fmt: skip
            for c in shown
        )
        out.append(f"<table><tr>{heads}</tr>{rows}</table>" if shown else "<div>Every cell ran unchanged in every target.</div>")  # fmt: skip
        for cell in shown:
            out.append(f"<h3>{esc(cell_label(cell, _doc_for_label(doc)))}</h3>")
            for label, each in zip(labels, cell["targets"]):
                out.append(f"<div><b>{esc(label)}</b>: {prose(verdict(each))}</div>")
                if each and each["changed"]:
                    out.append(f"<pre>{esc(cell_diff(each, doc['path']))}</pre>")
                    out += [f'<div class="rule"><span class="id">{esc(r["id"])}</span> — {prose(r["title"] or "")}</div>' for r in each["rules"]]  # fmt: skip
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _json(report: Any) -> dict[str, Any]:
    return json.loads(json.dumps(_data(report), default=str))


class ComparisonView(base.View):
    """A ``Comparison`` with its views."""

    RENDERERS = {
        base.TEXT: to_text,
        base.HTML: to_html,
        base.MARKDOWN: to_markdown,
        base.JSON: _json,
        base.REPORT_JSON: _json,
    }
