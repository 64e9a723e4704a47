"""Text and HTML views of a CheckResult: content, not snapshots."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from kerasmagic.diagnosis.result import CheckResult
from kerasmagic.findings import Finding
from kerasmagic.render.base import REPORT_JSON
from kerasmagic.render.check import CheckView, check_to_html, check_to_text, unified_diff
from kerasmagic.render.html import escape

SOURCE = "import tf  # alias\nprint(tf.__version__)\n"
FIXED = "import tensorflow as tf  # alias\nprint(tf.__version__)\n"


def _result() -> CheckResult:
    finding = Finding(
        id="import-tf-alias",
        severity="error",
        title="`tf` is the usual alias of `tensorflow`, not a module",
        cause="No package is called tf <here>.",
        fix="Import the package under its real name.",
        fixed_source=FIXED,
        versions={"tensorflow": "2.21.0"},
    )
    return CheckResult(
        source=SOURCE,
        ok=False,
        error_type="ModuleNotFoundError",
        error_message="No module named 'tf'",
        suggestions=[finding],
        versions={"tensorflow": "2.21.0"},
    )


def test_text_view_has_cause_versions_fix_diff_and_code():
    text = check_to_text(_result())
    assert text.startswith("kerasmagic")
    assert "ModuleNotFoundError" in text and "No package is called tf" in text
    assert "tensorflow 2.21.0" in text and "Import the package" in text
    assert "-import tf  # alias" in text and "+import tensorflow as tf  # alias" in text
    assert text.rstrip().endswith("print(tf.__version__)")


def test_html_view_escapes_and_shows_the_same():
    html = check_to_html(_result())
    assert "&lt;here&gt;" in html and "<here>" not in html
    assert "km-diff-add" in html and "km-diff-del" in html
    assert "import tensorflow as tf" in html and "2.21.0" in html


def test_mimebundle_and_json_carry_the_fixed_source():
    bundle = CheckView(_result())._repr_mimebundle_()
    assert bundle[REPORT_JSON]["fixed_source"] == FIXED
    assert (
        CheckView(_result())._repr_mimebundle_(include={"application/json"})["application/json"]
        == bundle[REPORT_JSON]
    )
    assert bundle["text/plain"].startswith("kerasmagic")


def test_diff_of_identical_sources_is_empty():
    assert unified_diff(SOURCE, SOURCE) == ""


def test_views_of_lint_and_internal_error():
    lint = CheckResult(source="x = 1\n", ok=True, ran=False)
    assert check_to_text(lint).startswith("kerasmagic lint")
    broken = CheckResult(source="x\n", ok=False, error_type="E", internal_error="boom")
    assert "boom" in check_to_text(broken) and "boom" in check_to_html(broken)


@given(st.text(alphabet=st.sampled_from("&<>\"'ab;#x\u00e9\U0001f600 ") | st.characters()))
def test_escape_writes_what_the_standard_html_escape_writes(text):
    assert escape(text) == html.escape(text, quote=True)
