"""Views of a ``CheckResult``: plain text and HTML (cause, versions, fix, corrected cell as a diff
and as code). Everything shown here is also in the JSON of ``CheckResult.to_dict``."""

from __future__ import annotations

import difflib
from typing import Any

from kerasmagic.render import html as h
from kerasmagic.render import text as t


def unified_diff(before: str, after: str) -> str:
    """The corrected cell as a unified diff of the original."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile="cell",
        tofile="corrected cell",
    )
    return "".join(x if x.endswith("\n") else x + "\n" for x in lines)


def _headline(result: Any) -> str:
    if result.internal_error and not result.suggestions:
        return "kerasmagic could not diagnose this cell (its own failure; your error is unchanged)"
    if not result.ran:
        n = len(result.suggestions) + len(result.traps)
        return (
            f"kerasmagic lint: {n} finding{'s' if n != 1 else ''}"
            if n
            else "kerasmagic lint: no problem found"
        )
    if result.ok:
        return "kerasmagic: the cell ran" + (" (silent traps below)" if result.traps else "")
    return f"kerasmagic: {result.error_type}: {result.error_message}"


def _unrecognised(result: Any) -> str:
    if result.traps:  # a silent problem of the failing cell, reported whatever its outcome
        return (
            "No TF/Keras version problem recognised in this error itself; "
            "the silent problem below is in the same cell."
        )
    return "No TF/Keras version problem recognised in this error."


def check_to_text(result: Any) -> str:
    """Plain-text view; starts with ``kerasmagic``."""
    out = [_headline(result)]
    if result.versions:
        out.append("versions: " + ", ".join(f"{k} {v}" for k, v in result.versions.items()))
    for f in result.suggestions:
        out.append("")
        out.append(t.finding(f))
    if not result.ok and result.ran and not result.suggestions and not result.internal_error:
        out.append("")
        out.append(_unrecognised(result))
    for f in result.traps:
        out.append("")
        out.append(t.finding(f))
    fixed = result.fixed_source
    if fixed:
        out += ["", "corrected cell (diff):", t.indent(unified_diff(result.source, fixed).rstrip())]
        out += ["", "corrected cell:", t.indent(fixed.rstrip("\n"))]
    if result.internal_error:
        out += ["", f"kerasmagic internal error: {result.internal_error}"]
    return "\n".join(out)


def _diff_html(diff: str) -> str:
    rows = []
    for line in diff.splitlines():
        cls = ""
        if line.startswith("+") and not line.startswith("+++"):
            cls = "km-diff-add"
        elif line.startswith("-") and not line.startswith("---"):
            cls = "km-diff-del"
        rows.append(f'<span class="{cls}">{h.esc(line)}</span>' if cls else h.esc(line))
    return "<pre><code>" + "\n".join(rows) + "</code></pre>"


def check_to_html(result: Any) -> str:
    """HTML view for notebooks (self-contained styles, everything escaped)."""
    parts = []
    if result.versions:
        parts.append(
            "<div><small>Versions here: "
            + h.esc(", ".join(f"{k} {v}" for k, v in result.versions.items()))
            + "</small></div>"
        )
    parts += [h.finding(f) for f in result.suggestions]
    if not result.ok and result.ran and not result.suggestions and not result.internal_error:
        parts.append(f"<div>{h.esc(_unrecognised(result))}</div>")
    parts += [h.finding(f) for f in result.traps]
    fixed = result.fixed_source
    if fixed:
        parts.append("<div><b>Corrected cell</b> (diff):</div>")
        parts.append(_diff_html(unified_diff(result.source, fixed)))
        parts.append("<div><b>Corrected cell:</b></div>")
        parts.append(h.code(fixed))
    if result.internal_error:
        parts.append(
            f"<div><small>kerasmagic internal error: {h.esc(result.internal_error)}</small></div>"
        )
    return h.wrap(_headline(result), "".join(parts))
