"""Running a cell in-process as IPython runs it, for the tests that diagnose it afterwards."""

from __future__ import annotations

import linecache


def run_as_cell(source: str, filename: str, namespace: dict) -> None:
    """Execute ``source`` in ``namespace``, its lines kept in ``linecache`` under ``filename`` as
    IPython keeps a cell's (tracebacks and the engine read them there)."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
