"""Problems → findings: the one step that words what the rules found for the user.

``error_findings`` explains an exception (the problems that explain it first, their corrected
cell verified), ``lint_findings`` reports what is provable without running, ``trap_findings``
the silent traps, each trap fix verified like every other corrected cell.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.quoted import quotes_as_fixed
from kerasmagic.diagnosis.verify import corrected_across, corrected_cell
from kerasmagic.findings import Finding

VERIFIED = "The corrected cell parses and every import in it resolves in this interpreter."
# explanations too generic to show beside a specific one
GENERIC_IDS = ("unresolved-import",)
# explanations shown only when no other finding explains the error
ONLY_ALONE = ("package-not-installed", "import-typo", "optimizer-unknown-variable", "symbolic-tensor-in-tf-function")
ALSO_FIXED_SHOWN = 8


def finding_of(
    problem: Problem,
    ctx: CellContext,
    fixed: str | None = None,
    fixed_problems: list[Problem] | None = None,
    *,
    shown: list[Problem] | None = None,
    in_fix: bool = False,
    corrected: str | None = None,
) -> Finding:
    """The finding of one problem; ``fixed`` is its verified corrected cell. Each fact once:
    "also fixes" names only the ``fixed_problems`` not ``shown`` as findings of their own; such
    a finding says instead (``in_fix``) that the corrected cell includes its fix, ``corrected``.
    The code its words quote is the code the corrected cell holds (``quoted``)."""
    others = [p for p in fixed_problems or [] if p is not problem and p not in (shown or [])]
    words = quotes_as_fixed(problem, ctx.source, fixed or corrected)
    cause = words.get("cause", problem.cause)
    if fixed and others:
        also = "; ".join(f"line {p.line}: {p.title}" for p in others[:ALSO_FIXED_SHOWN])
        cause = (cause + " " if cause else "") + f"The corrected cell also fixes: {also}."
    fixes = _fix_findings(problem, ctx, fixed_problems or [], fixed) if fixed else []
    explains_only = problem.kind == "trap" or problem.explanation
    confidence = problem.confidence
    if confidence is None:
        confidence = 0.9 if fixed else 0.6
    return Finding(
        id=problem.id,
        severity=problem.severity if explains_only else "error",
        title=problem.title,
        cause=cause,
        fix=words.get("fix", problem.fix)
        + (" The corrected cell includes this fix." if in_fix else ""),
        fix_code=words.get("fix_code", problem.fix_code) or problem.fix_code,
        fixed_source=fixed,
        confidence=confidence,
        versions=dict(ctx.shown_versions),
        verify=problem.verify or (VERIFIED if fixed else None),
        references=list(problem.references),
        restart_needed=problem.restart_needed,
        details_label=problem.details_label,
        details=list(problem.details),
        fixes=fixes,
    )


def _fix_findings(
    problem: Problem, ctx: CellContext, fixed: list[Problem], corrected: str | None
) -> list[Finding]:
    """The findings of the other problems the corrected cell ``corrected`` fixes (one per id
    and title)."""
    seen = {(problem.id, problem.title)}
    out = []
    for p in fixed:
        if p is not problem and (p.id, p.title) not in seen:
            seen.add((p.id, p.title))
            out.append(finding_of(p, ctx, in_fix=True, corrected=corrected))
    return out


def _same_name(a: str, b: str) -> bool:
    """``a`` and ``b`` name the same thing (equal, or one is a dotted suffix of the other)."""
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def _explains(problem: Problem, lines: set[int], names: set[str]) -> bool:
    if problem.line in lines or problem.raised_it:
        return True
    return any(_same_name(name, n) for name in problem.names for n in names)


def _superseded(problem: Problem, ctx: CellContext, fixed: str | None) -> bool:
    """``problem`` changes nothing and is not certain (an advice on how to import) and the import
    statement of its line is gone from the corrected cell ``fixed``, which other problems' edits
    made."""
    tree = ctx.cell.tree
    if problem.edits or problem.certain or fixed is None or tree is None or not isinstance(problem.line, int):  # fmt: skip
        return False
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)) and n.lineno == problem.line]  # fmt: skip
    kept = {line.strip() for line in fixed.splitlines()}
    lines = ctx.source.splitlines()
    return bool(imports) and all(
        line.strip() not in kept for line in lines[imports[0].lineno - 1 : imports[0].end_lineno]
    )


def _with_traps(
    ctx: CellContext,
    problems: list[Problem],
    traps: list[Problem],
    leave: list[Problem] | None = None,
) -> tuple[str | None, list[Problem]]:
    """The corrected cell of ``problems``, carrying the certain trap fixes too where that
    verifies (else without them)."""
    if traps:
        fixed, done = corrected_cell(ctx, problems + traps, leave=leave)
        if fixed is not None:
            return fixed, done
    return corrected_cell(ctx, problems, leave=leave)


def error_findings(
    ctx: CellContext,
    problems: list[Problem],
    *,
    traps: list[Problem] | None = None,
    carried: list[Problem] | None = None,
) -> list[Finding]:
    """Findings explaining ``ctx.exc`` from the static and error problems of the cell; the
    certain fixes of ``traps`` (silent problems of the same cell) join its corrected cell where
    it verifies with them (those traps are added to ``carried``)."""
    fixable = [p for p in problems if not p.explanation]
    certain_traps = [t for t in traps or [] if t.certain and t.edits]
    lines, names = ctx.failing_lines, ctx.error_names
    findings: list[Finding] = []
    explaining = [p for p in fixable if _explains(p, lines, names)]
    if any(p.id not in ONLY_ALONE for p in explaining):  # those only when nothing else explains
        explaining = [p for p in explaining if p.id not in ONLY_ALONE]
    # the problem the message names first (two problems may share the failing line); a generic
    # one last, since it is dropped beside a specific one and must not take the corrected cell
    explaining.sort(key=lambda p: (p.id in GENERIC_IDS, not _explains(p, set(), names)))
    if explaining:
        fixed, fixed_problems = _with_traps(ctx, fixable, certain_traps)
        if fixed is None:  # the other problems may be uncertain: fix at least the error's own
            # (explanation-only problems, without edits, do not stand in the way of a rewrite)
            rewritable = [p for p in explaining if p.edits] or explaining
            fixed, fixed_problems = _with_traps(ctx, rewritable, certain_traps)
        # an import advice without edits for an import the corrected cell rewrites otherwise
        # (another problem's fix) would contradict it: the problems that made it explain the error
        explaining = [p for p in explaining if not _superseded(p, ctx, fixed)] or explaining
        own = [p for p in explaining[1:] if p.id != explaining[0].id]  # findings of their own
        in_fix = [t for t in certain_traps if fixed is not None and t in fixed_problems]
        if carried is not None:
            carried.extend(in_fix)  # the trap findings say the corrected cell includes them
        lead = finding_of(explaining[0], ctx, fixed, fixed_problems, shown=own + in_fix)
        across = corrected_across(ctx, fixed_problems, fixed) if fixed is not None else None
        if across is not None:
            lead.fixed_earlier, lead.fixed_across = across
        findings.append(lead)
        for p in own:
            in_fixed = fixed is not None and p in fixed_problems
            findings.append(finding_of(p, ctx, in_fix=in_fixed, corrected=fixed))
    shown = {f.id for f in findings}
    for p in problems:
        if not p.explanation or p.id in shown or (p.id in ONLY_ALONE and shown):
            continue
        findings.append(finding_of(p, ctx))
    if len(findings) > 1:  # a specific explanation makes the generic ones noise
        findings = [f for f in findings if f.id not in GENERIC_IDS] or findings
    return findings


def lint_findings(
    ctx: CellContext,
    problems: list[Problem],
    *,
    traps: list[Problem] | None = None,
    carried: list[Problem] | None = None,
) -> list[Finding]:
    """What lint can prove: the certain rewrites verified together, then the rest; the certain
    fixes of ``traps`` join that corrected cell where it verifies with them (those traps are
    added to ``carried``), as they join an error's."""
    if not problems:
        return []
    certain = [p for p in problems if p.certain and p.edits]
    certain_traps = [t for t in traps or [] if t.certain and t.edits]
    rest = [p for p in problems if p not in certain]
    fixed, fixed_problems = (
        _with_traps(ctx, certain, certain_traps, leave=rest) if certain else (None, [])
    )
    in_fix = [t for t in certain_traps if fixed is not None and t in fixed_problems]
    if carried is not None:
        carried.extend(in_fix)
    lead = certain[0] if fixed else problems[0]
    rest = [p for p in problems if p is not lead]
    findings = [finding_of(lead, ctx, fixed, fixed_problems or [lead], shown=rest + in_fix)]
    findings += [finding_of(p, ctx, in_fix=p in fixed_problems, corrected=fixed) for p in rest]
    return findings


def trap_findings(
    ctx: CellContext,
    traps: list[Problem],
    known: list[Problem],
    *,
    fixes: bool = True,
    carried: list[Problem] | None = None,
) -> list[Finding]:
    """A finding per trap (one per id and title); a trap with certain edits gets its corrected
    cell, verified with the cell's other problems (``known``) left as they are, also when it is
    ``carried`` (the lead's corrected cell holds its fix too; its finding says so), so a trap
    reads the same whether the static errors were examined or not (``lint_traps``). ``fixes=False``
    (a cell that raised): the trap's fix is told (``fix_code``) and carried by the error's
    corrected cell, never offered as a corrected cell of its own."""
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for trap in traps:
        if (trap.id, trap.title) in seen:
            continue
        seen.add((trap.id, trap.title))
        fixed, done = None, [trap]
        carried_here = trap in (carried or [])  # the lead's corrected cell already holds it
        if fixes and trap.certain and trap.edits:  # its own cell too, whoever carries it
            fixed, done = corrected_cell(ctx, [trap], leave=known)
        finding = finding_of(trap, ctx, fixed, done, in_fix=carried_here)
        across = corrected_across(ctx, done, fixed) if fixed is not None else None
        if across is not None:  # the value is made in an earlier cell: `migrate` changes it there
            finding.fixed_earlier, finding.fixed_across = across
        findings.append(finding)
    return findings


BROUGHT = "The corrected cell has this too: "  # how a trap of the corrected cell begins


def brought_traps(ctx: CellContext, fixed: str | None, traps: list[Problem]) -> list[Finding]:
    """The silent traps of the corrected cell ``fixed`` that the cell itself had not (a moved
    import that lands on Keras 3's legacy shim): said with the result, each as a trap of the
    corrected cell, so that checking the corrected cell again brings nothing new."""
    if fixed is None:
        return []
    from kerasmagic.diagnosis.context import STATIC
    from kerasmagic.diagnosis.rules import problems_for

    again = ctx.again(fixed)
    had = {t.id for t in traps}
    new = [t for t in problems_for(again, STATIC, kind="trap") if t.id not in had]
    found = trap_findings(again, new, [], fixes=False)
    for f in found:
        f.cause = f"{BROUGHT}{f.cause}"
    return found
