"""Showing a report view in the notebook or terminal."""

from __future__ import annotations

from typing import Any


def show(view: Any) -> None:
    """Display ``view``: its MIME bundle (``_repr_mimebundle_``), published as it is.

    ``display(view)`` gives the same output, after asking each of IPython's ten formatters for a
    type the view has no renderer of (a third of the time of showing a diagnosis)."""
    from IPython.display import display

    display(view._repr_mimebundle_(), raw=True)
