"""Which front end sent the running cell, read from the kernel's current execute request.

A front end answers a ``set_next_input`` payload (what ``%%keras_check --fix`` uses to put the
corrected cell in the notebook) in its own way, measured in a real browser
(``tests/test_check_fix_browser.py``): JupyterLab 3/4 and Notebook 7 (one notebook code) apply it
only when the execute reply is "ok" and send ``deletedCells`` and ``recordTiming`` in the request's
metadata; the classic Notebook applies it whatever the reply and sends ``{}``; a terminal IPython
puts it in the next prompt. Nothing here is guessed from the environment: only the request says.
"""

from __future__ import annotations

from typing import Any

from kerasmagic.probes.loaded import attribute

# what JupyterLab's notebook (``@jupyterlab/notebook`` runCell, also Notebook 7's) adds to the
# metadata of every execute request, and no other front end measured here does
JUPYTERLAB_KEYS = ("deletedCells", "recordTiming")


def request_metadata(shell: Any) -> dict[str, Any] | None:
    """The metadata of the execute request being answered; None outside a kernel (a terminal
    IPython, plain Python) or where the kernel does not keep its parent message."""
    kernel = attribute(shell, "kernel")
    get_parent = attribute(kernel, "get_parent")
    if not callable(get_parent):
        return None
    try:
        parent = get_parent("shell")
    except Exception:
        return None
    metadata = parent.get("metadata") if isinstance(parent, dict) else None
    return metadata if isinstance(metadata, dict) else None


def next_input_only_on_ok(shell: Any) -> bool:
    """The front end applies ``set_next_input`` only to a cell whose reply is "ok" (JupyterLab's
    notebook, Notebook 7): there a cell must not count as failed for its fix to land."""
    metadata = request_metadata(shell)
    return metadata is not None and all(key in metadata for key in JUPYTERLAB_KEYS)


def in_kernel(shell: Any) -> bool:
    """A Jupyter kernel answers the cell (a front end decides what a payload does)."""
    return attribute(shell, "kernel") is not None
