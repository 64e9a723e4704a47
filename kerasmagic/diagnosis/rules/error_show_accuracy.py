"""Error rule: Keras 0.x's ``fit(…, show_accuracy=True)`` / ``evaluate(…, show_accuracy=True)``.

Keras 1 replaced the keyword with a metric named at ``compile`` (``metrics=['accuracy']``): the
accuracy is then logged by ``fit`` and returned by ``evaluate`` after the loss, as
``show_accuracy=True`` made ``evaluate`` return ``[loss, accuracy]``. Every ``show_accuracy`` of
the failing cell goes; where one asked for the accuracy, the ``compile`` of that model (read
where it is written: earlier in the cell, or the newest earlier cell) gets
``metrics=['accuracy']``. A corrected cell alone compiles the model again at its top, with the
author's own arguments and the metric (the same optimizer object); ``migrate`` changes the
``compile`` where it is written instead. A compile that names other metrics, or none found, is
left (no rewrite). ``compile(…, show_accuracy=True)`` itself (TensorFlow 2.0 took and ignored
it) gets the metric in the keyword's place, or loses the keyword where it names metrics."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.compile_calls import changed_compile, compile_of
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.known_values import known_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    closing_insert_edit,
    delete_keyword_edit,
    node_edit,
    walk,
)
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras0-show-accuracy"
METRIC = "metrics=['accuracy']"


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("TypeError", "ValueError"))
def show_accuracy(ctx: CellContext) -> list[Problem]:
    """``show_accuracy=`` dropped from the cell's calls; the accuracy metric compiled in."""
    tree = ctx.cell.tree
    if tree is None or "show_accuracy" not in ctx.message:
        return []
    drops: list[Edit] = []
    wanted: dict[str, ast.Call] = {}  # model name -> its first call asking for the accuracy
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        for kw in call.keywords:
            if kw.arg != "show_accuracy":
                continue
            shown = known_value(ctx, kw.value) not in (False, 0)  # written there or bound earlier
            own_metrics = any(k.arg == "metrics" for k in call.keywords)
            if call.func.attr == "compile" and shown and not own_metrics:
                # given to compile itself (TensorFlow 2.0's compile took and ignored it): the
                # keyword becomes the metric it asked for, in the same place
                edit = node_edit(ctx.cell, kw, METRIC)
            else:
                edit = delete_keyword_edit(ctx.cell, call, kw)
            if edit is None:
                return []
            drops.append(edit)
            owner = call.func.value
            if shown and call.func.attr != "compile" and isinstance(owner, ast.Name):
                wanted.setdefault(owner.id, call)
    if not drops:
        return []
    edits, across = list(drops), list(drops)
    for name, use in wanted.items():
        if not _keras_model(ctx, name):
            return []
        found = compile_of(ctx, name, use)
        if found is None:
            return []
        _, parsed, compile_call = found
        metrics = next((kw.value for kw in compile_call.keywords if kw.arg == "metrics"), None)
        if metrics is not None:
            if _names_accuracy(metrics):
                continue  # compiled with it already (a cell before was given it)
            return []  # other metrics the author chose: not guessed at
        added = closing_insert_edit(parsed, compile_call, METRIC)
        here, there = changed_compile(ctx, found, added) if added is not None else ([], [])
        if not here:
            return []
        edits += here
        across += there
    problem = from_entry(ENTRY, drops[0].line, edits, ["show_accuracy"], ctx.shown_versions)
    problem.across = across
    return [problem]


def _keras_model(ctx: CellContext, name: str) -> bool:
    """Does ``name`` hold a Keras model: in the kernel, or a local of the function that raised
    (a script's ``main()``, a helper another cell defines)?"""
    value = (ctx.live_names or {}).get(name)
    return live.is_keras_instance(value) and hasattr(value, "compile")


def _names_accuracy(metrics: ast.expr) -> bool:
    """A literal list or tuple of metrics with ``'accuracy'`` or ``'acc'`` among them."""
    return isinstance(metrics, (ast.List, ast.Tuple)) and any(
        isinstance(e, ast.Constant) and e.value in ("accuracy", "acc") for e in metrics.elts
    )
