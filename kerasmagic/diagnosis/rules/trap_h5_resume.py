"""Trap rule: a whole model saved to HDF5 (``.h5``/``.hdf5``) that the notebook loads back and
trains, a load written before the save (``try: model = load_model(path)`` … ``except:`` build
it, then ``ModelCheckpoint(path)``: training resumes where the last run stopped).

The run in front of us found no file, built the model and wrote one. The next run loads it, and
Keras 3's HDF5 loader builds the loaded model's optimizer for none of its variables: its first
``fit`` fails ("Unknown variable … This optimizer can only be called for the variables it was
originally built with", ``rules/error_h5_optimizer.py``). Keras 2 resumed from the same file with
the optimizer's state. Keras 3's own format does both, so the file is named ``….keras`` where
its name is made (the save and the load read the same value), before anybody runs it again.

Evidence, read after the run: a save of this cell of a whole model (``ModelCheckpoint`` without
``save_weights_only=True``, ``save``, ``save_model``) whose path's value (live) ends in ``.h5`` and
is a file on disk now; a ``load_model`` of the same value in an earlier cell or earlier in this
one, bound to a name some cell trains (``fit``, ``fit_generator``, ``train_on_batch``); Keras 3 here.
"""

from __future__ import annotations

import ast
import os

from kerasmagic.diagnosis.context import AFTER_RUN, CellContext
from kerasmagic.diagnosis.keras3_support import keras3_here
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.provenance import parsed_source
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_saving import calls_of, extension_change, path_argument, tell
from kerasmagic.diagnosis.trap_support import trap_problem
from kerasmagic.diagnosis.value_change import origin_edit, rewrite
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "h5-resume-after-save"
TRAINS = ("fit", "fit_generator", "train_on_batch")


@rule(ENTRY, when=(AFTER_RUN,), family="saving", kind="trap", needs=("ModelCheckpoint", "save"))
def h5_resume(ctx: CellContext) -> list[Problem]:
    """The HDF5 path of this cell's whole-model save, which an earlier load reads back to train,
    renamed ``.keras`` where it is made."""
    entry = find_entry(ENTRY)
    if entry is None or ctx.cell.tree is None or not ctx.namespace or not keras3_here():
        return []
    data = entry.data
    change = extension_change(data)
    saves = [c for c in calls_of(ctx.cell, tuple(data["saves"])) if _whole_model(c)]
    receivers = _trained_names(ctx.cell.tree) | {_receiver(c) for c in saves}
    if not any(_keras3_model(ctx.namespace.get(name)) for name in receivers if name):
        return []  # a tf_keras (Keras 2) model saves and loads .h5 with its optimizer
    written = {c: string_value(ctx, a) for c in saves if (a := path_argument(c)) is not None}
    paths = {p for p in written.values() if p and change.literal(p) != p and os.path.isfile(p)}  # type: ignore[misc]
    if not paths:
        return []
    loads = _trained_loads(ctx, paths, min(c.lineno for c, p in written.items() if p in paths))
    if not loads:
        return []
    edits: list[Edit] = []
    across: list[Edit] = []  # where the value is made, even where a cell run since read it (the load)
    for call, path in written.items():
        changed = rewrite(ctx, path_argument(call), change) if path in paths else None  # type: ignore[arg-type]
        if path in paths and changed is None:
            return []
        if changed is not None:
            edits += changed.edits
            across += [e for e in (origin_edit(o, change) for o in changed.origins) if e is not None]
    for index, parsed, arg in loads:  # a load naming the file itself, not through the same name
        edit = _literal_edit(parsed, arg, change.literal, index)  # type: ignore[arg-type]
        if edit is not None and edit not in across:
            across.append(edit)
            if index is None:
                edits.append(edit)
    fields = {"path": ", ".join(f"`{p}`" for p in sorted(paths))}
    problem = trap_problem(ctx, entry, fields, edits=edits, line=saves[0].lineno)
    problem.names = ["load_model"]
    tell(problem, across, "")
    return [problem]


def _whole_model(call: ast.Call) -> bool:
    """A save of the whole model (not ``save_weights_only=True``)."""
    return not any(
        k.arg == "save_weights_only" and not (isinstance(k.value, ast.Constant) and not k.value.value)
        for k in call.keywords
    )


def _trained_loads(ctx: CellContext, paths: set[str], before: int) -> list[tuple[int | None, ParsedCell, ast.expr]]:  # fmt: skip
    """The ``load_model`` calls of a path in ``paths`` (the earlier cells', this cell's before
    line ``before``) whose result is bound to a name some cell trains: ``(cell index or None,
    parsed cell, the path argument)``."""
    found: list[tuple[int | None, ParsedCell, ast.expr]] = []
    parsed = [(i, parsed_source(s)) for i, s in enumerate(ctx.earlier)] + [(None, ctx.cell)]
    trained = {name for _, cell in parsed for name in _trained_names(cell.tree)}
    trained |= {name for later in ctx.later for name in _trained_names(parsed_source(later).tree)}
    for index, cell in parsed:
        for node in walk(cell.tree):
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            call = node.value
            if getattr(call.func, "attr", getattr(call.func, "id", None)) != "load_model":
                continue
            if index is None and call.lineno >= before:
                continue
            arg = path_argument(call)
            targets = {t.id for t in node.targets if isinstance(t, ast.Name)}
            if arg is not None and targets & trained and string_value(ctx, arg) in paths:
                found.append((index, cell, arg))
    return found


def _receiver(call: ast.Call) -> str | None:
    func = call.func
    return func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else None


def _keras3_model(value: object) -> bool:
    """A model of the ``keras`` package (Keras 3 here), with an optimizer."""
    return type(value).__module__.split(".")[0] == "keras" and hasattr(value, "optimizer")


def _trained_names(tree: ast.AST | None) -> set[str]:
    return {
        node.func.value.id
        for node in walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in TRAINS
        and isinstance(node.func.value, ast.Name)
    }


def _literal_edit(parsed: ParsedCell, arg: ast.expr, change, index: int | None) -> Edit | None:  # type: ignore[no-untyped-def]
    """The load's own literal path renamed (in the earlier cell ``index``)."""
    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        return None
    new = change(arg.value)
    edit = node_edit(parsed, arg, quoted_like(node_text(parsed, arg), new)) if new else None
    return Edit(edit.line, edit.col, edit.end_line, edit.end_col, edit.text, index) if edit else None
