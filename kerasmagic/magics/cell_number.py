"""Name the cell ``%%keras_check`` runs after the cell the user ran (``Cell In[2]``, not ``In[3]``).

IPython 9 counts a cell before running it, so an inner ``run_cell(store_history=False)`` would be
cached under the next number. The traceback's cell name comes from ``shell.compile.cache(code,
number)``; for the inner run only, that number is the outer cell's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def numbered_as(shell: Any, number: int | None) -> Iterator[None]:
    """Within the block, code IPython caches for a cell gets ``number``; no-op when unknown."""
    compiler = getattr(shell, "compile", None)
    original = getattr(compiler, "cache", None)
    if not isinstance(number, int) or original is None or number == shell.execution_count:
        yield
        return

    def cache(transformed_code: str, _number: int = 0, raw_code: str | None = None) -> str:
        return original(transformed_code, number, raw_code)

    try:
        compiler.cache = cache
    except Exception:
        yield
        return
    try:
        yield
    finally:
        if compiler.__dict__.get("cache") is cache:
            del compiler.cache
