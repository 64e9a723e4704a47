"""Static mode: the certain source rewrites of a document's cells, nothing executed (all of a
document with ``--static``; in run mode, the cells after the one where running stopped)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kerasmagic.migrate import linter
from kerasmagic.migrate import results as R
from kerasmagic.migrate.sources import Document

Progress = Callable[[str], None]


def quiet(line: str) -> None:
    pass


def cell_result(document: Document, number: int) -> R.CellResult:
    source = document.cells[number]
    return R.CellResult(number + 1, document.code_indices[number], source, source)


def user_folders_of(kernel: Any) -> list[str] | None:
    """The folders whose modules are the user's, as the kernel's code left ``sys.path`` (None
    when the kernel cannot answer: then the document's folder)."""
    try:
        return list(kernel.call("user_folders_here").get("folders") or []) or None
    except RuntimeError:  # KernelSideError: the kernel is gone or did not answer
        return None


def static_cells(
    document: Document,
    numbers: list[int],
    python: str | None,
    status: str,
    into: list[R.CellResult],
    folders: list[str] | None = None,
) -> dict[str, str]:
    """Static fixes for the cells ``numbers`` (the last ones), appended to ``into`` (the cells
    before them, whose Keras imports the rewrites may rely on); returns the versions.
    ``folders``: where the user's own modules are (default: the document's folder)."""
    sources = [document.cells[n] for n in numbers]
    if folders is None:
        folders = [str(document.path.parent.resolve())]
    docs = linter.lint_sources(sources, python, [c.final for c in into], folders)
    versions: dict[str, str] = {}
    for n, doc in zip(numbers, docs):
        cell = cell_result(document, n)
        cell.status = status if cell.original.strip() else R.EMPTY
        fixed = doc.get("fixed_source")
        if fixed and fixed != cell.original:
            cell.changes.append(R.Change(cell.original, fixed, "static", doc.get("rules") or []))
            cell.final = fixed
        cell.left = doc.get("left") or []
        if doc.get("internal_error"):
            cell.notes.append(
                f"kerasmagic failed on this cell: {doc['internal_error'].strip().splitlines()[-1]}"
            )
        versions = doc.get("versions") or versions
        into.append(cell)
    return versions


def migrate_static(
    document: Document, python: str | None = None, progress: Progress = quiet
) -> R.DocumentResult:
    """Only the certain source rewrites; nothing is executed."""
    start = time.perf_counter()
    result = R.DocumentResult(str(document.path), document.source.kind, "static", python=python)
    numbers = list(range(len(document.cells)))
    result.versions = static_cells(document, numbers, python, R.STATIC, result.cells)
    result.seconds = time.perf_counter() - start
    changed = sum(c.changed for c in result.cells)
    result.status = "migrated" if changed else "unchanged"
    result.message = (
        f"{changed} of {len(result.cells)} cell(s) rewritten statically (not run)"
        if changed
        else "no static rewrite applies"
    )
    progress(
        f"{document.path}: static, {len(result.cells)} cell(s), {changed} changed ({result.seconds:.2f} s)"
    )
    return result
