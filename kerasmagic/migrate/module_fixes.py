"""The user's own modules that a document's cells failed in, corrected during one migrate run.

A cell's error raised in a module beside the document (its ``utils.py``, its ``core/model.py``)
comes back from the kernel with the module's corrected source (``origins.module_origin``).
The kernel then runs that module with it (``kernel_side.correct_module``; the file itself is
never touched), the cells that imported the user's modules run again from the first of them,
and the failing cell runs again. A change that did not remove its error is undone. The corrected
modules are written where the document's copy goes (``cli``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from kerasmagic.migrate import results as R
from kerasmagic.migrate.sources import Document

Rerun = Callable[[set[str]], None]  # run again the cells that import one of these modules


def _fails_on_its_line(change: R.Change, entry: R.ModuleResult, raised_in: Any) -> bool:
    """Was the error now raised in the module on a line ``change`` wrote?"""
    if not isinstance(raised_in, list) or len(raised_in) != 2 or raised_in[0] != entry.path:
        return False
    written = {ln.strip() for ln in change.after.splitlines()} - {ln.strip() for ln in change.before.splitlines()}  # fmt: skip
    return bool(raised_in[1]) and raised_in[1] in written


def _takes_a_fresh_process(change: R.Change) -> bool:
    """Is one of the change's fixes one that only a new process can show (its catalogue entry's
    ``fresh_process``: eager execution turned off at the module's import)?"""
    from kerasmagic.knowledge.catalogue import find_entry

    entries = [find_entry(str(rule.get("id"))) for rule in change.rules if isinstance(rule, dict)]
    return any(e is not None and e.data.get("fresh_process") for e in entries)


class UserModules:
    """The modules of the user's corrected so far in one document's kernel."""

    def __init__(self, document: Document, kernel: Any, progress: Callable[[str], None]) -> None:
        self.document = document
        self.kernel = kernel
        self.progress = progress
        self.corrected: list[R.ModuleResult] = []  # in the order first corrected
        self.places: dict[int, Any] = {}  # id of a change → where its error was raised
        self.rejected: dict[str, set[str]] = {}  # a module's path → the sources undone

    def _entry(self, module: dict[str, Any]) -> R.ModuleResult | None:
        path, source = module.get("path"), module.get("source")
        found = next((m for m in self.corrected if m.path == path), None)
        if found is not None or not isinstance(path, str) or not isinstance(source, str):
            return found
        return R.ModuleResult(path, self._relative(path), source, source, self.place_of(path, module.get("imported")))  # fmt: skip

    def _relative(self, path: str) -> str:
        """``path`` relative to the document's folder (``..`` where the module is above it)."""
        return os.path.relpath(os.path.realpath(path), self.document.path.parent.resolve())

    def place_of(self, path: str, imported: object) -> str:
        """Where the copy of the user's module ``path`` goes, relative to the document's copy: at
        its place relative to the document when it lies below the folder migrated (the folder
        named on the command line, else the document's); else, reached by the document's code
        through ``sys.path`` (``sys.path.append('..')``), at its import path (``util/plots.py``),
        where the copy, which imports from its own folder first, finds it, nothing written
        outside OUT_DIR."""
        top = os.path.realpath(self.document.source.root or self.document.path.parent)
        below = os.path.commonpath([os.path.realpath(path), top]) == top
        return imported if not below and isinstance(imported, str) and imported else self._relative(path)  # fmt: skip

    def fix(self, module: dict[str, Any], error: str, number: int, rerun: Rerun) -> R.ModuleResult | None:  # fmt: skip
        """Run the module's corrected source from now on; the module's result, its new change
        last, or None when there is nothing new to try (the cell then stops as before)."""
        entry, fixed = self._entry(module), module.get("fixed_source")
        if entry is None or not isinstance(fixed, str) or fixed == entry.final:
            return None
        tried = {c.after for c in entry.changes} | self.rejected.get(entry.path, set())
        forgotten = None if fixed in tried else self._serve(entry.path, fixed)
        if forgotten is None:
            return None
        trigger = module.get("trigger") or "error"
        change = R.Change(entry.final, fixed, trigger, module.get("rules") or [], error)
        self.places[id(change)] = module.get("raised_in")
        entry.changes.append(change)
        entry.final = fixed
        entry.cells = sorted({*entry.cells, number + 1})
        if entry not in self.corrected:
            self.corrected.append(entry)
        self.progress(
            f"{self.document.path} [{number + 1}/{len(self.document.cells)}] failed in the "
            f"user's module {entry.relative}: corrected there; the cell runs again"
        )
        rerun({name.split(".")[0] for name in forgotten})  # every module of the user's is new
        return entry

    def settle(self, entry: R.ModuleResult, cell: R.CellResult, raised_in: Any, repeated: bool, rerun: Rerun) -> None:  # fmt: skip
        """The cell ran again over the module's last change: verified when the error it was made
        for is gone (the cell ran, or failed otherwise, or in another place of the user's
        modules) and the cell does not now fail on a line the change wrote; else undone, the
        kernel running the module as it was before it."""
        change = entry.changes[-1]
        if not (repeated and raised_in == self.places.get(id(change))) and not _fails_on_its_line(change, entry, raised_in):  # fmt: skip
            change.verified = True
            return
        if repeated and _takes_a_fresh_process(change):
            return  # kept for the fresh kernel the cell runs in next (``fresh_kernel.py``)
        undone = entry.changes.pop()
        self.places.pop(id(undone), None)
        self.rejected.setdefault(entry.path, set()).add(undone.after)
        entry.final = undone.before
        forgotten = self._serve(entry.path, entry.final)
        rerun({name.split(".")[0] for name in forgotten or ()})
        if not entry.changes:
            self.corrected.remove(entry)
        ids = ", ".join(r.get("id", "?") for r in undone.rules) or "a rewrite"
        cell.notes.append(
            f"{ids} in {entry.relative} did not fix `{undone.error}` when run, so it was undone"
        )

    def moved_to(self, kernel: Any) -> None:
        """The document goes on in ``kernel``, a fresh one: each module corrected so far runs
        there with its last corrected source too (the cells about to run again import it)."""
        self.kernel = kernel
        for entry in self.corrected:
            self._serve(entry.path, entry.final)

    def _serve(self, path: str, source: str) -> list[str] | None:
        """The kernel runs the module ``path`` with ``source`` from now on: the names of the
        user's modules it forgot (imported again next time), or None when it could not."""
        from kerasmagic.migrate.kernel import KernelSideError

        try:
            answer = self.kernel.call("correct_module", path, source)
        except KernelSideError:
            return None
        forgotten = answer.get("forgotten")
        return forgotten if isinstance(forgotten, list) else None

    def others(self) -> dict[str, str]:
        """When a module was corrected: the other modules of the user's the kernel imported,
        relative to the document's folder, each with where its copy goes (``place_of``: the
        copy in OUT_DIR needs them beside the corrected ones, as it imports from its own
        folder)."""
        if not self.corrected:
            return {}
        from kerasmagic.migrate.kernel import KernelSideError

        try:
            files = self.kernel.call("user_module_files").get("imported") or {}
        except KernelSideError:
            return {}
        ours = {os.path.realpath(m.path) for m in self.corrected}
        return {
            self._relative(f): self.place_of(f, imported)
            for f, imported in files.items()
            if os.path.realpath(f) not in ours
        }
