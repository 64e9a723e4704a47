"""Which cells to run again before a corrected earlier cell, when that cell cannot run alone.

An earlier cell corrected for a later one's error (``loop._fix_earlier``) runs again in the same
kernel. A cell that consumed what it read cannot: the Keras FAQ's ``model.save('m.h5')`` then
``del model`` fails with "name 'model' is not defined" when run a second time. The cells from
the newest one that binds that name up to the corrected cell run again first, in order, as
"Run All Above" from there would (they train again: the only way to have the model back)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from kerasmagic.migrate.sources import bound_names

UNDEFINED = re.compile(r"name '(\w+)' is not defined")


def binders(done: Sequence[Any], cell: Any, error: str | None) -> list[Any]:
    """The cells of ``done`` to run again before ``cell`` (a cell of ``done``) after it failed
    with ``error``: from the newest earlier one binding the undefined name to the one before
    ``cell``; empty when the error is not a name the cells before it bind."""
    found = UNDEFINED.search(error or "")
    if found is None or cell not in done:
        return []
    before = list(done[: list(done).index(cell)])
    for index in range(len(before) - 1, -1, -1):
        if found.group(1) in bound_names(before[index].final):
            return before[index:]
    return []
