"""Migrate one document: run it cell by cell, fixing what fails, or rewrite it statically.

Run mode: each cell runs in the document's fresh kernel; on an error the engine (in the kernel)
diagnoses it, and its corrected cell replaces the cell and runs again in the same kernel, round
after round while each fix reveals the next error. After a cell runs, a silent trap with a
certain rewrite is fixed the same way. A failure without a fix stops the run: it is reported in
plain words and the cells after it get only static fixes, marked not run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from kerasmagic.migrate import installs
from kerasmagic.migrate import results as R
from kerasmagic.migrate.across import carried_round, stuck_round, tried_earlier
from kerasmagic.migrate.failures import Failure, line_text
from kerasmagic.migrate.fresh_kernel import Kernels, undo_last
from kerasmagic.migrate.layer_names import FirstRuns
from kerasmagic.migrate.module_fixes import UserModules
from kerasmagic.migrate.rerun import accumulated, binders
from kerasmagic.migrate.sources import (
    Document,
    as_written,
    bound_names,
    grown_names,
    imported_tops,
    same_cell_code,
)
from kerasmagic.migrate.static_cells import (
    Progress,
    cell_result,
    quiet,
    static_cells,
    user_folders_of,
)
from kerasmagic.migrate.stop_words import describe, stop_message

MAX_ROUNDS = 16  # rewrites of one cell in one run (error → fix → next error → fix …): a script
# whose body is one `if __name__ == "__main__":` block is one cell, often with a dozen problems


class _Runner:
    """The run of one document in one kernel."""

    def __init__(self, document: Document, kernel: Any, progress: Progress, done: list[R.CellResult] | None = None) -> None:  # fmt: skip
        self.document = document
        self.kernel = kernel
        self.progress = progress
        self.is_script = document.notebook is None
        self.count = 0
        self.filename = str(document.path.resolve())
        self.done = done if done is not None else []  # the cells run before, in order
        self.modules = UserModules(document, kernel, progress)
        # per cell: each fix → its version across cells (earlier cells changed), applied once it ran
        self.across: dict[int, dict[str, tuple[dict[str, Any], dict, str]]] = {}
        self.rewrote_earlier_for: set[int] = set()  # cells an earlier cell was rewritten for
        self.may_restart = False  # a cell that still fails may run again in a fresh kernel
        self.ran_again = False  # a cell ran more than once in this kernel (a version that failed)
        self.before_rewrite: dict[int, Failure] = {}
        self.first_runs = FirstRuns()  # automatic layer names as a first run gives them

    def _fix_earlier(self, origin: dict[str, Any], error: str, depth: int = 0) -> R.CellResult | None:  # fmt: skip
        """The error of this cell was raised in code or a value an earlier cell made: that cell's
        corrected version, run again in the kernel. Failing in code a still earlier cell defines
        (a layer's ``build`` written for Keras 2), that cell is corrected first, the same way;
        failing on a name it consumed (``del model``), the cells from the one binding it run
        again first (``rerun.binders``). The earlier cell, rewritten, or None."""
        source, fixed = origin.get("source"), origin.get("fixed_source")
        if not source or not fixed:
            return None
        for earlier in reversed(self.done):
            runnable, originals = installs.neutralize(earlier.final)
            if not same_cell_code(runnable, source):
                continue
            fixed = as_written(fixed, runnable, source)
            refill = accumulated(self.done, earlier)  # it adds to what a cell above made
            if refill and not self._run_again(refill):
                return None
            self.count += 1
            run = self._execute(fixed, earlier.number - 1)
            if run.status == "error" and depth < 2 and self._fix_before(earlier, fixed, run, depth):
                self.count += 1
                run = self._execute(fixed, earlier.number - 1)
            again = binders(self.done, earlier, run.error) if run.status == "error" else []
            if again and self._run_again(again):
                self.count += 1
                run = self._execute(fixed, earlier.number - 1)
            if run.status != "ok":
                return None  # the kernel keeps the old definitions; this cell stops as before
            new = installs.restore(fixed, originals)
            change = R.Change(earlier.final, new, "error", origin.get("rules") or [], error)
            change.verified = True
            earlier.changes.append(change)
            earlier.final, earlier.status, earlier.outputs = new, R.FIXED, run.outputs
            earlier.execution_count = self.count
            why = f"rewritten when cell {len(self.done) + 1} failed on code or a value this cell made"  # fmt: skip
            if origin.get("fixed_earlier") and origin.get("fixed_across"):
                # its fix bound a value again at its top: the notebook gets the cells where the
                # value is made changed instead, as for a cell's own fix
                earlier.final = self._across(earlier, change, origin, originals, error)
                if not runnable.endswith("\n"):  # the cell's last line as it was written
                    earlier.final = change.after = earlier.final.rstrip("\n")
            if change.before == earlier.final:  # only the cells before it changed
                earlier.changes.pop()
                earlier.status = R.FIXED if earlier.final != earlier.original else R.OK
                why = f"a value it uses changed where it is made, when cell {len(self.done) + 1} failed"  # fmt: skip
            else:
                earlier.notes.append(why)
            self.rewrote_earlier_for.add(len(self.done))
            self.progress(  # its own line said "ok" when it ran: say what changed
                f"{self.document.path} [{earlier.number}/{len(self.document.cells)}] "
                f"{describe(earlier)}: {why}"
            )
            # the cells after it may hold objects made from the old definitions (a model whose
            # Lambda calls the old function): they run again, in order, as "Run All Below" would
            self._run_again(self.done[self.done.index(earlier) + 1 :], or_all=True)
            return earlier
        return None

    def _fix_before(self, earlier: R.CellResult, fixed: str, run: Any, depth: int) -> bool:
        """The corrected ``earlier`` cell failed: is the error's origin a still earlier cell that
        a fix corrects (and was it corrected)?"""
        index = self.done.index(earlier)
        try:
            doc = self.kernel.call("after_failure", fixed, None, [c.final for c in self.done[:index]], [])  # fmt: skip
        except Exception:
            return False
        origin = doc.get("origin")
        if not origin or origin.get("source") == earlier.final:
            return False
        return self._fix_earlier(origin, run.error or "an error", depth + 1) is not None

    def _across(self, cell: R.CellResult, change: R.Change, doc: dict, originals: dict,
                error: str) -> str:  # fmt: skip
        """The fix that ran bound a value again at the cell's top; the notebook gets instead the
        earlier cells changed where the value is made (no cell since read it: the engine checks)
        and this cell as ``fixed_across``. Returns this cell's new source."""
        for key, new in sorted(doc["fixed_earlier"].items()):
            earlier = self.done[int(key)] if 0 <= int(key) < len(self.done) else None
            if earlier is None or new == earlier.final:
                continue
            kind = "error" if error else "trap"  # no error: a silent trap the cell fell into
            moved = R.Change(earlier.final, new, kind, doc.get("rules") or [], error or None)
            moved.verified = True  # the value it now makes is the one cell N ran with
            earlier.changes.append(moved)
            earlier.final, earlier.status = new, R.FIXED
            when = "failed" if error else "fell into a silent trap"
            earlier.notes.append(
                f"changed where a value cell {cell.number} uses is made, when that cell {when}; "
                f"cell {cell.number} ran with the new value"
            )
        change.after = installs.restore(doc["fixed_across"], originals)
        return change.after

    def _rerun_importers(self, tops: set[str]) -> None:
        """The cells from the first that imports one of the modules ``tops`` run again."""
        first = next((i for i, c in enumerate(self.done) if tops & imported_tops(c.final)), None)
        if first is not None:
            self._run_again(self.done[first:], or_all=True)

    def _replay_for(self, source: str) -> None:
        """Before a cell runs again: the earlier cells from the newest one that binds a name the
        cell grows (``model.add(...)``) run again, in order, as "Run All Above" would. Keras 3's
        ``Sequential.add`` keeps the layer whose build failed, so a corrected cell run over the
        same model would meet the old layer again (or, after a run that succeeded, add its
        layers twice)."""
        grown = grown_names(source)
        start = next(
            (i for i in range(len(self.done) - 1, -1, -1) if grown & bound_names(self.done[i].final)),
            None,
        )  # fmt: skip
        if start is not None:
            self._run_again(self.done[start:])

    def _run_again(self, cells: list[R.CellResult], or_all: bool = False) -> bool:
        """Run ``cells`` (done before) again, in order, with their final sources; stop at the
        first that fails (what it left behind is what the next cell meets). ``or_all``: when one
        fails, every cell done runs again from the top, as "Restart and Run All" would (the
        cells rerun met an object an earlier cell made for the old code: an optimizer built for
        the model a corrected cell builds anew). Whether the last run of them all succeeded."""
        for done in cells:
            if not done.final.strip() or not done.ran:
                continue
            self.count += 1
            again = self._execute(installs.neutralize(done.final)[0], done.number - 1)
            done.outputs, done.execution_count = again.outputs, self.count
            if again.status != "ok":
                return or_all and cells != self.done and self._run_again(self.done)
        return True

    def _execute(self, source: str, number: int) -> Any:
        self.first_runs.before_run(self.kernel, number)
        return self.kernel.run(source, number, self.count)

    def _ask(self, name: str, source: str) -> dict[str, Any]:
        from kerasmagic.migrate.kernel import KernelSideError

        try:
            # the cells after it: what a fix must not break (a rate scheduler blocks later)
            later = self.document.cells[len(self.done) + 1 :]
            if name == "after_failure":  # the cells before it: where its values may come from
                return self.kernel.call(name, source, None, [c.final for c in self.done], later)
            return self.kernel.call(name, source, later, [c.final for c in self.done])
        except KernelSideError as exc:  # kerasmagic's own call failed: the cell gets no fix
            return {"internal_error": str(exc)}

    def prepare(self) -> None:
        """What the kernel needs before the first cell: the user's folder (its modules are the
        user's) and, for a script, the context ``python FILE`` gives."""
        root = self.document.source.root or self.document.path.parent
        self.kernel.call("user_root", str(root.resolve()), namespace=True)
        if self.is_script:  # its blocks run as cells, in the context `python FILE` gives
            self.kernel.call("enter_script", self.filename, namespace=True)

    def restart(self, kernel: Any) -> bool:
        """Go on in ``kernel``, a fresh one: the cells done so far run again in it, in order, as
        "Restart and Run All" would. Whether they all ran."""
        self.kernel, self.first_runs, self.ran_again = kernel, FirstRuns(), False
        self.prepare()
        self.modules.moved_to(kernel)  # the user's modules corrected so far: served there too
        return self._run_again(self.done)

    def cell(self, number: int, resume: R.CellResult | None = None) -> R.CellResult:
        """Run cell ``number``, fixing what fails; ``resume``: its result so far, run again from
        its last version (in a fresh kernel)."""
        cell = resume or cell_result(self.document, number)
        if not cell.original.strip():
            cell.status = R.EMPTY
            return cell
        self.count += 1
        current = cell.final if resume else cell.original
        tried = {cell.original, *(c.after for c in cell.changes)}
        # resumed in a fresh kernel: the failure its last rewrite was made for, to compare with
        failures: list[Failure] = [self.before_rewrite.pop(number)] if number in self.before_rewrite else []  # fmt: skip
        across = self.across.setdefault(number, {})  # kept for a run again in a fresh kernel
        in_module: R.ModuleResult | None = None  # the module corrected for the run before
        ran_already: Any = None  # this round's run, made while trying an earlier cell's change
        earlier_changed = False  # the round before corrected an earlier cell (``_fix_earlier``)
        start = time.perf_counter() - (resume.seconds if resume else 0.0)
        for _round in range(MAX_ROUNDS + 1):
            runnable, originals = installs.neutralize(current)
            if _round and ran_already is None:  # the run before may have grown an earlier cell's model: start it again
                self.ran_again = True
                self._replay_for(runnable)
            run, ran_already = ran_already or self._execute(runnable, number), None
            cell.ran, cell.outputs, cell.execution_count = True, run.outputs, self.count
            if run.status in ("timeout", "dead"):
                cell.status = R.TIMEOUT if run.status == "timeout" else R.DEAD
                cell.error = (
                    run.evalue
                    if run.status == "timeout"
                    else "the kernel died while running this cell"
                )
                break
            ask = "after_success" if run.status == "ok" else "after_failure"
            doc = self._ask(ask, runnable)
            module_tried = in_module is not None  # the run before tried a module's change
            if in_module is not None:  # did the module's change remove the error it was made for?
                again = Failure(run.error or "", line_text(runnable, run.cell_line), runnable)
                self.modules.settle(in_module, cell, doc.get("raised_in"),
                                    run.status == "error" and again.repeats(failures[-1]),
                                    self._rerun_importers)  # fmt: skip
                in_module = None
            fixed = doc.get("fixed_source")
            fixed = installs.restore(fixed, originals) if fixed else None
            if run.status == "ok":
                if fixed and fixed not in tried and _round < MAX_ROUNDS:
                    cell.changes.append(R.Change(current, fixed, "trap", doc.get("rules") or []))
                    if doc.get("fixed_earlier") and doc.get("fixed_across"):
                        across[fixed] = (doc, originals, "")
                    tried.add(fixed)
                    current = fixed
                    continue
                carried = across.get(current) or carried_round(cell.changes, across, current)
                if carried is not None:
                    current = self._across(cell, cell.changes[-1], *carried)
                    if cell.changes[-1].before == current:  # only the earlier cells changed
                        cell.changes.pop()
                cell.status = R.FIXED if current != cell.original else R.OK
                cell.left = doc.get("left") or []
                for change in cell.changes:
                    change.verified = True
                break
            error = run.error or doc.get("error") or "an error"
            origin = doc.get("origin") if not fixed and _round < MAX_ROUNDS else None
            if origin and self._fix_earlier(origin, error) is not None:
                failures.append(Failure(error, line_text(runnable, run.cell_line), runnable))
                earlier_changed = True  # a repeat of the error next is no verdict on this cell's rewrite
                continue  # run this cell again over the corrected definitions
            module = doc.get("module") if not fixed and _round < MAX_ROUNDS else None
            if module:
                in_module = self.modules.fix(module, error, number, self._rerun_importers)
                if in_module is not None:
                    failures.append(Failure(error, line_text(runnable, run.cell_line), runnable))
                    continue  # run this cell again over the corrected module
            # the same error again: the rewrite did not remove it, unless it comes from a statement that ran unchanged before (progress), or follows a module's change settle undid, or an earlier cell's
            failure = Failure(error, line_text(runnable, run.cell_line), runnable, doc.get("hidden") or "")
            repeated = bool(failures) and failure.repeats(failures[-1]) and bool(cell.changes) and not module_tried and not earlier_changed  # fmt: skip
            earlier_changed = False
            failures.append(failure)
            carried = stuck_round(across, current, repeated, not fixed)
            moved = tried_earlier(self, cell, *carried) if carried else None
            if moved is not None:  # objects made between held the old definition: fixed where made
                across.pop(current, None)
                current, ran_already = moved
                continue
            tried_lint = repeated and cell.changes[-1].trigger == "lint"  # no cause: no restart
            if repeated and self.may_restart and not tried_lint:  # attempts' state, or rewrite?
                self.before_rewrite[number] = failures[-2]  # a fresh kernel tells (fresh_kernel.py)
            elif repeated:  # the rewrite did not remove its error: undo it, and stop here
                current = undo_last(cell, error)
            elif fixed and fixed not in tried and _round < MAX_ROUNDS:
                trigger = doc.get("trigger") or "error"
                cell.changes.append(R.Change(current, fixed, trigger, doc.get("rules") or [], error))
                if doc.get("fixed_earlier") and doc.get("fixed_across"):
                    across[fixed] = (doc, originals, error)
                tried.add(fixed)
                current = fixed
                continue
            cell.status, cell.error = R.FAILED, error
            cell.left = doc.get("left") or []
            if doc.get("internal_error"):
                cell.notes.append(
                    f"kerasmagic failed while diagnosing: {doc['internal_error'].strip().splitlines()[-1]}"
                )
            break
        cell.final = current
        cell.seconds = time.perf_counter() - start
        ran, blocked = installs.neutralize(current)
        cell.notes += installs.notes(blocked) + installs.shell_notes(ran)
        return cell


def migrate_run(
    document: Document,
    kernel_factory: Callable[[Document], Any],
    python: str,
    progress: Progress = quiet,
) -> R.DocumentResult:
    """Run ``document`` cell by cell in a fresh kernel, fixing what fails (see the module doc).
    Ctrl-C ends it cleanly: the result says ``interrupted`` and keeps every cell done so far."""
    start = time.perf_counter()
    result = R.DocumentResult(str(document.path), document.source.kind, "run", python=python)
    total = len(document.cells)
    done = 0
    try:
        with ExitStack() as stack:
            kernels = Kernels(stack, kernel_factory, document)
            result.versions = dict(kernels.current.info.get("versions") or {})
            runner = _Runner(document, kernels.current, progress, result.cells)
            result.modules = runner.modules.corrected
            runner.prepare()
            runner.may_restart, folders = True, None
            for number in range(total):
                cell = kernels.run_cell(runner, number)
                result.cells.append(cell)
                done = number + 1
                progress(
                    f"{document.path} [{cell.number}/{total}] {describe(cell)} ({cell.seconds:.2f} s)"
                )
                result.diagnosis_seconds = kernels.hidden_seconds
                if cell.status in R.STOPPING:
                    result.stopped_at = cell.number
                    folders = user_folders_of(kernels.current)
                    break
            result.module_files = runner.modules.others()
    except KeyboardInterrupt:
        result.status = "interrupted"
        result.message = (
            f"interrupted (Ctrl-C) at cell {done + 1}; the cells before it are kept as migrated"
        )
        for number in range(done, total):
            cell = cell_result(document, number)
            cell.status = R.NOT_REACHED
            result.cells.append(cell)
        result.seconds = time.perf_counter() - start
        return result
    rest = list(range(done, total))
    if result.stopped_at is not None:
        static_cells(document, rest, python, R.NOT_RUN, result.cells, folders)
        result.status = "stopped"
        result.message = stop_message(result.cells[done - 1], len(rest))
    else:
        changed = sum(c.changed for c in result.cells)
        modules = [m.relative for m in result.modules if m.changed]
        result.status = "migrated" if result.changed else "unchanged"
        said = [f"{changed} cell(s) rewritten"] if changed else []
        if modules:
            said.append(f"the user's module(s) {', '.join(modules)} corrected where cells failed in them")  # fmt: skip
        result.message = (
            f"ran end to end; {' and '.join(said)}, each verified by running it"
            if said
            else "ran end to end; nothing to change"
        )
    result.seconds = time.perf_counter() - start
    return result
