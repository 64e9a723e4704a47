"""One real kernel for a test module (the ``kernel`` fixture of conftest.py), cells run one at a time (nbclient's kernel kept open), and
what a cell showed: the corrected cell of a diagnosis, the text a working cell printed."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from kerasmagic.render.base import REPORT_JSON


class Kernel:
    """One real kernel; cells run one at a time, so a corrected cell can be run after it is
    shown (nbclient's kernel kept open)."""

    def __init__(self, client: NotebookClient) -> None:
        self.client = client

    def run(self, source: str) -> list[dict]:
        cell = nbformat.v4.new_code_cell(source)
        self.client.nb.cells.append(cell)
        self.client.execute_cell(cell, len(self.client.nb.cells) - 1)
        return cell.outputs


def open_kernel():
    """A kernel for one test module (conftest's ``kernel`` fixture)."""
    client = NotebookClient(
        nbformat.v4.new_notebook(), timeout=300, kernel_name="python3", allow_errors=True
    )
    with client.setup_kernel():
        yield Kernel(client)


def fixed_source(outputs: list[dict]) -> str | None:
    """The corrected cell of the diagnosis displayed after the user's traceback."""
    assert any(o["output_type"] == "error" for o in outputs), outputs
    reports = [o["data"][REPORT_JSON] for o in outputs if REPORT_JSON in o.get("data", {})]
    assert reports, outputs
    return (reports[-1].get("fixed_source") or "").strip() or None


def printed(outputs: list[dict]) -> str:
    assert not any(o["output_type"] == "error" for o in outputs), outputs
    return "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")
