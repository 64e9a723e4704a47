"""The one report base of ``kerasmagic.render``: views by MIME type, ``include``/``exclude``
honoured, a failing view degraded to a note, the Markdown view of each report, and terminal text
wrapped to the terminal's width (prose only). Content, not snapshots."""

from __future__ import annotations

import textwrap

import pytest

from kerasmagic.diagnosis.result import CheckResult
from kerasmagic.findings import Finding
from kerasmagic.render import base
from kerasmagic.render import text as t
from kerasmagic.render.base import HTML, MARKDOWN, TEXT
from kerasmagic.render.check import CheckView

FIXED = "import tensorflow as tf\nprint(tf.__version__)\n"
CAUSE = (
    "The package is called tensorflow; `tf` is only the name tutorials bind it to with "
    "`import tensorflow as tf`, so Python looks for a module called tf and finds none anywhere "
    "on sys.path of this kernel, whatever is installed."
)


def _result() -> CheckResult:
    finding = Finding(
        id="import-tf-alias",
        severity="error",
        title="`tf` is the usual alias of `tensorflow`, not a module",
        cause=CAUSE,
        fix="Import the package under its real name | and keep the alias.",
        fix_code="import tensorflow as tf",
        fixed_source=FIXED,
    )
    return CheckResult(
        source="import tf\nprint(tf.__version__)\n",
        ok=False,
        error_type="ModuleNotFoundError",
        error_message="No module named 'tf'",
        suggestions=[finding],
        versions={"tensorflow": "2.21.0", "keras": "3.15.0"},
    )


def test_four_views_and_include_exclude():
    view = CheckView(_result())
    # application/json only on request: JupyterLab would show it (a JSON tree) instead of HTML
    assert set(view._repr_mimebundle_()) == {TEXT, HTML, MARKDOWN, base.REPORT_JSON}
    asked = view._repr_mimebundle_(include={base.JSON})
    assert asked == {base.JSON: view._repr_mimebundle_()[base.REPORT_JSON]}
    assert set(view._repr_mimebundle_(include={"text/markdown"})) == {"text/markdown"}
    assert "text/html" not in view._repr_mimebundle_(exclude={"text/html"})
    assert str(view) == view._repr_mimebundle_()["text/plain"]


def test_the_view_forwards_the_result():
    result = _result()
    view = CheckView(result)
    assert view.report is result
    assert view.fixed_source == FIXED and view.ok is False
    assert view.to_dict() == result.to_dict()
    assert [s.id for s in view.suggestions] == ["import-tf-alias"]
    with pytest.raises(AttributeError):
        view.no_such_field  # noqa: B018


def test_markdown_is_a_bug_report_snippet():
    md = CheckView(_result()).to_markdown()
    assert "tensorflow 2.21.0, keras 3.15.0" in md  # versions
    assert "ModuleNotFoundError: No module named 'tf'" in md  # the error
    assert "import-tf-alias" in md and "**Fix:**" in md  # finding and fix
    assert "```python\n" + FIXED.rstrip() + "\n```" in md  # corrected cell, fenced
    # the HTML view carries it to copy, escaped
    assert "Copy as Markdown" in CheckView(_result()).to_html()


class _Broken(base.View):
    RENDERERS = {
        base.TEXT: lambda r: "the text view",
        base.HTML: lambda r: 1 / 0,
        base.MARKDOWN: lambda r: "the markdown view",
        base.REPORT_JSON: base.report_json,
    }


def test_a_failing_view_becomes_a_note_in_the_others():
    bundle = _Broken(_result())._repr_mimebundle_()
    assert "text/html" not in bundle
    assert bundle["text/plain"].startswith("the text view")
    assert "text/html view failed (ZeroDivisionError" in bundle["text/plain"]
    assert "text/html view failed" in bundle["text/markdown"]
    assert bundle[base.REPORT_JSON]["error_type"] == "ModuleNotFoundError"


def test_when_every_requested_view_fails_the_report_still_shows():
    bundle = _Broken(_result())._repr_mimebundle_(include={"text/html"})
    assert "text/html view failed" in bundle["text/plain"]
    assert '"error_type": "ModuleNotFoundError"' in bundle["text/plain"]


def test_text_wraps_prose_to_the_terminal_and_keeps_code(monkeypatch):
    """Issue 19, item 11: prose to the terminal's width (COLUMNS), code and tables intact."""
    monkeypatch.setenv("COLUMNS", "60")
    long_code = "model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.001), loss='mse')"
    result = _result()
    result.suggestions[0].fixed_source = FIXED + long_code + "\n"
    text = str(CheckView(result))
    lines = text.splitlines()
    assert long_code in lines[-1]  # the corrected cell: code, whole
    prose = [x for x in lines if "sys.path" in x or "tutorials" in x]
    assert prose and all(len(x) <= 60 for x in prose), prose
    flat = " ".join(" ".join(x.split()) for x in lines)
    assert " ".join(CAUSE.split()) in flat  # no word lost or broken
    table = t.table(["a", "b"], [["x" * 70, "y"]])
    assert "x" * 70 in table  # tables are never wrapped


def test_wrap_never_breaks_a_word():
    path = "/very/long/site-packages/path/" + "d" * 80 + "/module.py"
    wrapped = t.wrap(f"loaded from {path} at import", "  ")
    assert path in wrapped
    assert textwrap.dedent(wrapped).splitlines()[0] == "loaded from"
