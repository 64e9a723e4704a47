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
TensorFlow tutorials looked a value up; Keras 2.2's ``'acc'`` becomes the name Keras gives it now),
where the live ``X`` is a Keras model whose
``metrics_names`` holds ``compile_metrics``. Each ``X.metrics_names`` of the
cell becomes that list of ``X``. When the failing line reads a name instead, whose value was made
from ``X.metrics_names`` here or cells before (``names = model.metrics_names``,
``results = dict(zip(model.metrics_names, scores))``, then ``results['accuracy']``), the names
are changed where that value is made (``diagnosis/value_change.py``).
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live import from_keras
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import origins
from kerasmagic.diagnosis.rewrite import ParsedCell, node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.history import OLD_KEYS
from kerasmagic.diagnosis.value_change import Rewrite, rewrite
from kerasmagic.diagnosis.value_transforms import Transform

ENTRY = "keras3-metrics-names"
# the names of the values evaluate returns, in its order (Trainer._flatten_metrics_in_order)
NAMES = '[m.name for group in {model}.metrics for m in getattr(group, "metrics", [group])]'


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("IndexError", "ValueError", "KeyError"), needs=".metrics_names")  # fmt: skip
def metrics_names(ctx: CellContext) -> list[Problem]:
    """Each ``X.metrics_names`` of the cell, for the live model ``X`` of a failing line."""
    tree = ctx.cell.tree
    if tree is None or (ctx.error_type == "ValueError" and "is not in list" not in ctx.message):
        return []
    names = ctx.live_names or {}
    reads = [n for n in walk(tree) if isinstance(n, ast.Attribute) and n.attr == "metrics_names"]
    failing = [n for n in reads if n.lineno in ctx.failing_lines and _grouped(names, n.value)]
    change: Rewrite | None = None
    if failing:
        model = node_text(ctx.cell, failing[0].value)
        edits = [
            node_edit(ctx.cell, n, NAMES.format(model=model))
            for n in reads
            if node_text(ctx.cell, n.value) == model
        ]
        edits = [e for e in edits if e is not None]
    else:
        found = _through_a_name(ctx, tree)
        if found is None:
            return []
        model, change = found
        edits = list(change.edits)
    keyed: Rewrite | None = None
    if ctx.error_type in ("KeyError", "ValueError"):  # `dict(zip(…))['acc']`, `.index('acc')`
        keyed = _key_edits(ctx, tree, _flat_names(names.get(model)))
        if keyed is None and ctx.error_type == "KeyError":
            return []
        edits += keyed.edits if keyed is not None else []
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or (failing[0].lineno if failing else 1), edits, ["metrics_names"],
                         ctx.shown_versions, model=model, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    if change is not None:
        problem.fix += " " + change.note
        if change.earlier:
            problem.across = change.across + edits[len(change.edits) :]
    if keyed is not None and keyed.earlier:  # the key's name set cells before
        problem.fix += " " + keyed.note
        own = [e for e in edits if e not in keyed.edits]
        problem.across = [*(problem.across or own), *keyed.across]
    return [problem]


def _through_a_name(ctx: CellContext, tree: ast.AST) -> tuple[str, Rewrite] | None:
    """The one name read on the failing lines whose value is made (here or cells before, where
    provenance finds it) from ``X.metrics_names`` of one grouped live model ``X``: ``X`` and the
    rewrite of that value with ``X``'s names in ``evaluate``'s order; None otherwise."""
    names = ctx.live_names or {}
    hits: dict[str, tuple[ast.Name, str]] = {}
    for node in walk(tree):
        if not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)):
            continue
        if node.lineno not in ctx.failing_lines or node.id in hits:
            continue
        found = origins(ctx, node, terms=False)
        models = {_model_read(o.parsed, o.value, names) for o in found}
        if found and len(models) == 1 and None not in models:
            hits[node.id] = (node, models.pop())  # type: ignore[arg-type]
    if len(hits) != 1:
        return None
    node, model = next(iter(hits.values()))
    old, new = f"{model}.metrics_names", NAMES.format(model=model)
    transform = Transform("list the names of `evaluate`'s values", None, lambda text, _t: text.replace(old, new) if old in text else None)  # fmt: skip
    change = rewrite(ctx, node, transform)
    return (model, change) if change is not None else None


def _model_read(parsed: ParsedCell, value: ast.expr, names: dict) -> str | None:
    """The text of the one grouped live model whose ``metrics_names`` ``value`` reads."""
    models = {
        node_text(parsed, n.value)
        for n in walk(value)
        if isinstance(n, ast.Attribute) and n.attr == "metrics_names" and _grouped(names, n.value)
    }
    return models.pop() if len(models) == 1 else None


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


def _key_edits(ctx: CellContext, tree: ast.AST, flat: list[str]) -> Rewrite | None:
    """The key of the ``KeyError`` (or the item ``index`` did not find: "'acc' is not in list")
    is one of ``flat`` (the names now line up with the values: no edit), or Keras 2.2's name of
    one (``'acc'``, ``'val_acc'``): its literals on the failing lines renamed, or the value of the
    one name a failing line reads it through, where it is made; None for any other key (another
    problem)."""
    key = ctx.message.removesuffix(" is not in list").strip().strip("'\"")
    if key in flat:
        return Rewrite()
    new = OLD_KEYS.get(key)
    if new is None or new not in flat:
        return None
    literals = [
        n for n in walk(tree)
        if isinstance(n, ast.Constant) and n.value == key and n.lineno in ctx.failing_lines
    ]  # fmt: skip
    edits = [node_edit(ctx.cell, n, quoted_like(node_text(ctx.cell, n), new)) for n in literals]
    if literals:
        kept = [e for e in edits if e is not None]
        return Rewrite(edits=kept, across=list(kept)) if kept else None
    held = [  # the key read through a name that holds it (`metric = 'acc'` cells before)
        n for n in walk(tree)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.lineno in ctx.failing_lines
        and string_value(ctx, n) == key
    ]  # fmt: skip
    if len({n.id for n in held}) != 1:
        return None
    renamed = Transform(f"be `{new}`", literal=lambda text: new if text == key else None)
    return rewrite(ctx, held[0], renamed)
