"""Which cells to run again before a corrected earlier cell, when that cell cannot run alone.

An earlier cell corrected for a later one's error (``loop._fix_earlier``) runs again in the same
kernel. A cell that consumed what it read cannot: the Keras FAQ's ``model.save('m.h5')`` then
``del model`` fails with "name 'model' is not defined" when run a second time. The cells from
the newest one that binds that name up to the corrected cell run again first, in order, as
"Run All Above" from there would (they train again: the only way to have the model back). A cell
that adds to an object an earlier cell made (``model_left.add(Embedding(…))`` under a
``model_left = Sequential()`` cells above) cannot either: run again, it adds a second layer, so
the cells from the one binding it run again first (``accumulated``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from kerasmagic.migrate.sources import accumulated_names, bound_names

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


def accumulated(done: Sequence[Any], cell: Any) -> list[Any]:
    """The cells of ``done`` to run again before ``cell`` runs again corrected: from the oldest of
    the newest earlier cells binding each name it adds to, to the one before it; empty when it
    adds to nothing an earlier cell made."""
    if cell not in done:
        return []
    names = accumulated_names(cell.final)
    before = list(done[: list(done).index(cell)])
    starts = []
    for name in names:
        binder = next((i for i in range(len(before) - 1, -1, -1) if name in bound_names(before[i].final)), None)  # fmt: skip
        if binder is None:
            return []  # made elsewhere (a module, a loop): nothing to run again from
        starts.append(binder)
    return before[min(starts):] if starts else []
