"""The optimizer widget's state on ipywidgets 8 (tf221-k3) and 7.7.1 (colab): children, options,
values, and the view following the dropdown. The report comes from a real subprocess probe."""

from __future__ import annotations

import html
import json
import types

import pytest
from conftest import run_python

WIDGET_ENVS = ("tf221-k3", "colab")
pytestmark = pytest.mark.envs(*WIDGET_ENVS)


@pytest.fixture(scope="module")
def report():
    from kerasmagic.probes.optimizers import resolve_optimizers

    return resolve_optimizers(["adam", "sgd"], probe=True)


def _title(tab, i: int) -> str:
    return tab.get_title(i)


def test_widget_tree_options_and_first_view(report):
    import ipywidgets

    from kerasmagic.render.widgets import TAB_TITLES, OptimizerWidget

    w = OptimizerWidget(report)
    assert isinstance(w.box, ipywidgets.VBox)
    assert list(w.box.children) == [w.header, w.dropdown, w.tab]
    assert tuple(w.dropdown.options) == ("adam", "sgd") and w.dropdown.value == "adam"
    assert len(w.tab.children) == 3
    assert [_title(w.tab, i) for i in range(3)] == list(TAB_TITLES)
    ways = w.tab.children[0].value
    for way in report.get("adam").ways:
        assert html.escape(way.code) in ways
    assert "sgd" not in ways
    for ns in report.namespaces:
        assert html.escape(ns.name) in w.header.value


def test_changing_the_dropdown_redraws_every_pane(report):
    from kerasmagic.render.widgets import OptimizerWidget

    w = OptimizerWidget(report)
    before = [p.value for p in w.tab.children]
    w.dropdown.value = "sgd"
    after = [p.value for p in w.tab.children]
    assert all(a != b for a, b in zip(after, before))
    for way in report.get("sgd").ways:
        assert html.escape(way.code) in after[0]
    assert "Adam()" not in after[0]
    w.dropdown.value = "adam"
    assert [p.value for p in w.tab.children] == before


def test_defaults_pane_highlights_exactly_the_differing_arguments(report):
    from kerasmagic.render.optimizers import group_columns
    from kerasmagic.render.widgets import OptimizerWidget

    w = OptimizerWidget(report)
    pane = w.tab.children[1].value
    opt = report.get("adam")
    columns = len(group_columns(opt))
    assert pane.count('class="km-diff-cell"') == len(opt.differing) * (columns + 1)
    for key in opt.differing:
        assert f'<span class="km-diff-cell">{key}</span>' in pane
    # tf_keras (new and legacy) next to Keras 3 in colab: their defaults do differ
    if len(opt.groups()) > 2:
        assert opt.differing


def test_habits_pane_shows_each_measured_habit(report):
    from kerasmagic.render.widgets import OptimizerWidget

    w = OptimizerWidget(report)
    pane = w.tab.children[2].value
    for way in report.get("adam").ways:
        for habit in way.habits:
            assert f"{habit.argument}={habit.value}" in pane
            assert habit.outcome in pane


def test_bundle_carries_widget_html_and_text(report):
    from kerasmagic.render.widgets import WIDGET_MIME, OptimizerWidget

    w = OptimizerWidget(report)
    bundle = w.mimebundle()
    assert bundle[WIDGET_MIME]["model_id"] == w.box.model_id
    assert bundle[WIDGET_MIME]["version_major"] == 2
    assert "tf.keras.optimizers.get('adam')" in bundle["text/plain"]
    assert "km-report" in bundle["text/html"]
    json.dumps(bundle)


def test_display_uses_widget_only_with_a_kernel(ipshell, report):
    from IPython.utils.capture import capture_output

    from kerasmagic.render.widgets import WIDGET_MIME, display_optimizers

    with capture_output() as terminal:
        assert display_optimizers(report, ipshell) is None  # no kernel: a terminal IPython
    data = terminal.outputs[0].data
    assert WIDGET_MIME not in data and "text/html" in data and "adam" in data["text/plain"]

    kernel_shell = types.SimpleNamespace(kernel=object())
    with capture_output() as notebook:
        widget = display_optimizers(report, kernel_shell)
    assert widget is not None
    assert notebook.outputs[0].data[WIDGET_MIME]["model_id"] == widget.box.model_id


def test_empty_report_has_no_dropdown():
    from kerasmagic.probes.optimizers import OptimizerReport
    from kerasmagic.render.widgets import OptimizerWidget

    empty = OptimizerReport([], [], "kernel", note="Keras is not installed in this interpreter.")
    w = OptimizerWidget(empty)
    assert list(w.box.children) == [w.header]
    assert "not installed" in w.header.value


def test_loading_and_text_mode_never_import_ipywidgets():
    proc = run_python(
        """
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "kerasmagic")
        print("LOADED", "ipywidgets" in sys.modules, "tensorflow" in sys.modules)
        shell.run_line_magic("keras_optimizers", "adam --text")  # builds here (issue 32, item 2)
        print("IPYWIDGETS", "ipywidgets" in sys.modules)
        """
    )
    out = proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "LOADED False False" in proc.stdout and "IPYWIDGETS False" in proc.stdout, out


def test_blocked_ipywidgets_falls_back_to_html(ipshell, report, monkeypatch):
    import importlib.util

    from IPython.utils.capture import capture_output

    from kerasmagic.render import widgets

    def blocked(name, *args, **kwargs):
        raise ModuleNotFoundError(f"No module named {name!r} (blocked)")

    monkeypatch.setattr(importlib.util, "find_spec", blocked)
    kernel_shell = types.SimpleNamespace(kernel=object())
    assert widgets.has_widget_frontend(kernel_shell) is False
    with capture_output() as shown:
        assert widgets.display_optimizers(report, kernel_shell) is None
    data = shown.outputs[0].data
    assert widgets.WIDGET_MIME not in data and "km-report" in data["text/html"]
