"""``%%keras_check`` and ``%keras_check on|off``: diagnose failing TF/Keras cells in place.

The cell runs through ``shell.run_cell`` exactly as IPython runs it (same namespace, same display,
the user's traceback shown by IPython itself, ``%debug`` works); kerasmagic only adds its diagnosis
after it. The global mode uses the ``pre_run_cell``/``post_run_cell`` events, never the single
``set_custom_exc`` slot, so a host's own handler (Colab's ImportError note) keeps working.

``--fix`` puts the corrected cell in the notebook with ``set_next_input``. JupyterLab and Notebook 7
(known from their execute request, ``probes/front_end.py``) take it only from a cell whose reply is
"ok": there a failing cell with a corrected cell is not marked failed (its traceback is shown once
all the same, by the inner run), so the fix lands. Everywhere else the cell still fails (Run All
stops) and the output says where the corrected cell went, or to copy it from the report.
"""

from __future__ import annotations

import json
import sys
import traceback
from contextlib import ExitStack, suppress
from typing import Any

from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments

from kerasmagic.magics.arguments import parse_line


def _internal_failure(what: str) -> None:
    """Say that kerasmagic itself failed, below the user's (untouched) error."""
    etype, value, _ = sys.exc_info()
    print(
        f"kerasmagic: internal error while {what} ({etype.__name__ if etype else '?'}: {value}). "
        "Your cell's own output and error above are unchanged.",
        file=sys.stderr,
    )


def mark_failed(outer: Any, inner: Any, exc: BaseException) -> None:
    """Make the cell that ran ``%%keras_check`` count as failed without showing the error again.

    IPython already showed the user's traceback (and called a host's handler) in the inner
    ``run_cell``; re-raising would show it a second time. The outer cell's ``ExecutionResult``
    carries the error instead: ``result.success`` is False, so ipykernel replies "error" with the
    traceback IPython showed (Run All stops), and ``post_run_cell`` sees the failure. Outside a
    running cell (the magic called from Python) the exception is raised to the caller."""
    if outer is None:
        raise exc
    if getattr(inner, "error_before_exec", None) is exc:
        outer.error_before_exec = exc
    else:
        outer.error_in_exec = exc


def fix_placed_message(kernel: bool, *, only_on_ok: bool, failed: bool, earlier: bool = False) -> str:  # fmt: skip
    """Where ``--fix`` put the corrected cell, as far as the kernel can know it (``earlier``: the
    corrected earlier cell that made the error's cause, in a new cell below this one)."""
    what = "the corrected earlier cell shown above" if earlier else "the corrected cell shown above"
    then = "run it, then this cell again" if earlier else "run it"
    if not kernel:
        return f"kerasmagic: --fix put {what} into your next prompt" + (f": {then}." if earlier else ".")  # fmt: skip
    if only_on_ok:
        where = f"put {what} in a new cell below this one" if earlier else f"replaced this cell's code with {what}"  # fmt: skip
        said = f"kerasmagic: --fix {where}: {then}."
        if failed:
            said += (
                " Your error is shown above; this cell is not marked as failed, since JupyterLab"
                " and Notebook 7 take a fix only from a cell that did not fail (Run All goes on"
                " past it)."
            )
        return said
    where = "a new cell below this one" if earlier else "this cell's input"
    missing = "no new cell appears" if earlier else "this cell still shows your code"
    said = (
        f"kerasmagic: --fix asked the front end to put {what} into {where}"
        + (f" ({then})" if earlier else "")
        + ". The classic Notebook does; others (nbconvert, VS Code, Colab, a console) may not: "
        + f"if {missing}, copy {'it' if earlier else 'the corrected cell'} from above."
    )
    return said + (" This cell still counts as failed: Run All stops here." if failed else "")


@magics_class
class CheckMagics(Magics):
    """``%%keras_check`` (one cell) and ``%keras_check on|off`` (every cell)."""

    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.auto = False
        self._stack: ExitStack | None = None
        self._captured: Any = None
        self._in_magic = False

    # -- the magic -------------------------------------------------------------------------
    @magic_arguments()
    @argument("mode", nargs="?", help="line form only: on | off | status")
    @argument("--fix", action="store_true", help="put the corrected cell into the notebook")
    @argument("--lint", "--no-run", action="store_true", help="analyse the cell without running it")
    @argument("--json", action="store_true", help="print the result as JSON")
    @argument("-o", "--object", action="store_true", help="return the CheckResult")
    @no_var_expand
    @line_cell_magic
    def keras_check(self, line: str = "", cell: str | None = None) -> Any:
        """Run the cell; if it fails with a TF/Keras version problem, explain it for the versions
        in this kernel and show the corrected cell (``--fix`` puts it in the notebook).
        ``%keras_check on`` does this for every cell until ``%keras_check off``."""
        args = parse_line(self.keras_check, line)
        if cell is None:
            return self._set_mode(args.mode or "status")
        if args.mode:
            from IPython.core.error import UsageError

            raise UsageError("%%keras_check takes options only; on/off is for the line form")
        outer = getattr(self.shell.displayhook, "exec_result", None)
        result, inner = self._check_cell(cell, lint=args.lint)
        failure = inner and (inner.error_in_exec or inner.error_before_exec)
        placed = False
        if result is not None:
            self._show(result, as_json=args.json)
            if args.fix and result.fixed_source:
                placed = self._offer_fix(result.fixed_source, failed=failure is not None)
            elif args.fix and result.earlier_fix is not None:  # the cause's cell, below this one
                placed = self._offer_fix(
                    result.earlier_fix.fixed_source, failed=failure is not None, earlier=True
                )
        if failure is not None and not placed:
            mark_failed(outer, inner, failure)
        if not args.object or result is None:
            return None
        from kerasmagic.render.check import CheckView  # shown with its views, attributes reachable

        return CheckView(result)

    def _check_cell(self, cell: str, *, lint: bool) -> tuple[Any, Any]:
        """(result to show, the inner run's ``ExecutionResult``, None when nothing ran)."""
        if lint:
            try:
                from kerasmagic.diagnosis.engine import lint as lint_source

                return lint_source(cell), None
            except Exception:
                _internal_failure("linting the cell")
                return None, None
        from kerasmagic.magics.cell_number import numbered_as

        self._in_magic = True
        outer = getattr(self.shell.displayhook, "exec_result", None)
        try:
            with ExitStack() as stack:
                captured = self._start_capture(stack)
                stack.enter_context(
                    numbered_as(self.shell, getattr(outer, "execution_count", None))
                )
                outcome = self.shell.run_cell(cell, store_history=False)
        finally:
            self._in_magic = False
            # the inner run reset it: the outer cell's displayed value still belongs to it
            with suppress(Exception):
                self.shell.displayhook.exec_result = outer
        return self._after_run(cell, outcome, captured, explicit=True), outcome

    def _start_capture(self, stack: ExitStack) -> Any:
        try:
            from kerasmagic.diagnosis.capture import capture_cell_output

            return stack.enter_context(capture_cell_output())
        except Exception:
            _internal_failure("starting the warnings capture")
            return None

    def _after_run(self, cell: str, outcome: Any, captured: Any, *, explicit: bool) -> Any:
        """The engine's result for the cell that ran, or None when there is nothing to show
        (a success without traps, the user's own stop, an error before running). Never raises."""
        if getattr(outcome, "error_before_exec", None) is not None:
            return None
        try:
            from kerasmagic.diagnosis.engine import after_cell

            result = after_cell(
                cell,
                error=getattr(outcome, "error_in_exec", None),
                namespace=self.shell.user_ns,
                captured=captured,
                explicit=explicit,
                earlier=lambda: self._earlier(cell),
            )
        except Exception:
            _internal_failure("diagnosing the cell")
            return None
        if result is None or (result.ok and not result.traps and not result.internal_error):
            return None
        return result

    def _earlier(self, cell: str) -> list[str]:
        """The cells run before this one, oldest first: the kernel's input history (IPython's
        ``In``, as typed), this cell excluded. Read only when a rule follows a name there."""
        history = list(getattr(self.shell.history_manager, "input_hist_raw", None) or [])[1:]
        if history and cell.strip() and history[-1].rstrip().endswith(cell.rstrip()):
            history.pop()  # this cell (``%%keras_check`` and its body, or the cell itself)
        return [h for h in history if isinstance(h, str)]

    def _show(self, result: Any, *, as_json: bool) -> None:
        try:
            if as_json:
                print(json.dumps(result.to_dict(), indent=2, default=str))
                return
            from kerasmagic.magics.show import show
            from kerasmagic.render.check import CheckView

            show(CheckView(result))
        except Exception:
            _internal_failure("displaying the diagnosis")

    def _offer_fix(self, fixed: str, *, failed: bool, earlier: bool = False) -> bool:
        """Put the corrected cell in the notebook where the front end takes it (``earlier``: the
        corrected earlier cell, in a new cell below this one, which stays as it is), and say
        truly where it went (the report above shows it to copy). True when the fix lands only if
        this cell does not count as failed (JupyterLab, Notebook 7: a payload of an "error" reply
        is dropped): the user's traceback is already shown once, by the inner run."""
        from kerasmagic.probes.front_end import in_kernel, next_input_only_on_ok

        try:
            self.shell.set_next_input("%%keras_check\n" + fixed, replace=not earlier)
        except Exception:
            _internal_failure("placing the corrected cell")
            return False
        only_on_ok = next_input_only_on_ok(self.shell)
        kernel = in_kernel(self.shell)
        print(fix_placed_message(kernel, only_on_ok=only_on_ok, failed=failed, earlier=earlier))
        return only_on_ok

    # -- the global mode --------------------------------------------------------------------
    def _set_mode(self, mode: str) -> str | None:
        from IPython.core.error import UsageError

        if mode == "on":
            if not self.auto:
                self.shell.events.register("pre_run_cell", self._pre_run_cell)
                self.shell.events.register("post_run_cell", self._post_run_cell)
                self.auto = True
            print("kerasmagic: checking every cell (turn off with %keras_check off)")
        elif mode == "off":
            self.close()
            print("kerasmagic: cell checking off")
        elif mode == "status":
            print(f"kerasmagic: cell checking is {'on' if self.auto else 'off'}")
        else:
            raise UsageError(f"%keras_check: unknown mode {mode!r}; use on, off or status")
        return None

    def _pre_run_cell(self, *args: Any) -> None:
        if self._in_magic:
            return
        self._end_capture()
        try:
            self._stack = ExitStack()
            self._captured = self._start_capture(self._stack)
        except Exception:
            self._stack = None

    def _post_run_cell(self, outcome: Any = None) -> None:
        if self._in_magic:
            return
        captured = self._captured
        self._end_capture()
        if outcome is None:
            return
        info = getattr(outcome, "info", None)
        cell = getattr(info, "raw_cell", None) or ""
        if cell.lstrip().startswith(("%%keras_check", "%keras_check")):
            return
        result = self._after_run(cell, outcome, captured, explicit=False)
        if result is not None:
            self._show(result, as_json=False)

    def _end_capture(self) -> None:
        stack, self._stack, self._captured = self._stack, None, None
        if stack is not None:
            try:
                stack.close()
            except Exception:
                traceback.print_exc()

    def close(self) -> None:
        """Remove the event callbacks (``off`` and unload)."""
        self._end_capture()
        if self.auto:
            for event, callback in (
                ("pre_run_cell", self._pre_run_cell),
                ("post_run_cell", self._post_run_cell),
            ):
                with suppress(ValueError):
                    self.shell.events.unregister(event, callback)
            self.auto = False


MAGICS = CheckMagics
