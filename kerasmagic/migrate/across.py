"""A fix made where a value is made, carried through the rounds after it.

A fix whose error came from an earlier cell (a ``compile`` there, a path assigned there) ran in
this cell with that value bound again at its top (``fixed_source``); the notebook gets instead the
earlier cell changed and this cell without the re-binding (``fixed_across``: the same source with
those lines deleted). When a later round changes this cell again (the next error, a silent trap),
the cell that ran last still holds the re-binding lines: ``without_rebinding`` deletes the same
lines from it, so the earlier cell's change survives every later round.

When the fix ran and still failed (the same way, or with an error no rule fixes), objects the
cells in between made may hold the old definition (a layer made with the initializer the fix
defines again, a ``compile`` given the metric function it changes): ``tried_earlier`` runs the
earlier cells changed, from the first of them, and this cell's ``fixed_across``, as "Run All
Below" would; only when all of them run are the earlier cells changed in the notebook.
"""

from __future__ import annotations

import difflib
from typing import Any

from kerasmagic.migrate import installs


def deleted_blocks(fixed: str, fixed_across: str) -> list[list[str]] | None:
    """The runs of lines ``fixed_across`` lacks from ``fixed``; None unless it only lacks lines."""
    before, after = fixed.splitlines(keepends=True), fixed_across.splitlines(keepends=True)
    blocks: list[list[str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "delete":
            return None
        blocks.append(before[i1:i2])
    return blocks


def without_rebinding(fixed: str, fixed_across: str, current: str) -> str | None:
    """``current`` (a later round's source, grown from ``fixed``) without the lines that
    ``fixed_across`` deleted from ``fixed``; None when they are not all there unchanged."""
    blocks = deleted_blocks(fixed, fixed_across)
    if not blocks:
        return None
    lines = current.splitlines(keepends=True)
    for block in blocks:
        at = next((i for i in range(len(lines)) if lines[i : i + len(block)] == block), None)
        if at is None:
            return None
        del lines[at : at + len(block)]
    return "".join(lines)


def carried_round(changes: list[Any], across: dict[str, tuple[dict, dict, str]], current: str) -> tuple[dict, dict, str] | None:  # fmt: skip
    """The newest earlier round of this cell whose fix was made across cells, with its
    re-binding lines deleted from ``current``, what ran last (``migrate/across.py``)."""
    for change in reversed(changes[:-1]):
        if change.after in across:
            doc, originals, error = across[change.after]
            if originals:  # install lines stood in for: the texts are not comparable
                return None
            composed = without_rebinding(change.after, doc["fixed_across"], current)
            return ({**doc, "fixed_across": composed}, originals, error) if composed else None
    return None


def stuck_round(across: dict[str, tuple[dict, dict, str]], current: str, repeated: bool, unfixed: bool) -> tuple[dict, dict, str] | None:  # fmt: skip
    """The round made across cells whose run ``current`` just failed, to try where it was made
    (``tried_earlier``): when the error is the same again (the round is then done with), or one
    no rule fixes (kept, for a fresh kernel's run of the same round, if that try fails too)."""
    if repeated:
        return across.pop(current, None)
    return across.get(current) if unfixed else None


def tried_earlier(runner: Any, cell: Any, doc: dict, originals: dict, error: str) -> tuple[str, Any] | None:  # fmt: skip
    """Run the earlier cells ``doc["fixed_earlier"]`` changes, the cells after them as they are,
    then this cell's ``fixed_across``. All ran: the earlier changes are recorded
    (``runner._across``); this cell's new source and its run are returned. One failed: the
    cells from the first changed one run again as they were (the kernel gets the old
    definitions back) and nothing changes (None)."""
    done = runner.done
    changed = {int(k): new for k, new in doc["fixed_earlier"].items() if 0 <= int(k) < len(done)}
    changed = {i: new for i, new in changed.items() if new != done[i].final}
    if not changed:
        return None
    first = min(changed)
    runs = [(changed.get(i, c.final), c.number) for i, c in enumerate(done[first:], first) if c.ran and c.final.strip()]  # fmt: skip
    runs.append((doc["fixed_across"], cell.number))
    for source, number in runs:
        runner.count += 1
        run = runner._execute(installs.neutralize(source)[0], number - 1)
        if run.status != "ok":
            runner._run_again(done[first:])
            return None
    return runner._across(cell, cell.changes[-1], doc, originals, error), run
