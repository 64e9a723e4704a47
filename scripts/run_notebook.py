"""Execute a notebook in a real Jupyter kernel and print what every cell showed.

    python scripts/run_notebook.py NOTEBOOK [--html OUT] [--ipynb OUT] [--timeout SECONDS]

The kernel is ``python3`` of the interpreter running this script (jupyter_client starts
``sys.executable -m ipykernel_launcher``), so ``python scripts/envs.py run tf221-k3 -- python
scripts/run_notebook.py notebooks/quickstart.ipynb`` runs the notebook in that environment.
Cells that show an error without failing (``%%keras_check``) do not stop the run; a cell whose
execution really failed is reported and makes the exit status 1, unless it is tagged
``raises-exception``. ``--html`` writes an executed, rendered copy (nbconvert's HTML exporter when
nbconvert is installed, else a plain built-in rendering).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


@dataclass
class CellRun:
    """One executed code cell: its index, source, outputs and the kernel's reply status."""

    index: int
    source: str
    outputs: list[dict[str, Any]]
    status: str
    tags: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """The cell's execution failed (not merely displayed an error) and was not expected to."""
        return self.status == "error" and "raises-exception" not in self.tags


@dataclass
class NotebookRun:
    """An executed notebook: the nbformat node (outputs filled in) and one ``CellRun`` per code cell."""

    path: Path
    notebook: Any
    cells: list[CellRun]
    seconds: float

    @property
    def failed(self) -> list[CellRun]:
        return [c for c in self.cells if c.failed]


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def output_text(output: dict[str, Any]) -> str:
    """The text a reader sees for one output (plain-text view, tracebacks without colour codes)."""
    kind = output.get("output_type")
    if kind == "stream":
        return strip_ansi(output.get("text", ""))
    if kind == "error":
        return strip_ansi("\n".join(output.get("traceback") or [])) or (
            f"{output.get('ename')}: {output.get('evalue')}"
        )
    data = output.get("data", {})
    if "text/plain" in data:
        text = data["text/plain"]
        return strip_ansi(text if isinstance(text, str) else "".join(text))
    return f"[{', '.join(sorted(data))}]"


def execute(
    path: str | Path,
    *,
    timeout: int = 600,
    cwd: str | Path | None = None,
    kernel_stderr: bool = False,
) -> NotebookRun:
    """Run every cell of ``path`` in a fresh ``python3`` kernel of this interpreter.

    The kernel process's own stdout/stderr (start-up and shutdown logs; cell output reaches the
    notebook through ipykernel anyway) are discarded unless ``kernel_stderr``.
    """
    import subprocess

    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    replies: dict[int, tuple[str, float]] = {}
    started: dict[int, float] = {}

    def on_start(cell: Any, cell_index: int, **_: Any) -> None:
        started[cell_index] = time.perf_counter()

    def on_executed(cell: Any, cell_index: int, execute_reply: dict[str, Any], **_: Any) -> None:
        status = (execute_reply or {}).get("content", {}).get("status", "ok")
        replies[cell_index] = (status, time.perf_counter() - started.get(cell_index, 0.0))

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(cwd or path.parent)}},
        on_cell_start=on_start,
        on_cell_executed=on_executed,
    )
    start = time.perf_counter()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    client.execute(**({} if kernel_stderr else quiet))
    seconds = time.perf_counter() - start
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        status, took = replies.get(index, ("not run", 0.0))
        cells.append(
            CellRun(
                index=index,
                source=cell.source,
                outputs=[dict(o) for o in cell.get("outputs", [])],
                status=status,
                tags=list(cell.get("metadata", {}).get("tags", [])),
                seconds=took,
            )
        )
    return NotebookRun(path=path, notebook=nb, cells=cells, seconds=seconds)


def print_run(run: NotebookRun, stream: Any = sys.stdout) -> None:
    """Print each code cell's source head and its text outputs."""
    for cell in run.cells:
        first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        flag = "  ** FAILED **" if cell.failed else ""
        print(f"--- cell {cell.index} ({cell.seconds:.1f} s): {first}{flag}", file=stream)
        for output in cell.outputs:
            text = output_text(output).rstrip("\n")
            if text:
                print(text, file=stream)
    print(
        f"=== {run.path}: {len(run.cells)} code cells in {run.seconds:.1f} s; "
        f"{len(run.failed)} failed",
        file=stream,
    )


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def static_copy(notebook: Any) -> Any:
    """A copy for static pages: a widget output shows its own static view (HTML or text).

    A live widget needs a kernel, and its page-side manager comes from a CDN; a static page that
    relied on it would show an empty output offline. kerasmagic's widgets carry a ``text/html``
    view of the same report, so that view is kept and the widget reference is dropped."""
    import copy

    nb = copy.deepcopy(notebook)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and ({"text/html", "text/plain"} & set(data)):
                del data[WIDGET_VIEW]
    nb.metadata.pop("widgets", None)
    return nb


def to_html(run: NotebookRun) -> str:
    """A rendered, static copy: nbconvert's HTML exporter if installed, else a plain rendering."""
    static = NotebookRun(run.path, static_copy(run.notebook), run.cells, run.seconds)
    try:
        from nbconvert import HTMLExporter
    except ImportError:
        return _plain_html(static)
    body, _ = HTMLExporter().from_notebook_node(static.notebook)
    return body


def _inline(text: str) -> str:
    """Escape ``text`` and render Markdown's inline code, bold, italics and links."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?!\w)", r"<i>\1</i>", out)
    out = re.sub(r"!\[([^\]]*)\]\(([^)]+)\)", r"<img alt='\1' src='\2'>", out)
    return re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"<a href='\2'>\1</a>", out)


def _markdown(source: str) -> str:
    """A small Markdown subset (headings, paragraphs, lists, tables) for the built-in view."""
    blocks = []
    for block in re.split(r"\n\s*\n", source.strip()):
        lines = block.splitlines()
        heading = re.match(r"(#{1,6})\s+(.*)", lines[0])
        if heading and len(lines) == 1:
            level = len(heading.group(1))
            blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif all(line.lstrip().startswith("|") for line in lines):
            rows = [
                [c.strip() for c in line.strip().strip("|").split("|")]
                for line in lines
                if not re.fullmatch(r"[|\s:-]+", line)
            ]
            cells = [
                "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in rows
            ]
            blocks.append("<table>" + "".join(cells) + "</table>")
        elif all(re.match(r"\s*[*-] |\s{2,}", line) for line in lines):
            items = re.split(r"\n\s*[*-] ", "\n" + block)[1:]
            blocks.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
        else:
            blocks.append(f"<p>{_inline(block)}</p>")
    return "\n".join(blocks)


def _plain_html(run: NotebookRun) -> str:
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(run.path.name)}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1.5em;line-height:1.45}"
        "pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap;margin:.3em 0}"
        "pre.in{border-left:3px solid #4a7}pre.err{background:#fdeaea}"
        "table{border-collapse:collapse}td{border:1px solid #ccc;padding:.2em .5em}"
        "code{background:#f0f0f0;padding:0 .2em}</style></head><body>",
    ]
    for cell in run.notebook.cells:
        if cell.cell_type == "markdown":
            parts.append(_markdown(cell.source))
            continue
        if cell.cell_type != "code":
            continue
        parts.append(f"<pre class='in'>{html.escape(cell.source)}</pre>")
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                parts.append(f"<div>{data['text/html']}</div>")
            else:
                err = output.get("output_type") == "error" or output.get("name") == "stderr"
                css = " class='err'" if err else ""
                parts.append(f"<pre{css}>{html.escape(output_text(output))}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook")
    parser.add_argument("--html", metavar="OUT", help="write an executed, rendered HTML copy")
    parser.add_argument("--ipynb", metavar="OUT", help="write the executed notebook")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    parser.add_argument("--json", action="store_true", help="print a JSON summary instead")
    parser.add_argument(
        "--kernel-stderr", action="store_true", help="let the kernel process log to this stderr"
    )
    args = parser.parse_args(argv)
    run = execute(args.notebook, timeout=args.timeout, kernel_stderr=args.kernel_stderr)
    if args.json:
        summary = {
            "notebook": str(run.path),
            "python": sys.executable,
            "seconds": round(run.seconds, 1),
            "cells": [
                {"index": c.index, "status": c.status, "seconds": round(c.seconds, 2)}
                for c in run.cells
            ],
            "failed": [c.index for c in run.failed],
        }
        print(json.dumps(summary, indent=2))
    else:
        print_run(run)
    if args.ipynb:
        import nbformat

        nbformat.write(run.notebook, args.ipynb)
    if args.html:
        Path(args.html).write_text(to_html(run), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
