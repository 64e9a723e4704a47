"""The result of checking one cell: the error it raised (if any), suggestions and silent traps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kerasmagic.diagnosis.earlier_cause import EarlierFix
from kerasmagic.findings import Finding, plain, ranked


@dataclass
class CheckResult:
    """What the engine returns; ``kerasmagic.check`` and ``%%keras_check`` show it through
    ``kerasmagic.render.check.CheckView`` (diagnosis never imports render).

    ``suggestions`` explain the error the cell raised (ranked; the first one's ``fixed_source``
    is the corrected cell). ``traps`` are silent problems (lint before running, or found in the
    namespace / captured warnings after a run) with stable ids such as ``lr-ignored``.
    ``internal_error`` is set when kerasmagic itself failed: it never hides the user's error.
    ``earlier_fix``: the error's cause was made by an earlier cell, corrected there (the
    suggestions explain it; this cell has no corrected version of its own).
    """

    source: str
    ok: bool
    ran: bool = True
    error_type: str | None = None
    error_message: str | None = None
    suggestions: list[Finding] = field(default_factory=list)
    traps: list[Finding] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    internal_error: str | None = None
    # what the source is to the user: a notebook "cell", or a "script" run from a terminal
    unit: str = "cell"
    earlier_fix: EarlierFix | None = None

    def fixing(self, at_least: float = 0.0) -> Finding | None:
        """The finding whose corrected cell is the result's: the best suggestion with one, else
        (for a cell that raised nothing) the best trap with one; ``at_least``: only a finding
        that sure. A trap's fix alone never stands for the fix of an error."""
        traps = ranked(self.traps) if self.error_type is None else []
        for f in ranked(self.suggestions) + traps:
            if f.fixed_source is not None and f.fixed_source != self.source:
                if f.confidence >= at_least:
                    return f
        return None

    @property
    def fixed_source(self) -> str | None:
        """The corrected cell (``fixing()``'s), or None."""
        lead = self.fixing()
        return lead.fixed_source if lead is not None else None

    def split(self, at_least: float = 0.0) -> tuple[list[Finding], list[Finding]]:
        """``(fixes, left)`` of the corrected cell ``fixing(at_least)``: the findings whose
        problems it fixes (the finding that holds it first, then ``its fixes``) and the findings
        it leaves (the suggestions; for a cell that raised nothing, the traps too)."""
        lead = self.fixing(at_least)
        fixes = [lead, *lead.fixes] if lead is not None else []
        done = {(f.id, f.title) for f in fixes}
        shown = ranked(self.suggestions) + (ranked(self.traps) if self.error_type is None else [])
        left = [f for f in shown if f is not lead and (f.id, f.title) not in done]
        return fixes, left

    @property
    def fixes(self) -> list[Finding]:
        """The findings whose problems ``fixed_source`` fixes (empty without one)."""
        return self.split()[0]

    @property
    def left(self) -> list[Finding]:
        """The findings ``fixed_source`` does not fix (all of them without one)."""
        return self.split()[1]

    @property
    def fixed_across(self) -> tuple[dict[int, str], str] | None:
        """With the fix of ``fixed_source``, for a door that rewrites every cell: the earlier
        cells changed where a value the fix changes is made (index → source) and this cell's
        source then; None when the fix changes nothing made earlier."""
        fixed = self.fixed_source
        for f in ranked(self.suggestions) + ranked(self.traps):
            if fixed is not None and f.fixed_source == fixed and f.fixed_earlier:
                return dict(f.fixed_earlier), f.fixed_across or self.source
        return None

    def to_dict(self) -> dict[str, Any]:
        fixes, left = self.split()
        return {
            "ok": self.ok,
            "ran": self.ran,
            "error_type": self.error_type,
            "error_message": self.error_message,
            # "message": the one-line explanation issue 3's JSON promises (the finding's title)
            "suggestions": [{"message": f.title, **f.to_dict()} for f in ranked(self.suggestions)],
            "traps": [f.to_dict() for f in ranked(self.traps)],
            "fixed_source": self.fixed_source,
            # what the corrected cell fixes and leaves, by id (in full: the suggestions and traps,
            # and the ``fixes`` of the finding that holds the corrected cell)
            "fixes": [f.id for f in fixes],
            "left": [f.id for f in left],
            "versions": self.versions,
            "internal_error": self.internal_error,
            "source": self.source,
            "unit": self.unit,
            "earlier_fix": plain(self.earlier_fix),
        }
