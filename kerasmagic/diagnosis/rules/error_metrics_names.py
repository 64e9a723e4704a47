"""Error rule: ``model.metrics_names[i]`` indexed beside the list ``evaluate`` returned.

Keras 2 listed a name per value ``evaluate`` returns (``['loss', 'accuracy', 'mse']``), so code
printed ``model.metrics_names[i], scores[i]`` for each ``i``. Keras 3's ``metrics_names`` lists
the model's metric objects: the compiled metrics are one object, ``compile_metrics``
(``['loss', 'compile_metrics']``), while ``evaluate`` still returns one value per metric, and
``metrics_names[2]`` raises ``IndexError``. ``evaluate`` orders its values by the model's metric
objects with ``compile_metrics`` read as its own ``metrics``; the names in that order are
``[m.name for group in model.metrics for m in getattr(group, "metrics", [group])]``.
(``get_metrics_result()``'s keys are not: Keras 3.13 puts ``accuracy`` before ``loss`` there.)

Evidence: an ``IndexError`` on a line reading ``X.metrics_names[...]``, or a ``ValueError`` of
``X.metrics_names.index('mean_absolute_error')`` ("… is not in list": a metric's name, as the
TensorFlow tutorials looked a value up), where the live ``X`` is a Keras model whose
``metrics_names`` holds ``compile_metrics``. Each ``X.metrics_names`` of the
cell becomes that list of ``X``.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live import from_keras
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.history import OLD_KEYS

ENTRY = "keras3-metrics-names"
# the names of the values evaluate returns, in its order (Trainer._flatten_metrics_in_order)
NAMES = '[m.name for group in {model}.metrics for m in getattr(group, "metrics", [group])]'


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("IndexError", "ValueError", "KeyError"), needs=r"\.metrics_names\b")  # fmt: skip
def metrics_names(ctx: CellContext) -> list[Problem]:
    """Each ``X.metrics_names`` of the cell, for the live model ``X`` of a failing line."""
    tree = ctx.cell.tree
    if tree is None or (ctx.error_type == "ValueError" and "is not in list" not in ctx.message):
        return []
    names = ctx.live_names or {}
    reads = [n for n in walk(tree) if isinstance(n, ast.Attribute) and n.attr == "metrics_names"]
    failing = [n for n in reads if n.lineno in ctx.failing_lines and _grouped(names, n.value)]
    if not failing:
        return []
    model = node_text(ctx.cell, failing[0].value)
    edits = [
        node_edit(ctx.cell, n, NAMES.format(model=model))
        for n in reads
        if node_text(ctx.cell, n.value) == model
    ]
    edits = [e for e in edits if e is not None]
    if ctx.error_type == "KeyError":  # `dict(zip(m.metrics_names, scores))['acc']`
        keyed = _key_edits(ctx, tree, _flat_names(names.get(model)))
        if keyed is None:
            return []
        edits += keyed
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or failing[0].lineno, edits, ["metrics_names"],
                         ctx.shown_versions, model=model, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    return [problem]


def _grouped(names: dict, node: ast.expr) -> bool:
    """Is ``node`` a name of a live Keras model that lists its compiled metrics as one?"""
    model: Any = names.get(node.id) if isinstance(node, ast.Name) else None
    if not from_keras(model):
        return False
    listed = getattr(model, "metrics_names", None)
    return isinstance(listed, list) and "compile_metrics" in listed


def _flat_names(model: Any) -> list[str]:
    """The names of the values ``evaluate`` returns, read from the live model (``NAMES``)."""
    try:
        return [str(m.name) for group in model.metrics for m in getattr(group, "metrics", [group])]
    except Exception:  # the user's object: any attribute may raise
        return []


def _key_edits(ctx: CellContext, tree: ast.AST, flat: list[str]) -> list[Any] | None:
    """The key of the ``KeyError`` is one of ``flat`` (the names now line up with the values), or
    Keras 2.2's name of one (``'acc'``, ``'val_acc'``): its literals on the failing lines renamed;
    None for any other key (another problem)."""
    key = ctx.message.strip().strip("'\"")
    if key in flat:
        return []
    new = OLD_KEYS.get(key)
    if new is None or new not in flat:
        return None
    literals = [
        n for n in walk(tree)
        if isinstance(n, ast.Constant) and n.value == key and n.lineno in ctx.failing_lines
    ]  # fmt: skip
    edits = [node_edit(ctx.cell, n, quoted_like(node_text(ctx.cell, n), new)) for n in literals]
    return [e for e in edits if e is not None] or None
