"""Running a cell in-process as IPython runs it, for the tests that diagnose it afterwards."""

from __future__ import annotations

import importlib.util
import linecache

import pytest

# an in-process test of a Keras 3 behaviour: skipped where the importable keras is not Keras 3
keras3 = pytest.mark.skipif(
    importlib.util.find_spec("keras") is None
    or not __import__("keras").__version__.startswith("3"),
    reason="needs Keras 3",
)


def run_as_cell(source: str, filename: str, namespace: dict) -> None:
    """Execute ``source`` in ``namespace``, its lines kept in ``linecache`` under ``filename`` as
    IPython keeps a cell's (tracebacks and the engine read them there)."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
