"""``keras.wrappers.scikit_learn``, removed in Keras 2.12: SciKeras's wrappers where SciKeras is
installed, else the removed ``KerasClassifier``/``KerasRegressor`` written into the cell (they
train and score as they did, so nothing the notebook computes changes)."""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.import_bindings import written_in_import
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    insertion_line,
    node_edit,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry
from kerasmagic.knowledge.written_in import written_in

MODULE = "wrappers.scikit_learn"
WRAPPERS = ("KerasClassifier", "KerasRegressor")
WRITTEN_MARK = "_params_for"  # a method only the written-in wrappers have


@rule("scikit-learn-wrappers", when=(ERROR,), family="scikit-learn-wrappers", needs="scikit_learn")
def scikit_learn_wrappers(ctx: CellContext) -> list[Problem]:
    """``keras.wrappers.scikit_learn`` (removed): SciKeras's wrappers where it is installed,
    else the removed wrappers written in."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    if "scikit_learn" not in cell.source or cell.tree is None:
        return []
    entry = find_entry("scikit-learn-wrappers")
    module = entry.data.get("replacement_module", "scikeras.wrappers")
    if not live.top_exists(module.split(".")[0]):
        edits = _written_in_edits(cell, namespace)
        if edits:
            problem = from_entry("scikit-learn-wrappers-written-in", line or 1, edits, ["scikit_learn"])  # fmt: skip
            problem.certain = True  # the wrappers as they were: same fit, predict and score
            return [problem]
        return [from_entry(entry.id, line or 1, [], ["scikit_learn"])]
    edits = []
    for node in walk(cell.tree):
        if isinstance(node, ast.ImportFrom) and node.module and MODULE in node.module:
            names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in node.names)
            edit = node_edit(cell, node, f"from {module} import {names}")
            if edit is not None:
                edits.append(edit)
    problem = from_entry(entry.id, line or 1, edits, ["scikit_learn"])
    problem.certain = bool(edits) and "build_fn" not in cell.source
    return [problem]


def _written_in_edits(cell: ParsedCell, namespace: dict[str, Any]) -> list[Edit]:
    """The cell with the wrappers defined at its top: each import of them from the removed module
    dropped (an ``as`` name bound to the wrapper), each ``….wrappers.scikit_learn.KerasX`` read
    as ``KerasX``. Nothing when the cell reaches the module any other way."""
    assert cell.tree is not None
    edits: list[Edit | None] = []
    for node in walk(cell.tree):
        if isinstance(node, ast.ImportFrom) and node.module and MODULE in node.module:
            if not node.module.endswith(MODULE) or any(a.name not in WRAPPERS for a in node.names):
                return []
            edits.append(written_in_import(cell, node, WRAPPERS))
        elif isinstance(node, ast.ImportFrom) and any(a.name == "scikit_learn" for a in node.names):
            return []  # ``from keras.wrappers import scikit_learn``: the module itself is used
        elif isinstance(node, ast.Import) and any(MODULE in a.name for a in node.names):
            if len(node.names) != 1 or node.names[0].asname:
                return []
            edits.append(node_edit(cell, node, f"import {node.names[0].name.split('.')[0]}"))
        elif isinstance(node, ast.Attribute) and node.attr in WRAPPERS:
            if (dotted(node.value) or "").endswith(MODULE):
                edits.append(node_edit(cell, node, node.attr))
    if not edits or None in edits:
        return []
    if not all(hasattr(namespace.get(name), WRITTEN_MARK) for name in WRAPPERS):
        at = insertion_line(cell)
        edits.insert(0, Edit(at, 0, at, 0, written_in("scikit_learn_wrappers") + "\n\n"))
    return [e for e in edits if e is not None]
