"""How migrate words a cell's outcome on its progress line, and why a run stopped."""

from __future__ import annotations

from kerasmagic.migrate import results as R


def describe(cell: R.CellResult) -> str:
    """A cell's outcome in a few words: fixed (by which rules), failed (with what), or its status."""
    ids = sorted({r.get("id", "?") for c in cell.changes for r in c.rules})
    if cell.status == R.FIXED:
        return f"fixed ({', '.join(ids) or 'rewritten'})"
    if cell.status in R.STOPPING:
        return (
            f"FAILED {cell.error}"
            if cell.status == R.FAILED
            else f"{cell.status.upper()} {cell.error}"
        )
    return cell.status


def stop_message(cell: R.CellResult, rest: int) -> str:
    """Why running stopped at ``cell``, in plain words."""
    where = f"cell {cell.number}"
    after = f"; the {rest} cell(s) after it got static fixes only and were not run" if rest else ""
    if cell.status == R.TIMEOUT:
        return f"stopped at {where}: {cell.error}{after}"
    if cell.status == R.DEAD:
        return (
            f"stopped at {where}: the kernel died (out of memory, or a crash in native code){after}"
        )
    if cell.left:
        why = cell.left[0].get("title") or ""
        return f"stopped at {where}: {cell.error} — kerasmagic explains it ({why}) but has no verified rewrite{after}"
    return (
        f"stopped at {where}: {cell.error} — kerasmagic recognises no TF/Keras version problem in "
        f"this error, so it has no rewrite for it (the cell's traceback is in the report){after}"
    )
