"""Findings worded for a terminal: a check result of ``python -m kerasmagic check FILE`` and the
findings of ``python -m kerasmagic env``, their notebook words (cell, kernel, runtime, ``!pip``)
replaced by a script's."""

from __future__ import annotations

import re
from functools import cache

from kerasmagic.diagnosis.result import CheckResult
from kerasmagic.findings import Finding
from kerasmagic.knowledge.script_words import SCRIPT_WORDS

WORDED = ("title", "cause", "fix", "verify")


def _whole(pattern: str) -> str:
    """``pattern`` matching whole words where it starts or ends with one."""
    start = r"\b" if pattern[0].isalnum() else ""
    end = r"\b" if pattern[-1].isalnum() else ""
    return f"{start}{pattern}{end}"


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(_whole(p), re.I), new) for p, new in SCRIPT_WORDS)


def _same_case(match: re.Match[str], new: str) -> str:
    """``new`` with the first letter's case of what it replaces (a sentence's start stays one)."""
    if new and match.group(0)[:1].isupper():
        return new[0].upper() + new[1:]
    return new


def reword(text: str) -> str:
    """``text`` in a script's words."""
    for pattern, new in _patterns():
        text = pattern.sub(lambda m, new=new: _same_case(m, new), text)
    return text


def _finding(finding: Finding) -> None:
    for name in WORDED:
        value = getattr(finding, name)
        if value:
            setattr(finding, name, reword(value))
    for fixed in finding.fixes:
        _finding(fixed)


def for_a_terminal(findings: list[Finding]) -> list[Finding]:
    """``findings`` (changed in place, and returned) in the words of someone at a terminal
    (``python -m kerasmagic env``: no kernel, runtime or ``!pip`` there)."""
    for finding in findings:
        _finding(finding)
    return findings


def for_a_script(result: CheckResult) -> CheckResult:
    """``result`` (changed in place, and returned) as a script's check: its findings in a
    script's words, and ``unit`` "script" for the views' headings."""
    result.unit = "script"
    for_a_terminal([*result.suggestions, *result.traps])
    return result
