"""The one output of every rule: a ``Problem`` — what is wrong, why, and the exact text edits.

Rules (``kerasmagic.diagnosis.rules``) return problems; the engine turns them into findings in
one step (``kerasmagic.diagnosis.findings_of``). A problem's words come from its catalogue entry,
filled by the one catalogue filler (``knowledge.catalogue.fill``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kerasmagic.diagnosis.rewrite import Edit
from kerasmagic.knowledge.catalogue import fill, find_entry
from kerasmagic.knowledge.installs import code_for, fix_for


@dataclass
class Problem:
    """One provable problem of a cell: its catalogue id, what to show, its edits.

    ``kind`` is ``"error"`` (it explains or causes an exception) or ``"trap"`` (the cell runs but
    does not do what it says). ``certain`` problems with ``edits`` may be applied without asking;
    ``names`` are the names/modules involved (to match the error message).
    """

    id: str
    line: int
    title: str
    cause: str = ""
    fix: str = ""
    edits: list[Edit] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    certain: bool = True
    fix_code: str | None = None
    references: list[str] = field(default_factory=list)
    kind: str = "error"
    severity: str = "error"
    confidence: float | None = None
    verify: str | None = None
    restart_needed: bool = False
    details_label: str = ""
    details: list[str] = field(default_factory=list)
    # matched to the error by its catalogue entry (exception, message, versions), not by the
    # failing line or the names: shown beside the problems that explain it, never instead
    explanation: bool = False
    # the edits for a door that rewrites every cell (``migrate``): ``edits`` with the values made
    # in earlier cells changed there (``Edit.cell``) instead of bound again in this cell
    # (``diagnosis/value_change.Rewrite.across``); None: the same as ``edits``
    across: list[Edit] | None = None
    # found by ``verify.corrected_cell`` in the text its earlier rounds corrected (its edits are
    # relative to that text, not to the cell as written)
    in_corrected: bool = False
    # not certain only because of these names, which it leaves as written (an import statement
    # rewritten around a name it cannot place): certain beside a certain problem rewriting them
    unsure_of: list[str] = field(default_factory=list)
    # the rule read in the live objects of the failing call that this problem raised the error,
    # though no frame of the traceback runs its line (a loss a module made, run by AutoGraph's
    # converted copy): it explains the error as a problem on a failing line does
    raised_it: bool = False


def from_entry(
    entry_id: str,
    line: int,
    edits: list[Edit],
    names: list[str],
    versions: dict[str, str] | None = None,
    **values: Any,
) -> Problem:
    """A problem worded by catalogue entry ``entry_id`` (placeholders from ``versions`` and
    ``values``); an unknown id gives a bare problem titled by ``values['title']`` or the id."""
    if versions is None:
        from kerasmagic.diagnosis.live import shown_versions

        versions = shown_versions()
    known = {**versions, **values}
    entry = find_entry(entry_id)
    if entry is None:
        return Problem(entry_id, line, str(known.get("title", entry_id)), edits=edits, names=names)
    return Problem(
        id=entry.id,
        line=line,
        title=fill(entry.title, known),
        cause=fill(entry.cause, known),
        fix=fix_for(entry, lambda text: fill(text, known)),
        edits=edits,
        names=names,
        fix_code=code_for(entry, lambda text: fill(text, known)),
        references=[entry.source],
        kind=entry.kind,
        severity=entry.severity,
    )
