"""The one shape every problem kerasmagic reports takes: env report, check engine and traps alike."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

SEVERITIES = ("error", "warning", "info")


@dataclass
class Finding:
    """A ranked, actionable finding: what happened, why, and what to do here.

    ``id`` is stable (scripts gate on it), ``fix`` is plain words, ``fix_code`` is code to paste
    (Python, or a ``%pip install …`` line), ``fixed_source`` is the whole corrected cell or None
    when the fix is not a code change (an install, a restart). ``details`` is an exact list the
    finding rests on (e.g. every stale module), shown under ``details_label``. ``fixes``: the
    findings of the other problems ``fixed_source`` fixes too (one corrected cell often fixes
    several), each without a corrected cell of its own.
    """

    id: str
    severity: str
    title: str
    cause: str = ""
    fix: str = ""
    fix_code: str | None = None
    fixed_source: str | None = None
    confidence: float = 1.0
    versions: dict[str, str] = field(default_factory=dict)
    verify: str | None = None
    references: list[str] = field(default_factory=list)
    restart_needed: bool = False
    details_label: str = ""
    details: list[str] = field(default_factory=list)
    # where the whole notebook can be rewritten (``migrate``): the earlier cells changed where a
    # value the fix changes is made (index in the cells run before → corrected source), and this
    # cell's source then (``fixed_source`` binds such a value again instead)
    fixed_earlier: dict[int, str] = field(default_factory=dict)
    fixed_across: str | None = None
    fixes: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    @property
    def rank(self) -> tuple[int, float]:
        """Sort key: errors first, then higher confidence."""
        return (SEVERITIES.index(self.severity), -self.confidence)

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


def plain(value: Any) -> Any:
    """``dataclasses.asdict`` for report data: dataclasses become dicts, lists, tuples and dicts
    are copied, anything else is kept as it is (no deep copy of leaves: report values are
    strings, numbers and None, and a deep copy of each was most of a report's JSON view)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def ranked(findings: list[Finding]) -> list[Finding]:
    """Findings sorted errors → warnings → info, most confident first (stable otherwise)."""
    return sorted(findings, key=lambda f: f.rank)
