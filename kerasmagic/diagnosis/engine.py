"""The check engine of ``%%keras_check``: run a cell, explain its TF/Keras error, offer a verified fix.

``check`` runs the source (or only lints it), ``diagnose`` explains an exception IPython already
showed, ``lint`` reports what is provable without running. The live interpreter decides (the
index of public names, real signatures); the catalogue explains what changed and why.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from kerasmagic.diagnosis.result import CheckResult
from kerasmagic.findings import Finding


def safe_str(exc: BaseException) -> str:
    """``str(exc)`` that survives a broken ``__str__``."""
    try:
        return str(exc)
    except Exception:
        try:
            return repr(exc)
        except Exception:
            return f"<{type(exc).__name__} with an unprintable message>"


def _versions() -> dict[str, str]:
    try:
        from kerasmagic.diagnosis.live import shown_versions

        return shown_versions()
    except Exception:
        return {}


PIP_MAGIC = "%pip install"


def for_this_interpreter(findings: list[Finding]) -> list[Finding]:
    """Aim the catalogue's ``%pip install`` lines at this interpreter (a terminal, a script,
    a venv without pip need another command than a notebook's ``%pip``)."""
    if not any(PIP_MAGIC in (f.fix_code or "") + f.fix for f in findings):
        return findings
    from kerasmagic.probes.interpreter import interpreter_facts

    facts = interpreter_facts()
    prefix, first = facts.install_prefix, facts.install_first
    for f in findings:
        if prefix != PIP_MAGIC:
            f.fix = f.fix.replace(PIP_MAGIC, prefix)
            if f.fix_code:
                f.fix_code = f.fix_code.replace(PIP_MAGIC, prefix)
        elif first and PIP_MAGIC in (f.fix_code or "") + f.fix:  # no pip here: ensurepip first
            f.fix += f" This kernel's Python has no pip: run `{first}` once before `%pip`."
            if f.fix_code and PIP_MAGIC in f.fix_code:
                f.fix_code = f"{first}\n{f.fix_code}"
    return findings


def _internal(result: CheckResult, what: str) -> None:
    text = traceback.format_exc(limit=6)
    note = f"kerasmagic failed while {what}: {text.strip().splitlines()[-1]}"
    result.internal_error = (result.internal_error + "\n" if result.internal_error else "") + note


def _lint_traps(source: str) -> list[Finding]:
    from kerasmagic.diagnosis.traps import lint_traps

    return list(lint_traps(source))


def _traps_after_run(source: str, namespace: dict, captured: Any) -> list[Finding]:
    from kerasmagic.diagnosis.traps import inspect_after_run

    return list(inspect_after_run(source, namespace, captured))


def check(
    source: str, *, run: bool = True, filename: str = "<cell>", namespace: dict | None = None
) -> CheckResult:
    """Run ``source`` (``run=False``: only lint it) and diagnose what went wrong."""
    if not run:
        return lint(source)
    ns = namespace if namespace is not None else {"__name__": "__main__"}
    try:
        code = compile(source, filename, "exec")
    except (SyntaxError, ValueError) as exc:
        return diagnose(source, exc, namespace=ns)
    captured = None
    error: Exception | None = None
    try:
        from contextlib import ExitStack

        with ExitStack() as stack:
            try:
                from kerasmagic.diagnosis.capture import capture_cell_output

                captured = stack.enter_context(capture_cell_output())
            except Exception:
                captured = None
            try:
                exec(code, ns)
            except Exception as exc:  # the user's error: diagnosed below
                error = exc
    except Exception as exc:  # a failure while closing the capture
        error = error or exc
    if error is not None:
        result = diagnose(source, error, namespace=ns, filename=filename)
        return result
    result = CheckResult(source=source, ok=True, ran=True, versions=_versions())
    try:
        result.traps = _traps_after_run(source, ns, captured)
    except ImportError:
        pass  # the traps component is not installed in this tree
    except Exception:
        _internal(result, "looking for silent traps")
    return result


def lint(source: str) -> CheckResult:
    """Problems provable without running: imports that cannot resolve here, rejected keywords…"""
    if not isinstance(source, str):
        source = str(source)
    result = CheckResult(source=source, ok=True, ran=False)
    try:
        result.versions = _versions()
        from kerasmagic.diagnosis.lint import analyze
        from kerasmagic.diagnosis.rewrite import parse_cell
        from kerasmagic.diagnosis.verify import corrected_cell

        cell = parse_cell(source)
        problems = analyze(cell)
        if problems:
            # lint offers the part it can prove: the certain rewrites, verified together
            certain = [p for p in problems if p.certain and p.edits]
            rest = [p for p in problems if p not in certain]
            fixed, fixed_problems = (
                corrected_cell(source, certain, leave=rest) if certain else (None, [])
            )
            lead = certain[0] if fixed else problems[0]
            rest = [p for p in problems if p is not lead]
            result.suggestions = [_finding(lead, fixed, fixed_problems or [lead], shown=rest)]
            for p in rest:
                result.suggestions.append(_finding(p, None, [p], in_fix=p in fixed_problems))
            result.suggestions = for_this_interpreter(result.suggestions)
            result.ok = not any(s.severity == "error" for s in result.suggestions)
    except Exception:
        _internal(result, "linting the cell")
    # the traps module is another component: its absence or failure must not break lint
    with suppress(Exception):
        result.traps = _lint_traps(source)
    return result


def _finding(
    problem: Any,
    fixed: str | None,
    fixed_problems: list[Any],
    *,
    shown: Sequence[Any] = (),
    in_fix: bool = False,
) -> Finding:
    """``problem`` as a finding. Each fact once: "also fixes" names only the problems the
    corrected cell fixes that are not ``shown`` as findings of their own; such a finding says
    instead (``in_fix``) that the corrected cell includes its fix."""
    others = [p for p in fixed_problems if p is not problem and p not in shown]
    cause = problem.cause
    if fixed and others:
        also = "; ".join(f"line {p.line}: {p.title}" for p in others[:8])
        cause = (cause + " " if cause else "") + f"The corrected cell also fixes: {also}."
    return Finding(
        id=problem.id,
        severity="error",
        title=problem.title,
        cause=cause,
        fix=problem.fix + (" The corrected cell includes this fix." if in_fix else ""),
        fix_code=problem.fix_code,
        fixed_source=fixed,
        confidence=0.9 if fixed else 0.6,
        versions=_versions(),
        verify="The corrected cell parses and every import in it resolves in this interpreter."
        if fixed
        else None,
        references=list(problem.references),
    )


def failing_line(exc: BaseException, namespace: dict | None, filename: str | None) -> int | None:
    """The cell's line where ``exc`` was raised (last traceback frame of the cell's code)."""
    line = None
    tb = getattr(exc, "__traceback__", None)
    while tb is not None:
        frame = tb.tb_frame
        code_file = frame.f_code.co_filename
        if (filename and code_file == filename) or (
            namespace is not None and frame.f_globals is namespace
        ):
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None and isinstance(exc, SyntaxError):
        line = exc.lineno
    return line


def _error_names(exc: BaseException, message: str) -> set[str]:
    names: set[str] = set()
    for attr in ("name", "path"):
        value = getattr(exc, attr, None)
        if isinstance(value, str):
            names.add(value)
    names.update(re.findall(r"'([A-Za-z_][\w.]*)'", message))
    names.update(re.findall(r"`([A-Za-z_][\w.]*)`", message))
    # "Could not interpret loss identifier: categorical_crossentropey" names it unquoted
    names.update(re.findall(r"identifier:\s*([A-Za-z_][\w.]*)\s*$", message))
    return names


def _same_name(a: str, b: str) -> bool:
    """``a`` and ``b`` name the same thing (equal, or one is a dotted suffix of the other)."""
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def _explains(problem: Any, line: int | None, names: set[str]) -> bool:
    if line is not None and problem.line == line:
        return True
    return any(_same_name(name, n) for name in problem.names for n in names)


def diagnose(
    source: str,
    exc: BaseException,
    *,
    namespace: dict | None = None,
    filename: str | None = None,
) -> CheckResult:
    """Explain ``exc`` raised by ``source`` and propose the corrected cell. Never raises."""
    try:
        error_type = type(exc).__name__
    except Exception:
        error_type = "Exception"
    message = safe_str(exc)
    result = CheckResult(
        source=source if isinstance(source, str) else str(source),
        ok=False,
        ran=True,
        error_type=error_type,
        error_message=message,
    )
    try:
        result.versions = _versions()
        result.suggestions = for_this_interpreter(
            _suggestions(result.source, exc, error_type, message, namespace, filename)
        )
    except Exception:
        _internal(result, "diagnosing the error")
    return result


def _suggestions(
    source: str,
    exc: BaseException,
    error_type: str,
    message: str,
    namespace: dict | None,
    filename: str | None,
) -> list[Finding]:
    from kerasmagic.diagnosis import errors
    from kerasmagic.diagnosis.lint import analyze
    from kerasmagic.diagnosis.rewrite import parse_cell
    from kerasmagic.diagnosis.verify import corrected_cell

    cell = parse_cell(source)
    line = failing_line(exc, namespace, filename)
    names = _error_names(exc, message)
    problems = analyze(cell, namespace)
    problems += errors.error_driven_problems(cell, exc, error_type, message, line, namespace)
    findings: list[Finding] = []
    explaining = [p for p in problems if _explains(p, line, names)]
    # the problem the message names first (two problems may share the failing line)
    explaining.sort(key=lambda p: not _explains(p, None, names))
    if explaining:
        fixed, fixed_problems = corrected_cell(source, problems, namespace)
        if fixed is None:  # the other problems may be uncertain: fix at least the error's own
            # (explanation-only problems, without edits, do not stand in the way of a rewrite)
            rewritable = [p for p in explaining if p.edits] or explaining
            fixed, fixed_problems = corrected_cell(source, rewritable, namespace)
        own = [p for p in explaining[1:] if p.id != explaining[0].id]  # findings of their own
        findings.append(_finding(explaining[0], fixed, fixed_problems, shown=own))
        for p in own:
            findings.append(
                _finding(p, None, [p], in_fix=fixed is not None and p in fixed_problems)
            )
    findings += errors.catalogue_findings(
        source, exc, error_type, message, exclude={f.id for f in findings}
    )
    if len(findings) > 1:  # a specific explanation makes the generic ones noise
        findings = [f for f in findings if f.id not in GENERIC_IDS] or findings
    return findings


GENERIC_IDS = ("unresolved-import",)
