"""Error rule: ``load_model`` of a legacy ``.h5`` model whose training config Keras 3 cannot
rebuild ("Could not deserialize 'keras.metrics.mse' because it is not a KerasSaveable subclass"):
a Keras 2 file, or one Keras 3's own HDF5 saving wrote (it records the same short names).

Where the notebook writes the file itself, the save is named ``….keras`` where its path is made:
Keras 3's own format gives back the compile config and the optimizer's state, as Keras 2's
``.h5`` did, so a model trained on after the load trains as it did.
- the save in this cell: the save and the load are renamed together;
- the save in an earlier cell: ``migrate`` corrects that cell (the entry's ``earlier_cell``: the
  cell is diagnosed with this error and its save of an ``.h5`` Keras 3 wrote is renamed), runs
  it again, and the load is renamed once the file the corrected save wrote is on disk and newer
  than the old one (``error_saving.written_load``); ``%%keras_check`` says where to change it;
- a file the notebook does not write: it is loaded with ``compile=False`` and compiled again
  with what the file records (``reload_fix``); the optimizer starts afresh, which the fix says.
"""

from __future__ import annotations

import os
import re
from functools import partial

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.reload_fix import loaded_paths, reload_edits
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_h5_optimizer import saved_earlier
from kerasmagic.diagnosis.rules.error_saving import (
    calls_of,
    changed_paths,
    extension_change,
    loads_of,
    path_argument,
    tell,
    written_load,
)
from kerasmagic.knowledge.catalogue import Entry, entries_with_rule
from kerasmagic.probes.saved_files import read_h5_model


@rule("keras2-h5-compile-config", when=(ERROR,), family="saving", needs=("load_model", "save"))
def keras2_h5_reload(ctx: CellContext) -> list[Problem]:
    """The load's file renamed ``.keras`` with the notebook's save of it; else ``compile=False``
    and the compile the file records."""
    entry = next((e for e in entries_with_rule("keras2-h5-reload") if _matches(e, ctx)), None)
    if entry is None or ctx.cell.tree is None:
        return []
    data = entry.data
    change = extension_change(data)
    loads = list(loaded_paths(ctx.cell, ctx.line, ctx.namespace, partial(string_value, ctx)))
    if not loads:  # an earlier cell diagnosed with a later load's error (migrate): its saves
        return _own_saves(ctx, entry)
    for call, root, target, path in loads:
        saved = read_h5_model(path)
        if saved is None or saved.keras_major not in (2, 3):
            continue
        problem = _problem(ctx, entry, call.lineno, saved)
        found = written_load(ctx, path_argument(call), change)  # the corrected save has written the new name
        if found is not None:
            problem.edits = found[0].edits
            tell(problem, found[0].across, found[0].note or "")
            return [problem]
        here = [c for c in calls_of(ctx.cell, tuple(data["saves"])) if _path(ctx, c) == path]
        renamed = changed_paths(ctx, here, change, data) if here and saved.keras_major == 3 else None  # fmt: skip
        if renamed is not None:
            edits, across, paths, note = renamed
            more = loads_of(ctx, tuple(data["loads"]), paths, change)
            problem.edits = edits + more
            problem.fix = str(data["own_save"])
            tell(problem, across + more, note)
            return [problem]
        if saved.keras_major == 3 and saved_earlier(ctx, [call], tuple(data["saves"])):
            problem.fix = str(data["own_save"]) + " The save is in an earlier cell: change its path there."  # fmt: skip
            problem.certain = False
            return [problem]
        fix = reload_edits(ctx.cell, call, root, target, saved) if target else None
        if fix:
            problem.edits, problem.fix_code = fix.edits, fix.code
            problem.fix += " " + str(data["afresh"])
        return [problem]
    return []


def _own_saves(ctx: CellContext, entry: Entry) -> list[Problem]:
    """This cell's saves of a whole model to an ``.h5`` file on disk that Keras 3 wrote (what a
    later cell's load failed to read back), renamed ``.keras`` where the path is made."""
    data = entry.data
    change = extension_change(data)
    saves = [c for c in calls_of(ctx.cell, tuple(data["saves"])) if _keras3_h5(_path(ctx, c))]
    renamed = changed_paths(ctx, saves, change, data) if saves else None
    if renamed is None:
        return []
    edits, across, _paths, note = renamed
    saved = read_h5_model(_path(ctx, saves[0]))
    problem = _problem(ctx, entry, saves[0].lineno, saved)
    problem.edits = edits
    problem.fix = str(data["own_save"])
    tell(problem, across, note)
    return [problem]


def _matches(entry: Entry, ctx: CellContext) -> bool:
    pattern = entry.match.get("message")
    return ctx.error_type in entry.match.get("exception", []) and bool(re.search(pattern, ctx.message))  # fmt: skip


def _path(ctx: CellContext, call) -> str | None:  # type: ignore[no-untyped-def]
    arg = path_argument(call)
    return string_value(ctx, arg) if arg is not None else None


def _keras3_h5(path: str | None) -> bool:
    saved = read_h5_model(path) if path and os.path.isfile(path) else None
    return saved is not None and saved.keras_major == 3


def _problem(ctx: CellContext, entry: Entry, line: int, saved) -> Problem:  # type: ignore[no-untyped-def]
    return from_entry(
        entry.id,
        ctx.line or line,
        [],
        ["load_model"],
        keras=live.versions().get("keras", "3"),
        saved_keras=saved.keras_version or "2",
        file=os.path.basename(saved.path),
    )
