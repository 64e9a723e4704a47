"""Error rule: a model saved as a legacy HDF5 file (``.h5``) that holds Keras 3 operations.

A functional model built with ``keras.ops`` on its tensors (``keras.ops.abs(y - t)``, often what
a Keras 2 backend call on symbolic tensors became) records each operation as a node of its own
(``Absolute``, ``Sum``). Keras 3 saves such a model to ``.h5`` without complaint, and
``load_model`` of that file fails: "Unknown layer: 'Absolute'" (its legacy HDF5 loader rebuilds
layers only). Keras 3's own format rebuilds them. Evidence: the class the message names is an
operation of the live model this cell saves (not a layer), and the save's path ends in an HDF5
extension; the path becomes ``.keras`` where its value is made, with the loads of the same path.
The save is usually cells before the load: the entry's ``earlier_cell`` lets ``migrate`` correct
that cell (``migrate/origins.origin_before``), and a load of the old name then reads the file
the corrected save wrote (``load-of-renamed-save``).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_saving import (
    calls_of,
    changed_paths,
    extension_change,
    loads_of,
    tell,
)
from kerasmagic.knowledge.catalogue import entries_with_rule

UNKNOWN = re.compile(r"Unknown layer: '(\w+)'")


@rule("h5-cannot-hold-operations", when=(ERROR,), family="saving", errors=("ValueError",),
      needs=("save", "load_model"))  # fmt: skip
def h5_operations(ctx: CellContext) -> list[Problem]:
    """The saves of this cell whose live model holds the operation the load could not rebuild;
    a save in an earlier cell is explained at the load (``migrate`` corrects that cell itself)."""
    found = UNKNOWN.search(ctx.message)
    entries = entries_with_rule("h5-operations")
    if found is None or not entries or ctx.cell.tree is None:
        return []
    entry, name = entries[0], found.group(1)
    data = entry.data
    change = extension_change(data)
    saves = [
        call
        for call in calls_of(ctx.cell, tuple(data.get("saves", ())))
        if name in operation_names(_saved_model(ctx, call))
    ]
    if not saves:
        return _saved_earlier(ctx, entry.id, name, tuple(data.get("saves", ())))
    result = changed_paths(ctx, saves, change, data)
    if result is None:
        return []
    edits, across, paths, note = result
    more = loads_of(ctx, tuple(data.get("loads", ())), paths, change)
    problem = from_entry(
        entry.id, saves[0].lineno, edits + more, [name], ctx.shown_versions, operation=name
    )
    tell(problem, across + more, note)
    return [problem]


def _saved_earlier(ctx: CellContext, entry_id: str, name: str, methods: tuple) -> list[Problem]:
    """The cause, at the failing load, when an earlier cell saved a live model holding the
    operation: that cell is where the path must become ``.keras`` (no rewrite of this cell)."""
    for _earlier, parsed in cells(ctx)[1:]:
        for call in calls_of(parsed, methods):
            if name in operation_names(_saved_model(ctx, call)):
                problem = from_entry(
                    entry_id, ctx.line or 1, [], [name], ctx.shown_versions, operation=name
                )
                problem.fix += " The save is in an earlier cell: change its path there."
                problem.certain = False
                problem.explanation = True
                return [problem]
    return []


def _saved_model(ctx: CellContext, call: ast.Call) -> Any:
    """The live model a save writes: ``model`` of ``model.save(…)``, the first argument of
    ``save_model(model, …)`` (read from the namespace; None when it is not a name there)."""
    if isinstance(call.func, ast.Attribute) and call.func.attr != "save_model":
        return value_in(ctx.live_names, call.func.value)
    if call.args:
        return value_in(ctx.live_names, call.args[0])
    return None


def operation_names(model: Any, depth: int = 0) -> set[str]:
    """The class names of the operations of a live functional model (and of the models nested in
    it) that are not layers: what Keras 3 records as ``keras.ops`` nodes. Read only."""
    if model is None or depth > 4 or not live.from_keras(model):
        return set()
    try:
        operations = list(getattr(model, "operations", None) or ())
    except Exception:
        return set()
    names: set[str] = set()
    for operation in operations:
        if not live.is_layer_class(type(operation)):
            names.add(type(operation).__name__)
        elif operation is not model:
            names |= operation_names(operation, depth + 1)
    return names
