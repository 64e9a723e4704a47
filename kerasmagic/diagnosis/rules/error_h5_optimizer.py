"""Error rule: a model loaded from a legacy HDF5 file (``.h5``) and trained again in Keras 3.

Keras 2 saved a whole model to ``.h5`` with its optimizer's state, and ``load_model`` gave it
back ready to go on training. Keras 3's legacy HDF5 loader compiles the loaded model and builds
its optimizer with the model's *own* variables (``model._trainable_variables``), which for a
``Sequential`` or functional model, whose weights belong to its layers, is none at all. The
first ``fit``/``train_on_batch`` then fails: "Unknown variable: <Variable path=dense/kernel …>.
This optimizer can only be called for the variables it was originally built with". Evidence,
read from the live kernel: a model of the namespace holds the variable the message names, and
its optimizer is built with no variable. Keras 3's own format (``.keras``) restores the optimizer
with its state, as Keras 2's ``.h5`` did, so the repair is the file name, where its value is
made: the save writes ``….keras`` and the loads read it.

Where the save is:
- in this cell (with the load): both are renamed;
- in an earlier cell: ``migrate`` corrects that cell (the entry's ``earlier_cell``:
  ``migrate/origins.origin_before`` diagnoses it with the same error), runs it again, and the
  load that still names the old file is renamed once the file the corrected save wrote is on
  disk and newer than the old one;
- nowhere (a file the notebook did not write): the load becomes ``compile=False`` followed by a
  ``compile`` with what the file records (``reload_fix``), and the finding says that the
  optimizer's state (its moments, its step count) starts afresh, as Keras 3 cannot read it back.
"""

from __future__ import annotations

import ast
from functools import partial
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.rewrite import Edit, after_statement, node_text, statement_of
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_saving import (
    calls_of,
    changed_paths,
    extension_change,
    loads_of,
    path_argument,
    tell,
    written_load,
)
from kerasmagic.diagnosis.rules.optimizer_state import UNKNOWN_VARIABLE
from kerasmagic.diagnosis.value_transforms import Transform
from kerasmagic.knowledge.catalogue import entries_with_rule


@rule("h5-load-optimizer-unbuilt", when=(ERROR,), family="saving", errors=("ValueError",))
def h5_optimizer(ctx: CellContext) -> list[Problem]:
    """The HDF5 save (and loads) of this cell renamed ``.keras``; else this cell's load of a file
    a corrected save has written under the new name; else the cause, explained."""
    found = UNKNOWN_VARIABLE.search(ctx.message)
    entries = entries_with_rule("h5-optimizer")
    if found is None or not entries or ctx.cell.tree is None:
        return []
    if not any(_stranded(model, found.group(1)) for model in ctx.live_names.values()):
        return []
    entry = entries[0]
    data = entry.data
    change = extension_change(data)
    saves = [c for c in calls_of(ctx.cell, tuple(data["saves"])) if _renamed(ctx, c, change)]
    result = changed_paths(ctx, saves, change, data) if saves else None
    if result is not None:
        edits, across, paths, note = result
        more = loads_of(ctx, tuple(data["loads"]), paths, change)
        problem = from_entry(entry.id, ctx.line or saves[0].lineno, edits + more, ["load_model"],
                             ctx.shown_versions, keras=ctx.versions.get("keras", "3"))  # fmt: skip
        tell(problem, across + more, note)
        return [problem]
    loads = [c for c in calls_of(ctx.cell, tuple(data["loads"])) if _renamed(ctx, c, change)]
    edits, across = _loads_written_instead(ctx, loads, change)
    problem = from_entry(entry.id, ctx.line or (loads[0].lineno if loads else 1), edits,
                         ["load_model"], ctx.shown_versions, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    if edits:
        tell(problem, across, "")
        return [problem]
    in_earlier = bool(loads) and saved_earlier(ctx, loads, tuple(data["saves"]))
    reload = None if in_earlier else _reload(ctx)
    if reload is not None:
        problem.edits, problem.fix_code = reload.edits, reload.code
        problem.fix = str(entry.data.get("no_save", problem.fix)).format(code=reload.code)
        return [problem]
    recompiled = [] if in_earlier else _recompiled(ctx, tuple(data["loads"]))
    if recompiled:
        problem.edits = recompiled
        problem.fix = str(entry.data["recompiled"])
        return [problem]
    problem.explanation = True
    problem.certain = False
    if in_earlier:
        problem.fix += " The save is in an earlier cell: change its path there."
    return [problem]


def _recompiled(ctx: CellContext, loads: tuple[str, ...]) -> list[Edit]:
    """A load whose file is known only when it runs (a path a function of the user's is given, a
    branch picks): after each ``NAME = load_model(path)`` of this cell, the model is compiled
    again from the compile config the file recorded when the path is an HDF5 file, so its
    optimizer is built anew for the model's weights. Nothing is read from the file here."""
    edits: list[Edit] = []
    for call in calls_of(ctx.cell, loads):
        statement = statement_of(ctx.cell.tree, call)
        path = path_argument(call)
        if not (isinstance(statement, ast.Assign) and statement.value is call and len(statement.targets) == 1):  # fmt: skip
            continue
        target, path_text = node_text(ctx.cell, statement.targets[0]), node_text(ctx.cell, path) if path is not None else None  # fmt: skip
        if any(k.arg == "compile" for k in call.keywords) or not isinstance(path, (ast.Name, ast.Attribute, ast.Constant)):  # fmt: skip
            continue  # loaded uncompiled (no optimizer to strand), or a path made in the call
        if not isinstance(statement.targets[0], (ast.Name, ast.Attribute)) or target is None or path_text is None:  # fmt: skip
            continue
        text = (
            f'if str({path_text}).endswith((".h5", ".hdf5")) and {target}.get_compile_config():'
            f"  # Keras 3's HDF5 loader builds the optimizer for no weights\n"
        )
        indent = indent_of(ctx.cell, statement)
        text += f"{indent}    {target}.compile_from_config({target}.get_compile_config())"
        edits.append(after_statement(ctx.cell, statement, text))
    return edits


def _reload(ctx: CellContext) -> Any:
    """A file the notebook did not write: its load with ``compile=False`` and a ``compile`` with
    the optimizer, loss and metrics the file records (``reload_fix``), for the first load of
    this cell that reads an HDF5 model file."""
    from kerasmagic.diagnosis.reload_fix import loaded_paths, reload_edits
    from kerasmagic.probes.saved_files import read_h5_model

    for call, root, target, path in loaded_paths(ctx.cell, None, ctx.namespace, partial(string_value, ctx)):
        saved = read_h5_model(path) if isinstance(path, str) and target else None
        if saved is not None:
            return reload_edits(ctx.cell, call, root, target, saved)  # type: ignore[arg-type]
    return None


def _stranded(model: Any, variable: str) -> bool:
    """A live Keras model holding the variable at ``variable`` whose optimizer was built with no
    variable at all (what Keras 3's HDF5 loader leaves)."""
    if not live.from_keras(model) or not hasattr(model, "trainable_variables"):
        return False
    try:
        optimizer = getattr(model, "optimizer", None)
        built_empty = bool(getattr(optimizer, "built", False)) and getattr(optimizer, "_trainable_variables", None) == []  # fmt: skip
        return built_empty and any(getattr(v, "path", None) == variable for v in model.trainable_variables)  # fmt: skip
    except Exception:
        return False


def _renamed(ctx: CellContext, call: Any, change: Transform) -> bool:
    """Does the call's path (its live value) end in an extension ``change`` replaces?"""
    arg = path_argument(call)
    path = string_value(ctx, arg) if arg is not None else None
    return bool(path) and change.literal is not None and change.literal(path) != path


def _loads_written_instead(ctx: CellContext, loads: list, change: Transform) -> tuple[list[Edit], list[Edit]]:  # fmt: skip
    """The loads whose renamed file is on disk and newer than the old one (the corrected save of
    an earlier cell wrote it): their paths renamed where the value is made."""
    edits: list[Edit] = []
    across: list[Edit] = []
    for call in loads:
        found = written_load(ctx, path_argument(call), change)
        if found is not None:
            edits += found[0].edits
            across += found[0].across
    return edits, across


def saved_earlier(ctx: CellContext, loads: list, methods: tuple) -> bool:
    """Does an earlier cell save to the path one of the loads reads (its live value)?"""
    paths = {string_value(ctx, path_argument(c)) for c in loads if path_argument(c) is not None}
    for _index, parsed in cells(ctx)[1:]:
        for call in calls_of(parsed, methods):
            arg = path_argument(call)
            if arg is not None and string_value(ctx, arg) in paths:
                return True
    return False
