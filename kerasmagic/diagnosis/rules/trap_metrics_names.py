"""Trap rule: ``model.metrics_names`` read as the labels of ``evaluate``'s values, where Keras 3
lists the compiled metrics as one object.

Keras 2 listed one name per value ``evaluate`` returns (``['loss', 'accuracy']``), and its era's
tutorials printed ``model.metrics_names[1]`` beside ``scores[1]``. Keras 3's ``metrics_names``
lists the model's metric objects (``[m.name for m in self.metrics]``, trainer.py), and the
compiled metrics are one, ``compile_metrics``: the cell runs and prints ``compile_metrics: 85%``,
and ``zip(model.metrics_names, scores)`` drops every value after the second. (Indexed past its
end, the same read raises: ``rules/error_metrics_names.py``, whose names this rule writes.)

Evidence, after the cell ran: a read of ``X.metrics_names`` where the live ``X`` is a Keras model
whose list holds ``compile_metrics`` and differs from the names of the values ``evaluate``
returns, read from the model's own metric objects. Only reads after the model was trained or
evaluated (in the cell, after its ``compile``; or a model an earlier cell trained): before, the
metric objects are not built and their names are not yet the values'.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import AFTER_RUN, CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_metrics_names import NAMES, _flat_names, _grouped
from kerasmagic.diagnosis.trap_support import trap_problem
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "keras3-metrics-names-grouped"
# the model's methods after which its metric objects are built and named as evaluate's values
BUILDS = frozenset({"fit", "evaluate", "fit_generator", "evaluate_generator", "train_on_batch", "test_on_batch"})  # fmt: skip


@rule(ENTRY, when=(AFTER_RUN,), family="model-methods", kind="trap", needs=r"\.metrics_names\b")
def metrics_names_grouped(ctx: CellContext) -> list[Problem]:
    """Each ``X.metrics_names`` of the cell read after ``X`` trained, for a live Keras 3 model
    ``X`` whose list is not the names of ``evaluate``'s values."""
    entry, tree = find_entry(ENTRY), ctx.cell.tree
    if entry is None or tree is None:
        return []
    names = ctx.live_names
    edits: list[Edit | None] = []
    models: list[str] = []
    for read in walk(tree):
        if not (isinstance(read, ast.Attribute) and read.attr == "metrics_names"):
            continue
        if not isinstance(read.value, ast.Name) or not _grouped(names, read.value):
            continue
        model = names.get(read.value.id)
        flat = _flat_names(model)
        if not flat or flat == list(getattr(model, "metrics_names", [])):
            continue
        if not _trained_before(tree, read.value.id, read.lineno):
            continue
        text = node_text(ctx.cell, read.value)
        edits.append(node_edit(ctx.cell, read, NAMES.format(model=text)) if text else None)
        models.append(read.value.id)
    if not edits:
        return []
    model = models[0]
    listed = getattr(names.get(model), "metrics_names", [])
    fields = {"model": model, "listed": repr(listed), "names": repr(_flat_names(names.get(model)))}
    problem = trap_problem(ctx, entry, fields, edits=edits, line=min(e.line for e in edits if e) if all(edits) else 1)  # fmt: skip
    problem.names = ["metrics_names"]
    return [problem]


def _trained_before(tree: ast.AST, name: str, line: int) -> bool:
    """Was the model trained or evaluated before ``line``, after the cell's last ``compile`` of
    it before that line (none in the cell: an earlier cell trained the live model)?"""
    compiled, built = 0, 0
    for call in walk(tree):
        func = getattr(call, "func", None) if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == name):  # fmt: skip
            continue
        if call.lineno >= line:
            continue
        if func.attr == "compile":
            compiled = max(compiled, call.lineno)
        elif func.attr in BUILDS:
            built = max(built, call.lineno)
    return not compiled or built > compiled
