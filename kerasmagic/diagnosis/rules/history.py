"""Static rule: ``history.history['acc']`` after ``compile(metrics=['accuracy'])``.

Since Keras 2.3 the history key is the metric's name as written (``accuracy``, ``val_accuracy``),
so the old ``acc`` key raises a KeyError after the whole training ran. Provable from the source.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule

OLD_KEYS = {"acc": "accuracy", "val_acc": "val_accuracy"}


def compiled_metrics(tree: ast.AST) -> set[str]:
    """The metric names given as string literals to ``compile(metrics=[...])``."""
    names: set[str] = set()
    for node in walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "compile":
            for kw in node.keywords:
                if kw.arg == "metrics" and isinstance(kw.value, (ast.List, ast.Tuple)):
                    names.update(
                        e.value
                        for e in kw.value.elts
                        if isinstance(e, ast.Constant) and isinstance(e.value, str)
                    )
    return names


@rule("history-acc-key", when=(STATIC,), family="model-methods", needs="history")
def history_acc_key(ctx: CellContext) -> list[Problem]:
    """Every ``….history['acc' | 'val_acc']`` of a cell compiled with ``metrics=['accuracy']``
    (and not ``'acc'``, whose key is still ``acc``), or whose live ``History`` (from a ``fit`` in
    an earlier cell) holds ``accuracy`` and no ``acc``, where a Keras is installed."""
    tree = ctx.cell.tree
    if tree is None or not (ctx.versions.get("keras") or ctx.versions.get("tf-keras")):
        return []
    metrics = compiled_metrics(tree)
    compiled_here = "accuracy" in metrics and "acc" not in metrics
    out = []
    for node in walk(tree):
        if not (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "history"
            and isinstance(node.slice, ast.Constant)
            and node.slice.value in OLD_KEYS
        ):
            continue
        old = node.slice.value
        if not (compiled_here or _live_keys_say(ctx, node.value.value, old)):
            continue
        text = quoted_like(node_text(ctx.cell, node.slice), OLD_KEYS[old])
        edit = node_edit(ctx.cell, node.slice, text)
        if edit is not None:
            out.append(
                from_entry(
                    "history-acc-key",
                    node.lineno,
                    [edit],
                    [old],
                    ctx.shown_versions,
                    old=old,
                    new=OLD_KEYS[old],
                )
            )
    return out


def _live_keys_say(ctx: CellContext, owner: ast.expr, old: str) -> bool:
    """The ``History`` an earlier cell's ``fit`` returned (``hist.history``, read, never called)
    holds the new key and not the old one: the model was compiled elsewhere with ``accuracy``."""
    if not isinstance(owner, ast.Name):
        return False
    logs = getattr(ctx.live_names.get(owner.id), "history", None)
    return isinstance(logs, dict) and OLD_KEYS[old] in logs and old not in logs
