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
from dataclasses import replace

from kerasmagic.diagnosis.context import AFTER_RUN, CellContext
from kerasmagic.diagnosis.keras3_support import keras3_here
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.member_values import live_member
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.provenance import parsed_source
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, callee_name, insertion_line, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_saving import calls_of, extension_change, path_argument, tell
from kerasmagic.diagnosis.trap_support import trap_problem
from kerasmagic.diagnosis.value_change import origin_edit, rewrite
from kerasmagic.diagnosis.value_transforms import Transform
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "h5-resume-after-save"
TRAINS = ("fit", "fit_generator", "train_on_batch")


@rule(ENTRY, when=(AFTER_RUN,), family="saving", kind="trap", needs=("fit", "save"))
def h5_resume(ctx: CellContext) -> list[Problem]:
    """The HDF5 path a whole-model save of this cell wrote, which an earlier load reads back to
    train, renamed ``.keras`` where it is made (for the save and the load alike)."""
    entry = find_entry(ENTRY)
    if entry is None or ctx.cell.tree is None or not ctx.namespace or not keras3_here():
        return []
    data = entry.data
    change = extension_change(data)
    saves = [c for c in calls_of(ctx.cell, tuple(data["saves"])) if _whole_model(c)]
    receivers = _trained_names(ctx.cell.tree) | {_receiver(c) for c in saves}
    if not any(_keras3_model(ctx.namespace.get(name)) for name in receivers if name):
        return []  # a tf_keras (Keras 2) model saves and loads .h5 with its optimizer
    written = {p: c.lineno for c in saves if (a := path_argument(c)) and (p := string_value(ctx, a))}
    written.update({p: line for p, line in _checkpointed(ctx) if p not in written})
    paths = {p for p in written if change.literal(p) != p and os.path.isfile(p)}  # type: ignore[misc]
    if not paths:
        return []
    parsed = [(i, parsed_source(s)) for i, s in enumerate(ctx.earlier)] + [(None, ctx.cell)]
    loads = _trained_loads(ctx, parsed, paths, min(written[p] for p in paths))
    if not loads:
        return []
    sites = loads + [s for s in _sites(parsed, (*data["saves"], "ModelCheckpoint")) if string_value(ctx, s[2]) in paths]  # fmt: skip
    renamed = [_renamed(ctx, site, change) for site in sites]
    if any(r is None for r in renamed):
        return []  # a path made where it cannot be changed: the save and the load would part
    edits = list(dict.fromkeys(e for r in renamed if r for e in r[0]))
    across = list(dict.fromkeys(e for r in renamed if r for e in r[1]))
    fields = {"path": ", ".join(f"`{p}`" for p in sorted({string_value(ctx, s[2]) for s in loads}))}  # type: ignore[misc]
    problem = trap_problem(ctx, entry, fields, edits=edits, line=min(written[p] for p in paths))
    problem.names = ["load_model"]
    tell(problem, across, "")
    return [problem]


Site = tuple[int | None, ParsedCell, ast.expr]  # (cell index or None, its parsed source, a path)


def _checkpointed(ctx: CellContext) -> list[tuple[str, int]]:
    """The files the live ``ModelCheckpoint`` callbacks of this cell's ``fit`` calls save a whole
    model to (made here or cells earlier), with the line of the ``fit``."""
    out: list[tuple[str, int]] = []
    for call in walk(ctx.cell.tree):
        if not (isinstance(call, ast.Call) and getattr(call.func, "attr", None) in TRAINS):
            continue
        given = next((k.value for k in call.keywords if k.arg == "callbacks"), None)
        items = given.elts if isinstance(given, ast.List | ast.Tuple) else [given] if given else []
        for item in items:
            value = ctx.namespace.get(item.id) if isinstance(item, ast.Name) and ctx.namespace else None
            for callback in value if isinstance(value, list | tuple) else [value]:
                path = getattr(callback, "filepath", None)
                if type(callback).__name__ == "ModelCheckpoint" and not getattr(callback, "save_weights_only", True) and isinstance(path, str):  # fmt: skip
                    out.append((path, call.lineno))
    return out


def _sites(parsed: list[tuple[int | None, ParsedCell]], callables: tuple[str, ...]) -> list[Site]:
    """The path arguments of calls of ``callables`` in the earlier cells and this one."""
    return [
        (index, cell, arg)
        for index, cell in parsed
        for call in walk(cell.tree)
        if isinstance(call, ast.Call)
        and callee_name(call) in callables
        and (arg := path_argument(call)) is not None
    ]


def _renamed(ctx: CellContext, site: Site, change: Transform) -> tuple[list[Edit], list[Edit]] | None:
    """``(edits of the cell at hand, edits where the value is made)`` renaming the path of
    ``site``: its origin edited even where a cell run since read it (the load: the next run
    must read the new name), and, for the cell at hand, the name bound again at its top."""
    index, parsed, arg = site
    if index is None:
        sub, node = ctx, arg
    else:  # the earlier cell, seen as the cell at hand with the cells before it
        sub = CellContext.of(ctx.earlier[index], namespace=ctx.namespace, earlier=ctx.earlier[:index])
        node = next((n for n in walk(sub.cell.tree) if _same_place(n, arg)), None)  # type: ignore[assignment]
    changed = rewrite(sub, node, change) if node is not None else None
    if changed is None:
        return None
    across = [e for e in (origin_edit(o, change) for o in changed.origins) if e is not None]
    across = [e if e.cell is not None or index is None else replace(e, cell=index) for e in across]
    here = changed.edits if index is None else _bound_again(ctx, changed.origins, change)
    return (here, across) if here is not None and len(across) == len(changed.origins) else None


def _same_place(node: ast.AST, arg: ast.expr) -> bool:
    return isinstance(node, type(arg)) and (getattr(node, "lineno", 0), getattr(node, "col_offset", 0)) == (arg.lineno, arg.col_offset)  # fmt: skip


def _bound_again(ctx: CellContext, origins: list, change: Transform) -> list[Edit] | None:
    """The names an earlier cell's path reads, bound again at the top of the cell at hand with
    their new live value (a literal path of an earlier cell: nothing to bind here)."""
    text = ""
    for origin in origins:
        if not origin.names:
            continue
        live = live_member(ctx.namespace, origin.names[0]) if ctx.namespace else None
        new = change.literal(live) if isinstance(live, str) and change.literal else None
        if new is None or len(origin.names) != 1:
            return None
        text += f"{origin.names[0]} = {new!r}\n"
    line = insertion_line(ctx.cell)
    return [Edit(line, 0, line, 0, text)] if text else []


def _whole_model(call: ast.Call) -> bool:
    """A save of the whole model (not ``save_weights_only=True``)."""
    return not any(
        k.arg == "save_weights_only" and not (isinstance(k.value, ast.Constant) and not k.value.value)
        for k in call.keywords
    )


def _trained_loads(ctx: CellContext, parsed: list[tuple[int | None, ParsedCell]], paths: set[str], before: int) -> list[tuple[int | None, ParsedCell, ast.expr]]:  # fmt: skip
    """The ``load_model`` calls of a path in ``paths`` (the earlier cells', this cell's before
    line ``before``) whose result is bound to a name some cell trains: ``(cell index or None,
    parsed cell, the path argument)``."""
    found: list[tuple[int | None, ParsedCell, ast.expr]] = []
    trained = {name for _, cell in parsed for name in _trained_names(cell.tree)}
    trained |= {name for later in ctx.later for name in _trained_names(parsed_source(later).tree)}
    for index, cell in parsed:
        for node in walk(cell.tree):
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            call = node.value
            if callee_name(call) != "load_model":
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
