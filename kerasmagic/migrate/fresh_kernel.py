"""A cell that still fails after its rewrites runs once more in a fresh kernel, after the cells
before it, as "Restart and Run All" would: the versions that failed can leave state in the kernel
that only a new process clears (a trace that failed leaves Keras's global random seed generator
broken; TensorFlow cannot turn eager execution on again; a model name TensorFlow refused stays on
Keras's name-scope stack). At most ``MAX_RESTARTS`` times per document, and again for the
same cell only when the fresh kernel got further (its next error was fixed, then a state-leaving
failure came after it: two models named in two cells). The modules of the user's corrected so far
run in the new kernel with their corrected source too (``UserModules.moved_to``): a module that
turned eager execution off at its import, corrected, needs a process where it never ran as it
was. A cell that fails unchanged, with
no rule for its error, likewise runs in a fresh kernel when an earlier cell ran more than once in
this one: the failed versions of that cell ran too, and what they left (a training loop's traced
function holding the model it first met, a list appended to twice) is not the notebook's."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from kerasmagic.migrate import results as R

MAX_RESTARTS = 3  # fresh kernels per document


class Kernels:
    """The document's kernels: the one its cells run in, replaced by a fresh one (closed on exit
    of ``stack``) when a cell's failure may be the state that failed versions left."""

    def __init__(self, stack: ExitStack, factory: Callable[[Any], Any], document: Any) -> None:
        self.stack, self.factory, self.document = stack, factory, document
        self.current = stack.enter_context(factory(document))
        self.restarts = 0
        self.closed_seconds = 0.0  # kerasmagic's own time in the kernels closed so far

    @property
    def hidden_seconds(self) -> float:
        return self.closed_seconds + self.current.hidden_seconds

    def run_cell(self, runner: Any, number: int) -> R.CellResult:
        """``runner.cell(number)``, then again in fresh kernels while that may help."""
        cell = runner.cell(number)
        while fresh_kernel_may_help(cell, runner) and runner.may_restart:
            self.restarts += 1
            self.closed_seconds += self.current.hidden_seconds
            failed_with = cell.error
            self.current.close()  # what the failed attempts left in it goes with it
            self.current = self.stack.enter_context(self.factory(self.document))
            cell = in_fresh_kernel(runner, self.current, cell, number)
            # again only when it got further there (the next error: fixed, then failed)
            runner.may_restart = self.restarts < MAX_RESTARTS and cell.error != failed_with
        runner.may_restart = self.restarts < MAX_RESTARTS
        return cell


def fresh_kernel_may_help(cell: R.CellResult, runner: Any) -> bool:
    """A cell rewritten (or an earlier cell rewritten for it, or a module of the user's) that
    still fails. A rewrite whose error came back was kept for that run (the loop's
    ``before_rewrite``); when no fresh kernel is tried, it is undone here."""
    rewritten = bool(cell.changes) or cell.number - 1 in runner.rewrote_earlier_for
    if cell.status == R.FAILED and (rewritten or runner.ran_again or bool(runner.modules.corrected)):
        return True
    if runner.before_rewrite.pop(cell.number - 1, None) is not None:
        cell.final = undo_last(cell, cell.error or "its error")
    return False


def in_fresh_kernel(runner: Any, kernel: Any, cell: R.CellResult, number: int) -> R.CellResult:
    """The cell's last version run again after the cells before it, in ``kernel`` (fresh); its
    result as it was (a kept rewrite undone) when a cell before it fails there."""
    if not runner.restart(kernel):
        if runner.before_rewrite.pop(number, None) is not None:
            cell.final = undo_last(cell, cell.error or "its error")
        cell.notes.append("a fresh kernel did not run the cells before it again; kept as it failed")
        return cell
    failed_with = (cell.error or "an error").strip().splitlines()[0][:160]
    whose = "its" if cell.changes else "earlier cells'"
    again = runner.cell(number, resume=cell)
    if again.status != R.FAILED:
        for change in (c for module in runner.modules.corrected for c in module.changes):
            change.verified = True  # kept for this run (``UserModules.settle``): it ran here
        again.notes.append(
            f"failed with `{failed_with}` in the kernel where {whose} earlier versions had run; "
            "ran in a fresh kernel after the cells before it (as Restart and Run All would)"
        )
    return again


def undo_last(cell: R.CellResult, error: str) -> str:
    """Undo the cell's last rewrite (its error came back when run): the source before it."""
    undone = cell.changes.pop()
    ids = ", ".join(r.get("id", "?") for r in undone.rules) or "a rewrite"
    first = error.strip().splitlines()[0][:160] if error.strip() else error
    cell.notes.append(f"{ids} did not fix `{first}` when run, so it was undone")
    return undone.before
