"""The result of checking one cell: the error it raised (if any), suggestions and silent traps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kerasmagic.findings import Finding, ranked


@dataclass
class CheckResult:
    """What the engine returns; ``kerasmagic.check`` and ``%%keras_check`` show it through
    ``kerasmagic.render.check.CheckView`` (diagnosis never imports render).

    ``suggestions`` explain the error the cell raised (ranked; the first one's ``fixed_source``
    is the corrected cell). ``traps`` are silent problems (lint before running, or found in the
    namespace / captured warnings after a run) with stable ids such as ``lr-ignored``.
    ``internal_error`` is set when kerasmagic itself failed: it never hides the user's error.
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

    @property
    def fixed_source(self) -> str | None:
        """The corrected cell: the best suggestion's, else (for a cell that raised nothing) the
        best trap fix's, else None. A trap's fix alone never stands for the fix of an error."""
        traps = ranked(self.traps) if self.error_type is None else []
        for f in ranked(self.suggestions) + traps:
            if f.fixed_source is not None and f.fixed_source != self.source:
                return f.fixed_source
        return None

    @property
    def fixed_across(self) -> tuple[dict[int, str], str] | None:
        """With the fix of ``fixed_source``, for a door that rewrites every cell: the earlier
        cells changed where a value the fix changes is made (index → source) and this cell's
        source then; None when the fix changes nothing made earlier."""
        fixed = self.fixed_source
        for f in ranked(self.suggestions):
            if fixed is not None and f.fixed_source == fixed and f.fixed_earlier:
                return dict(f.fixed_earlier), f.fixed_across or self.source
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "ran": self.ran,
            "error_type": self.error_type,
            "error_message": self.error_message,
            # "message": the one-line explanation issue 3's JSON promises (the finding's title)
            "suggestions": [{"message": f.title, **f.to_dict()} for f in ranked(self.suggestions)],
            "traps": [f.to_dict() for f in ranked(self.traps)],
            "fixed_source": self.fixed_source,
            "versions": self.versions,
            "internal_error": self.internal_error,
            "source": self.source,
        }
