"""The check engine: the one path from a cell (and what running it did) to a ``CheckResult``.

Every door uses it — ``%%keras_check``, ``%keras_check on``, ``python -m kerasmagic check`` and
``kerasmagic.check()``: the door runs the cell its own way (``shell.run_cell``, ``exec``) and
hands the outcome to :func:`after_cell`; ``--lint`` hands the source to :func:`lint`. Both build
one :class:`CellContext` and run the registered rules (``diagnosis.rules``) on it; the problems
become findings in one step (``to_findings``), every corrected cell verified the same way.
"""

from __future__ import annotations

import ast
import gc
import linecache
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.bounds import capped_message, skipped_finding, too_big, too_deep
from kerasmagic.diagnosis.context import (
    AFTER_RUN,
    ERROR,
    STATIC,
    CellContext,
    Earlier,
    captured_texts,
    safe_str,
)
from kerasmagic.diagnosis.result import CheckResult
from kerasmagic.diagnosis.rules import may_find, problems_for
from kerasmagic.findings import Finding, ranked

__all__ = ["after_cell", "check", "diagnose", "examine", "lint", "safe_str", "worth_explaining"]

PIP_MAGIC = "%pip install"
KERAS_MODULE_TOPS = ("keras", "tensorflow", "tf_keras", "jax", "ml_dtypes", "google")
KERAS_WORDS = ("keras", "tensorflow", "tf.", "optimizer", "layer", "tf_keras", "legacy")


def worth_explaining(exc: BaseException, source: str, namespace: dict | None = None) -> bool:
    """Should an error of a cell nobody asked to check be explained (``%keras_check on``)?
    ImportErrors always; other errors when the traceback passes through TF/Keras code, the
    message names them, or the cell works with TF/Keras: the object an AttributeError was raised
    on, or a name the cell uses, is bound to a TF/Keras module, class, function or object
    (``model.fit_generator`` on a Keras 3 model raises without entering Keras)."""
    if isinstance(exc, ImportError):
        return True
    if not isinstance(exc, (AttributeError, TypeError, ValueError, NameError, RuntimeError)):
        return False
    if isinstance(exc, AttributeError) and live.from_keras(getattr(exc, "obj", None)):
        return True
    if namespace is not None and _uses_keras(source, namespace):
        return True
    tb = exc.__traceback__
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if isinstance(module, str) and module.split(".")[0] in KERAS_MODULE_TOPS:
            return True
        tb = tb.tb_next
    message = safe_str(exc).lower()
    if isinstance(exc, NameError):
        return "'tf'" in message or "'keras'" in message
    return any(w in message for w in KERAS_WORDS)


def _uses_keras(source: str, namespace: dict) -> bool:
    """Does the cell use a name the namespace binds to something of TF/Keras (its Keras
    bindings, from this cell or an earlier one)?"""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return any(live.from_keras(namespace.get(name)) for name in names if name in namespace)


def for_this_interpreter(findings: list[Finding]) -> list[Finding]:
    """Aim the catalogue's ``%pip install`` lines at this interpreter (a terminal, a script,
    a venv without pip need another command than a notebook's ``%pip``)."""
    every = findings + [fixed for f in findings for fixed in f.fixes]
    if not any(PIP_MAGIC in (f.fix_code or "") + f.fix for f in every):
        return findings
    from kerasmagic.probes.interpreter import interpreter_facts

    facts = interpreter_facts(pip_on_path=False)  # the install line needs no more
    prefix, first = facts.install_prefix, facts.install_first
    for f in every:
        if prefix != PIP_MAGIC:
            f.fix = f.fix.replace(PIP_MAGIC, prefix)
            if f.fix_code:
                f.fix_code = f.fix_code.replace(PIP_MAGIC, prefix)
        elif first and PIP_MAGIC in (f.fix_code or "") + f.fix:  # no pip here: ensurepip first
            f.fix += f" This kernel's Python has no pip: run `{first}` once before `%pip`."
            if f.fix_code and PIP_MAGIC in f.fix_code:
                f.fix_code = f"{first}\n{f.fix_code}"
    return findings


def _note_internal(result: CheckResult, note: str) -> None:
    result.internal_error = (result.internal_error + "\n" if result.internal_error else "") + note


def examine(ctx: CellContext, *, traps_only: bool = False) -> CheckResult:
    """The pipeline: the rules of the context's moment, their findings (``traps_only``: a cell
    not run, asked only for its silent traps). Never raises."""
    from kerasmagic.probes.path_state import held

    with held(), _collector_paused():  # the search paths are read once per examination
        return _examine(ctx, traps_only)


@contextmanager
def _collector_paused() -> Any:
    """No garbage collection while a cell is examined. In a process holding TensorFlow a full
    collection walks millions of the user's objects (190-370 ms measured); the first
    examination's imports and catalogue read are what tip it over, so it ran inside the
    diagnosis. Paused, it runs at the user's next allocations, as it would have soon anyway."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _examine(ctx: CellContext, traps_only: bool = False) -> CheckResult:
    from kerasmagic.diagnosis import to_findings
    from kerasmagic.diagnosis.defining_cell import placed_from_defining_cell
    from kerasmagic.diagnosis.verify import static_errors

    failed = ctx.exc is not None
    result = CheckResult(
        source=ctx.source,
        ok=not failed,
        ran=ctx.ran or failed,
        error_type=ctx.error_type or None,
        error_message=capped_message(ctx.message) if failed else None,
    )
    what = "diagnosing the error" if failed else "checking the cell"
    try:
        reason = too_big(ctx.source) or too_deep(ctx.cell.error)
        if reason:  # only what the message says: the static pass is skipped, and says so
            explained = problems_for(ctx, ERROR) if failed else []
            found = to_findings.error_findings(ctx, [p for p in explained if p.explanation])
            result.suggestions = [*found, skipped_finding(reason)]
        elif failed:
            problems = static_errors(ctx) + problems_for(ctx, ERROR)
            if ctx.defining_cell and not any(p.edits for p in problems):
                # raised in a function of an earlier cell: the rules read that cell as well
                problems += placed_from_defining_cell(
                    ctx, lambda sub: static_errors(sub) + problems_for(sub, ERROR), problems
                )
            # a silent trap is reported whatever the outcome; its fix joins the error's corrected
            # cell (verified with it), never stands alone as the fix of an error it does not fix
            traps = problems_for(ctx, STATIC, kind="trap")
            carried: list = []
            found = to_findings.error_findings(ctx, problems, traps=traps, carried=carried)
            result.suggestions = for_this_interpreter(found)
            result.traps = to_findings.trap_findings(
                ctx, traps, problems, fixes=False, carried=carried
            )
            result.traps += to_findings.brought_traps(ctx, result.fixed_source, traps)
            if ctx.defining_cell and result.fixed_source is None:
                _from_earlier_cause(ctx, result)
        elif ctx.ran or traps_only:
            # the cell's other problems are read only to verify a trap's corrected cell
            traps = problems_for(ctx, AFTER_RUN if ctx.ran else STATIC, kind="trap")
            known = static_errors(ctx) if any(t.edits for t in traps) else []
            result.traps = to_findings.trap_findings(ctx, traps, known)
        else:
            problems = static_errors(ctx)
            traps = problems_for(ctx, STATIC, kind="trap")
            carried = []
            found = to_findings.lint_findings(ctx, problems, traps=traps, carried=carried)
            result.suggestions = for_this_interpreter(found)
            result.ok = not any(s.severity == "error" for s in result.suggestions)
            result.traps = to_findings.trap_findings(ctx, traps, problems, carried=carried)
            result.traps += to_findings.brought_traps(ctx, result.fixed_source, traps)
    except Exception:
        last = traceback.format_exc(limit=6).strip().splitlines()[-1]
        _note_internal(result, f"kerasmagic failed while {what}: {last}")
    for failure in ctx.failures:
        _note_internal(result, f"kerasmagic failed while {what}: {failure}")
    if failed or result.suggestions or result.traps or result.internal_error:
        # the versions the findings were made for (a cell with nothing to report needs none,
        # and reading them means asking whether anything was installed since the last cell)
        result.versions = dict(ctx.shown_versions)
    return result


def _from_earlier_cause(ctx: CellContext, result: CheckResult) -> None:
    """Where nothing in the cell corrects its error, the earlier cell that made its cause
    (``diagnosis/earlier_cause.py``), corrected there: its findings lead the suggestions, each
    corrected cell given as that earlier cell's (``Finding.fixed_earlier``), never as this one's."""
    from kerasmagic.diagnosis import to_findings
    from kerasmagic.diagnosis.earlier_cause import EarlierFix, earlier_cause
    from kerasmagic.diagnosis.verify import static_errors

    cause = earlier_cause(ctx, lambda sub: static_errors(sub) + problems_for(sub, ERROR))
    if cause is None:
        return
    index, sub, problems = cause
    found = for_this_interpreter(to_findings.error_findings(sub, problems))
    fixed = next((f.fixed_source for f in ranked(found) if f.fixed_source not in (None, sub.source)), None)  # fmt: skip
    if fixed is None:
        return
    earlier = EarlierFix(index, sub.source, fixed)
    for finding in found:
        if finding.fixed_source is not None:
            finding.fixed_earlier = {index: finding.fixed_source}
            finding.fixed_across, finding.fixed_source = ctx.source, None
            finding.fix += (
                f" The change is in an earlier cell, the one starting `{earlier.first_line}`: its "
                "corrected version is shown below; run it, then this cell again."
            )
    ids = {f.id for f in found}
    result.suggestions = found + [f for f in result.suggestions if f.id not in ids]
    result.earlier_fix = earlier


def _nothing_to_examine(when: str, source: Any) -> CheckResult | None:
    """The empty result of a cell whose source no trap of the moment ``when`` looks for (what
    examine() would find: nothing), built before any context; None when one may apply."""
    text = source if isinstance(source, str) else str(source)
    if may_find(when, "trap", text):
        return None
    return CheckResult(source=text, ok=True, ran=when == AFTER_RUN)


def after_cell(
    source: Any,
    *,
    error: BaseException | None = None,
    namespace: dict | None = None,
    captured: Any = None,
    filename: str | None = None,
    explicit: bool = True,
    earlier: Earlier = (),
    later: tuple[str, ...] = (),
) -> CheckResult | None:
    """The result for a cell that ran (``error``: what it raised). None when there is nothing to
    examine: the user's own stop (KeyboardInterrupt, SystemExit), or, when nobody asked for this
    cell (``explicit=False``), an error unrelated to TF/Keras. ``earlier``: the sources of the
    cells run before it, oldest first, or a function returning them, called only when a rule
    follows a name there (``CellContext.earlier``); ``later``: the sources of the cells after it
    (``migrate``), which a fix must not break."""
    if error is not None and not isinstance(error, Exception):
        return None
    if error is not None and not explicit and not worth_explaining(error, str(source), namespace):
        return None
    if error is None and not captured_texts(captured):
        nothing = _nothing_to_examine(AFTER_RUN, source)
        if nothing is not None:
            return nothing
    ctx = CellContext.of(
        source,
        namespace=namespace,
        exc=error,
        filename=filename,
        captured=captured,
        ran=error is None,
        earlier=earlier,
        later=later,
    )
    return examine(ctx)


def diagnose(
    source: Any,
    exc: BaseException,
    *,
    namespace: dict | None = None,
    filename: str | None = None,
    captured: Any = None,
    earlier: Earlier = (),
    later: tuple[str, ...] = (),
    defining_cell: bool = True,
) -> CheckResult:
    """Explain ``exc`` raised by ``source`` and propose the corrected cell (``earlier``,
    ``later``: as for :func:`after_cell`). ``defining_cell``: where the cell's own rules change
    nothing and the error rose in a function of an earlier cell, that cell's fixes, placed in
    this one (``diagnosis/defining_cell.py``); ``migrate`` first rewrites and reruns the earlier
    cell itself. Never raises."""
    ctx = CellContext.of(
        source,
        namespace=namespace,
        exc=exc,
        filename=filename,
        captured=captured,
        earlier=earlier,
        later=later,
    )
    ctx.defining_cell = defining_cell
    return examine(ctx)


def lint(
    source: Any,
    *,
    traps_only: bool = False,
    earlier: Earlier = (),
    namespace: dict | None = None,
    later: tuple[str, ...] = (),
) -> CheckResult:
    """Problems provable without running: imports that cannot resolve here, rejected keywords,
    silent traps… (``traps_only``: only the silent traps, in ``traps``). ``namespace``: a
    kernel's, whose names earlier cells bound count as the cell's own imports; ``later``: the
    cells after this one (``migrate`` holds them)."""
    if traps_only:
        nothing = _nothing_to_examine(STATIC, source)
        if nothing is not None:
            return nothing
    context = CellContext.of(source, namespace=namespace, earlier=earlier, later=later)
    return examine(context, traps_only=traps_only)


def check(
    source: Any,
    *,
    run: bool = True,
    filename: str = "<cell>",
    namespace: dict | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    executing: Callable[[], AbstractContextManager] | None = None,
    earlier: Earlier = (),
) -> CheckResult:
    """Run ``source`` (``run=False``: only lint it) and examine what happened. ``on_error`` sees
    the user's exception first (the CLI prints its traceback as Python would); ``executing``
    gives a context entered around running the source only, not around examining it (the CLI's
    ``python FILE`` set-up: ``sys.argv``, ``sys.path[0]``, ``__main__``); ``earlier``: the
    sources run before in the same namespace (a notebook's cells above it). The source is kept
    in ``linecache`` under ``filename``, as IPython keeps a cell's: tracebacks show its lines,
    and code that reads its own source (AutoGraph converting a ``call``) finds it."""
    if not run:
        return lint(source)
    text = source if isinstance(source, str) else str(source)
    ns = namespace if namespace is not None else {"__name__": "__main__"}
    try:
        code = compile(text, filename, "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        # the source's own error, as `python FILE` raises it (too deep to compile: the last two)
        if on_error is not None:
            on_error(exc)
        return diagnose(text, exc, namespace=ns, earlier=earlier)
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    captured = None
    error: BaseException | None = None
    try:
        with ExitStack() as stack:
            try:
                from kerasmagic.diagnosis.capture import capture_cell_output

                captured = stack.enter_context(capture_cell_output())
            except Exception:
                captured = None
            if executing is not None:
                stack.enter_context(executing())
            try:
                exec(code, ns)
            except SystemExit as exc:  # sys.exit(0) ends a script that worked
                error = exc if exc.code not in (0, None) else None
            except Exception as exc:  # the user's error: examined below
                error = exc
    except Exception as exc:  # a failure while closing the capture
        error = error or exc
    if error is not None and on_error is not None:
        on_error(error)
    if isinstance(error, SystemExit):  # the script's own exit with an error status
        return diagnose(text, error, namespace=ns, filename=filename, earlier=earlier)
    result = after_cell(
        text, error=error, namespace=ns, captured=captured, filename=filename, earlier=earlier
    )
    assert result is not None  # explicit, and only Exceptions are caught
    return result
