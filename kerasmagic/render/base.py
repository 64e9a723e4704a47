"""One report, many views: a ``View`` wraps a report dataclass and renders it by MIME type.

The env, check and optimizer reports are plain dataclasses built by probes and diagnosis, which
never import this package. The shells (magics, ``__main__``, ``kerasmagic.check()``) wrap them in
a view to display them. Each view class names one renderer per MIME type (``RENDERERS``);
``_repr_mimebundle_`` honours IPython's ``include``/``exclude``, and a renderer that fails degrades
to a note in the other views instead of hiding the report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Mapping
from typing import Any, ClassVar

TEXT, HTML, MARKDOWN, JSON = "text/plain", "text/html", "text/markdown", "application/json"
# The report's JSON under a type no front end renders. JupyterLab ranks its JSON tree viewer
# above HTML (rank 0 against 50), so a bundle with application/json shows every report there as
# a JSON tree: application/json is rendered only when asked for (``include``); scripts and
# tests read the displayed data from REPORT_JSON (the same document).
REPORT_JSON = "application/vnd.kerasmagic.report+json"
MIME_TYPES = (TEXT, HTML, MARKDOWN, JSON, REPORT_JSON)
ON_REQUEST = (JSON,)  # left out of a bundle unless ``include`` names it

Renderer = Callable[[Any], Any]


def report_json(report: Any) -> dict[str, Any]:
    """The report's ``to_dict()`` as JSON-safe data (anything else becomes its ``str``)."""
    return json.loads(json.dumps(report.to_dict(), default=str))


def _failure_note(mime: str, exc: BaseException) -> str:
    return f"kerasmagic: the {mime} view failed ({type(exc).__name__}: {exc}); the others stand"


def _with_notes(mime: str, value: Any, notes: list[str]) -> Any:
    """A view's value with the failure notes of the other views added in its own format."""
    if not notes or not isinstance(value, str):
        return value
    if mime == HTML:
        from kerasmagic.render.html import esc

        return value + "".join(f"<div><small>{esc(n)}</small></div>" for n in notes)
    return value + "".join(f"\n\n{n}" for n in notes)


def mimebundle(
    report: Any,
    renderers: Mapping[str, Renderer],
    include: Container[str] | None = None,
    exclude: Container[str] | None = None,
) -> dict[str, Any]:
    """The requested views of ``report`` (all but ``ON_REQUEST`` when ``include`` is None); a
    renderer's failure becomes a note in the others.

    When every requested view fails, ``text/plain`` carries the notes and the report's JSON, so
    the report itself is never lost."""
    bundle: dict[str, Any] = {}
    notes: list[str] = []
    for mime, render in renderers.items():
        if include is None and mime in ON_REQUEST:
            continue
        if include is not None and mime not in include:
            continue
        if exclude is not None and mime in exclude:
            continue
        try:
            bundle[mime] = render(report)
        except Exception as exc:  # a broken view must not hide the report
            notes.append(_failure_note(mime, exc))
    if not bundle and notes:
        try:
            data = json.dumps(report_json(report), indent=2)
        except Exception as exc:
            data = f"(and its JSON failed too: {type(exc).__name__}: {exc})"
        bundle[TEXT] = "\n".join(notes) + "\n" + data
        return bundle
    return {mime: _with_notes(mime, value, notes) for mime, value in bundle.items()}


class View:
    """A report dataclass with its views: ``str()`` is the text, notebooks get the MIME bundle.

    Attribute access falls through to the report (``view.fixed_source``, ``view.to_dict()``), so a
    shell can hand the view to the user where the dataclass used to go; ``view.report`` is the
    dataclass itself."""

    RENDERERS: ClassVar[Mapping[str, Renderer]] = {}

    def __init__(self, report: Any) -> None:
        self.report = report

    def __getattr__(self, name: str) -> Any:
        if name == "report" or name.startswith("__"):
            raise AttributeError(name)  # not set yet (copy, pickle) or a dunder probe
        return getattr(self.report, name)

    def render(self, mime: str) -> Any:
        """One view by MIME type (raises what its renderer raises)."""
        return self.RENDERERS[mime](self.report)

    def to_text(self) -> str:
        return str(self.render(TEXT))

    def to_html(self) -> str:
        return str(self.render(HTML))

    def to_markdown(self) -> str:
        """The bug-report snippet: versions, findings and fixes as Markdown."""
        return str(self.render(MARKDOWN))

    def to_json(self) -> dict[str, Any]:
        return report_json(self.report)

    def _repr_mimebundle_(
        self, include: Container[str] | None = None, exclude: Container[str] | None = None
    ) -> dict[str, Any]:
        return mimebundle(self.report, self.RENDERERS, include, exclude)

    def __str__(self) -> str:
        return str(mimebundle(self.report, self.RENDERERS, include=(TEXT,))[TEXT])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.report).__name__})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))
