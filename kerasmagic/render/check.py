"""Views of a ``CheckResult``: text, HTML, Markdown (cause, versions, fix, corrected cell as a diff
and as code) and JSON. Everything shown here is also in the JSON of ``CheckResult.to_dict``."""

from __future__ import annotations

import difflib
from contextlib import suppress
from typing import Any

from kerasmagic.render import base
from kerasmagic.render import html as h
from kerasmagic.render import markdown as md
from kerasmagic.render import text as t

NOTHING_FOUND = "No TF/Keras version problem recognised in this error."


def unified_diff(before: str, after: str, unit: str = "cell") -> str:
    """The corrected cell (``unit``: or script) as a unified diff of the original."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=unit,
        tofile=f"corrected {unit}",
    )
    return "".join(x if x.endswith("\n") else x + "\n" for x in lines)


def _unit(result: Any) -> str:
    """The word "cell", or "script" for ``python -m kerasmagic check FILE`` (``CheckResult.unit``)."""
    return getattr(result, "unit", "cell")


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
        return f"kerasmagic: the {_unit(result)} ran" + (
            " (silent traps below)" if result.traps else ""
        )
    if result.error_type == "SystemExit":  # `python -m kerasmagic check FILE`: its own exit
        return f"kerasmagic: the script stopped itself with sys.exit({result.error_message})"
    return f"kerasmagic: {result.error_type}: {result.error_message}"


def _unrecognised(result: Any) -> str:
    if result.error_type == "SystemExit":
        return "A script's own exit is not an error to explain; kerasmagic found nothing else."
    if result.traps:  # a silent problem of the failing cell, reported whatever its outcome
        return (
            "No TF/Keras version problem recognised in this error itself; "
            "the silent problem below is in the same cell."
        )
    return NOTHING_FOUND


def _earlier_heading(result: Any, capital: bool = False) -> str:
    """What the corrected earlier cell is (``CheckResult.earlier_fix``): the cell made the cause."""
    first = result.earlier_fix.first_line
    return (
        f"{'C' if capital else 'c'}orrected earlier cell (the cell starting `{first}` made the "
        f"cause: run this version of it, then this {_unit(result)} again)"
    )


def check_to_text(result: Any) -> str:
    """Plain-text view; starts with ``kerasmagic``."""
    out = [t.wrap(_headline(result), "  ", first="")]
    if result.versions:
        out.append(t.wrap("versions: " + md.versions(result.versions), "  ", first=""))
    for f in result.suggestions:
        out.append("")
        out.append(t.finding(f, result.versions))
    if not result.ok and result.ran and not result.suggestions and not result.internal_error:
        out.append("")
        out.append(_unrecognised(result))
    for f in result.traps:
        out.append("")
        out.append(t.finding(f, result.versions))
    fixed = result.fixed_source
    if fixed:
        unit = _unit(result)
        diff = unified_diff(result.source, fixed, unit)
        out += ["", f"corrected {unit} (diff):", t.indent(diff.rstrip())]
        out += ["", f"corrected {unit}:", t.indent(fixed.rstrip("\n"))]
    earlier = getattr(result, "earlier_fix", None)
    if earlier is not None:
        diff = unified_diff(earlier.source, earlier.fixed_source, "earlier cell")
        out += ["", f"{_earlier_heading(result)} (diff):", t.indent(diff.rstrip())]
        out += ["", f"{_earlier_heading(result)}:", t.indent(earlier.fixed_source.rstrip("\n"))]
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
    parts += [h.finding(f, result.versions) for f in result.suggestions]
    if not result.ok and result.ran and not result.suggestions and not result.internal_error:
        parts.append(f"<div>{h.esc(_unrecognised(result))}</div>")
    parts += [h.finding(f, result.versions) for f in result.traps]
    fixed = result.fixed_source
    if fixed:
        parts.append(f"<div><b>Corrected {_unit(result)}</b> (diff):</div>")
        parts.append(_diff_html(unified_diff(result.source, fixed, _unit(result))))
        parts.append(f"<div><b>Corrected {_unit(result)}:</b></div>")
        parts.append(h.code(fixed))
    earlier = getattr(result, "earlier_fix", None)
    if earlier is not None:
        heading = h.esc(_earlier_heading(result, capital=True))
        parts.append(f"<div><b>{heading}</b> (diff):</div>")
        parts.append(_diff_html(unified_diff(earlier.source, earlier.fixed_source, "earlier cell")))
        parts.append(f"<div><b>{heading}:</b></div>")
        parts.append(h.code(earlier.fixed_source))
    if result.internal_error:
        parts.append(
            f"<div><small>kerasmagic internal error: {h.esc(result.internal_error)}</small></div>"
        )
    with suppress(Exception):  # the copy block is extra: its failure must not cost the HTML
        parts.append(h.copyable_markdown(check_to_markdown(result)))
    return h.wrap(_headline(result), "".join(parts))


def check_to_markdown(result: Any) -> str:
    """The bug-report snippet: the error, the versions, the findings with their fixes, the
    corrected cell."""
    error = ""
    if result.ran and not result.ok:
        error = md.code(f"{result.error_type}: {result.error_message}")
    fixed = result.fixed_source
    nothing = not result.ok and result.ran and not result.suggestions
    return md.join(
        f"**{_headline(result)}**",
        f"Versions: {md.versions(result.versions)}" if result.versions else "",
        error,
        "\n".join(md.finding(f, result.versions) for f in [*result.suggestions, *result.traps]),
        (_unrecognised(result) if result.error_type == "SystemExit" else NOTHING_FOUND)
        if nothing and not result.internal_error
        else "",
        md.section(f"Corrected {_unit(result)}", md.code(fixed, "python")) if fixed else "",
        md.section(
            _earlier_heading(result, capital=True),
            md.code(result.earlier_fix.fixed_source, "python"),
        )
        if getattr(result, "earlier_fix", None) is not None
        else "",
        f"kerasmagic internal error: {result.internal_error}" if result.internal_error else "",
    )


class CheckView(base.View):
    """A ``CheckResult`` with its views. ``kerasmagic.check`` returns one and the magics display
    one: chosen over an IPython formatter registered by ``load_ipython_extension`` because it
    displays richly in any notebook, extension loaded or not, and ``str()`` is the text in a
    script. Every attribute of the result is reachable through it (``view.fixed_source``,
    ``view.to_dict()``, ``view.suggestions``); ``view.report`` is the ``CheckResult`` itself."""

    RENDERERS = {
        base.TEXT: check_to_text,
        base.HTML: check_to_html,
        base.MARKDOWN: check_to_markdown,
        base.JSON: base.report_json,
        base.REPORT_JSON: base.report_json,
    }
