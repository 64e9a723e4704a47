"""Findings of one result that contradict each other (issue 32, item 6), checked by the engine.

A result ``R`` of the engine (the findings of one cell) contradicts itself when what it tells
the user to write is flagged by the same engine:

* **the corrected cell** ``R.fixed_source``, checked again — statically (``engine.lint``, what
  ``%%keras_check --lint`` shows) and run in a fresh namespace and examined (what
  ``%%keras_check`` shows on it) — gets a finding that ``R`` says the corrected cell fixes (an id
  of ``R``'s ``fixes``), or one ``R`` never mentioned (an id of none of ``R``'s findings: the fix
  brought a problem the user was not told about). A finding ``R`` reports as left is announced
  and is no contradiction, nor is a package to install that the corrected cell meets where a
  partial fix stops (the machine's, not the code's).
* **a finding's fix text**: each piece of code it tells the user to write — its ``fix_code``,
  and each backquoted span of its ``fix`` that parses as a Python statement and is not the old
  code it replaces (a span after "instead of", or one the cell itself holds) — examined
  statically in the namespace the cell left (``CellContext.of(span, namespace=ns)``: the live
  objects the advice is about), gets a finding with the id of a finding of ``R``. Code for
  the fresh process after a restart (a finding that needs one, a sentence that says to restart)
  is not this process's to check: the namespace it would run in does not exist yet.

Each contradiction is one line naming the finding, what was flagged and by which finding.
"""

from __future__ import annotations

import ast
import re
from typing import Any

SPAN = re.compile(r"`([^`]+)`")
SENTENCE = re.compile(r"(?<=[.;:])\s+(?=[A-Z(])")
RESTART = re.compile(r"\brestart", re.I)
# a span after these words is the old code the fix replaces, not code to write
OLD_CODE = re.compile(r"(?:instead of|rather than|not|for|replaces?)\s*$", re.I)


def all_findings(result: Any) -> list[Any]:
    """Every finding of a ``CheckResult``: suggestions, traps and the findings they fix."""
    out: list[Any] = []
    stack = [*result.suggestions, *result.traps]
    while stack:
        finding = stack.pop(0)
        out.append(finding)
        stack.extend(finding.fixes)
    return out


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def code_to_write(finding: Any, source: str) -> list[str]:
    """The code ``finding`` tells the user to write: its ``fix_code`` (Python, not an install
    line) and the backquoted spans of its ``fix`` that parse as statements, without the old code
    it names (after "instead of", or held by the cell ``source``)."""
    spans: list[str] = []
    code = finding.fix_code or ""
    if code and not finding.restart_needed and not code.lstrip().startswith(("%", "!")):
        spans.append(code)
    cell = _squeeze(source)
    for sentence in SENTENCE.split(finding.fix or ""):
        if RESTART.search(sentence):
            continue  # code for the fresh process after a restart: not this one's to check
        for match in SPAN.finditer(sentence):
            text = match.group(1).strip()
            if OLD_CODE.search(sentence[: match.start()]) or _squeeze(text) in cell:
                continue
            spans.append(text)
    out = []
    for text in spans:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        # a bare name or literal says nothing the engine could flag
        if any(not isinstance(n, ast.Expr) or not _is_leaf(n.value) for n in tree.body):
            out.append(text)
    return out


def _is_leaf(node: ast.AST) -> bool:
    return isinstance(node, (ast.Name, ast.Constant))


def _is_install(finding: Any) -> bool:
    """A finding whose catalogue entry advises installing a package: it is about the machine,
    which no rewrite of the cell could have changed, not about the code."""
    from kerasmagic.knowledge.catalogue import find_entry

    entry = find_entry(finding.id)
    return bool(entry is not None and entry.install)


def _ids(findings: list[Any]) -> set[str]:
    return {f.id for f in findings}


def of_corrected_cell(result: Any, checked: list[Any]) -> list[str]:
    """Contradictions between ``result`` and ``checked``, the findings of its corrected cell
    checked again (statically and run)."""
    fixes, left = result.split()
    fixed_ids = _ids(fixes) - _ids(left)
    known = _ids(all_findings(result))
    out = []
    for finding in checked:
        if _is_install(finding) and finding.id not in fixed_ids:
            continue  # a package this machine lacks, met where the partial fix stops: announced then
        if finding.id in fixed_ids:
            out.append(
                f"the corrected cell still gets {finding.id} ({finding.title}), which the "
                "result says it fixes"
            )
        elif finding.id not in known:
            out.append(
                f"the corrected cell gets {finding.id} ({finding.title}), which the result "
                "never mentions"
            )
    return out


def of_fix_texts(result: Any, namespace: dict | None) -> list[str]:
    """Contradictions between a finding's code to write and the findings of the same result."""
    from kerasmagic.diagnosis.context import CellContext
    from kerasmagic.diagnosis.engine import examine

    findings = all_findings(result)
    known = _ids(findings)
    out = []
    seen: set[str] = set()
    for finding in findings:
        for code in code_to_write(finding, result.source):
            if code in seen:
                continue
            seen.add(code)
            ctx = CellContext.of(code if code.endswith("\n") else code + "\n", namespace=namespace)
            flagged = examine(ctx)
            for other in [*flagged.suggestions, *flagged.traps]:
                if other.id in known:
                    out.append(
                        f"{finding.id}'s fix text `{code.strip()}` is flagged by {other.id} "
                        f"({other.title})"
                    )
    return out


def corrected_cell_findings(fixed: str, error: BaseException | None, namespace: dict) -> list[Any]:
    """The findings of the corrected cell: its static check (``engine.lint``) and the
    examination of running it (``error``: what it raised, ``namespace``: what it left)."""
    from kerasmagic.diagnosis.engine import after_cell, diagnose, lint

    static = lint(fixed)
    if error is not None:
        ran = diagnose(fixed, error, namespace=namespace, filename="<cell>")
    else:
        ran = after_cell(fixed, namespace=namespace, filename="<cell>")
    return all_findings(static) + (all_findings(ran) if ran is not None else [])


def contradictions(
    result: Any,
    namespace: dict | None,
    fixed_outcome: tuple[BaseException | None, dict] | None,
) -> list[str]:
    """Every contradiction of ``result`` (see the module's docstring); ``fixed_outcome``: what
    running its corrected cell raised and the namespace it left (None without a corrected
    cell)."""
    out = of_fix_texts(result, namespace)
    if result.fixed_source is not None and fixed_outcome is not None:
        checked = corrected_cell_findings(result.fixed_source, *fixed_outcome)
        out += of_corrected_cell(result, checked)
    return sorted(set(out))
