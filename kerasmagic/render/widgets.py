"""The optimizer report as an ipywidgets UI (ipywidgets 7.7 and 8), static HTML or text otherwise.

A dropdown of optimizer names; tabs for the ways of asking, the defaults side by side (differences
highlighted) and the old habits; changing the dropdown redraws the tabs. ipywidgets is imported
only here, only when a notebook front end may show it. The displayed bundle carries text/plain and
text/html besides the widget view, so a front end without the widget manager shows the HTML.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any

from kerasmagic.render import base
from kerasmagic.render import html as h
from kerasmagic.render import optimizers as r

if TYPE_CHECKING:
    from kerasmagic.probes.optimizer_report import OptimizerReport

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
TAB_TITLES = ("Ways of asking", "Defaults (diff)", "lr / decay habits")


def has_widget_frontend(shell: Any) -> bool:
    """A kernel (Jupyter, Colab) with ipywidgets installed; a terminal IPython has no front end."""
    if shell is None or getattr(shell, "kernel", None) is None:
        return False
    try:
        return importlib.util.find_spec("ipywidgets") is not None
    except (ImportError, ValueError):  # a broken or blocked install: no widgets
        return False


def _panes(report: OptimizerReport, name: str) -> tuple[str, str, str]:
    opt = report.get(name)
    if opt is None:
        return ("<div>no such optimizer in this report</div>",) * 3  # type: ignore[return-value]
    ways = h.wrap(f"{opt.name}: what each way gives", r.optimizer_ways_html(opt))
    defaults = h.wrap(
        f"{opt.name}: constructor defaults", r.defaults_html(opt) or "<div>none</div>"
    )
    rows = r.habit_rows(opt)
    habits_body = h.table(r.HABIT_HEADERS, rows) if rows else "<div>no class constructed here</div>"
    habits = h.wrap(f"{opt.name}: what lr= and decay= do here", habits_body)
    return ways, defaults, habits


class OptimizerWidget:
    """The widget tree for one report; ``box`` is what gets displayed."""

    def __init__(self, report: OptimizerReport) -> None:
        import ipywidgets as w

        self.report = report
        header = r.optimizers_header_html(report)
        self.header = w.HTML(value=header)
        names = report.names
        self.dropdown = w.Dropdown(
            options=names, value=names[0] if names else None, description="optimizer"
        )
        self.panes = [w.HTML(value="") for _ in TAB_TITLES]
        self.tab = w.Tab(children=self.panes)
        for i, title in enumerate(TAB_TITLES):
            self.tab.set_title(i, title)
        self.dropdown.observe(self._on_change, names="value")
        children = [self.header]
        if report.model is not None:
            children.append(w.HTML(value=r.model_html(report)))
        if names:
            children += [self.dropdown, self.tab]
        self.box = w.VBox(children=children)
        self.show(self.dropdown.value)

    def _on_change(self, change: dict[str, Any]) -> None:
        self.show(change["new"])

    def show(self, name: str | None) -> None:
        if name is None:
            return
        for pane, value in zip(self.panes, _panes(self.report, name)):
            pane.value = value

    def mimebundle(self) -> dict[str, Any]:
        """The widget view plus text and HTML for front ends without the widget manager."""
        # the widget is the richest view: no JSON beside it
        bundle = r.OptimizerView(self.report)._repr_mimebundle_(
            exclude=(base.JSON, base.REPORT_JSON)
        )
        bundle[WIDGET_MIME] = {
            "version_major": 2,
            "version_minor": 0,
            "model_id": self.box.model_id,
        }
        return bundle


def display_optimizers(report: OptimizerReport, shell: Any = None) -> OptimizerWidget | None:
    """Show the report: widget in a notebook kernel, else its MIME bundle (HTML or text)."""
    from IPython.display import display

    if has_widget_frontend(shell):
        try:
            widget = OptimizerWidget(report)
        except Exception as exc:  # a broken widget stack must not hide the answer
            report.problems.append(f"widget view failed: {type(exc).__name__}: {exc}")
        else:
            display(widget.mimebundle(), raw=True)
            return widget
    display(r.OptimizerView(report))
    return None
