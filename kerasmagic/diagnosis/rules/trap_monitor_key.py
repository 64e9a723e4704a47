"""Trap rule: a callback monitors a key the logs do not hold, and Keras said so in a warning
while the model trained: ``EarlyStopping(monitor='val_acc', mode='max')`` of a model compiled
with ``metrics=['accuracy']``. Since Keras 2.3 the logs say ``val_accuracy``: the callback
reads nothing, so ``EarlyStopping`` never stops, ``ReduceLROnPlateau`` never lowers the rate and
``ModelCheckpoint(save_best_only=True)`` saves every epoch (Keras 3) or never (Keras 2.15).

Evidence: Keras's own warning, read as a fact (the key it looked for and, where it lists them,
the keys the logs hold), and a Keras 2.2 name of the key (``rules/history.py``'s ``OLD_KEYS``)
whose new name the logs hold. The key is renamed where it is written: in this cell
(``callback-acc-key``'s edits, which follow a name or a dict to its origin), else where an
earlier cell made the callback the cell trains with (``callbacks=[stopper]``)."""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import AFTER_RUN, CellContext
from kerasmagic.diagnosis.keyword_dicts import expression_of, string_replaced
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import Edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.callback_keys import callback_acc_key, monitor_changes, named_keys
from kerasmagic.diagnosis.rules.history import OLD_KEYS, _logged_name, keras_metrics_of
from kerasmagic.diagnosis.trap_support import trap_problem
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import Transform
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "callback-monitor-key-missing"
# Keras 3.15 and tf.keras 2.15 word these alike (early_stopping.py, reduce_lr_on_plateau.py,
# model_checkpoint.py; tf.keras callbacks.py)
WARNINGS = (
    re.compile(r"conditioned on metric `(?P<key>[^`]+)` which is not available\. "
               r"Available metrics are: (?P<keys>[\w.,\s-]*)"),  # fmt: skip
    re.compile(r"Can save best model only with (?P<key>[\w.-]+) available"),
)


@rule(ENTRY, when=(AFTER_RUN,), family="model-methods", kind="trap", needs=("monitor",))
def monitor_key_missing(ctx: CellContext) -> list[Problem]:
    """The callbacks' monitored keys Keras warned it did not find, renamed where written."""
    entry = find_entry(ENTRY)
    texts = ctx.captured_texts  # the namespace is read only when Keras warned of something
    renames = renamed_keys(texts, _live_metrics(ctx)) if texts else {}
    if entry is None or ctx.cell.tree is None or not renames:
        return []
    edits: list[Edit] = []
    across: list[Edit] = []
    fits = fit_calls(ctx.cell.tree)
    here = callback_acc_key(ctx)
    if here and set(here[0].names) & set(renames):
        edits, across = here[0].edits, here[0].across or here[0].edits
    else:
        for call in walk(ctx.cell.tree):  # the cell's own `monitor=`, renamed where written
            for change_edits, change_across, _note, _old in monitor_changes(ctx, call, renames) if isinstance(call, ast.Call) else ():  # fmt: skip
                edits += change_edits
                across += change_across
        for name in callback_names(fits):
            changed = rewrite(ctx, name, monitor_renamed(renames))
            if changed is not None:
                edits += changed.edits
                across += changed.across
    if not edits:
        return []
    old = sorted(renames)
    fields = {
        "key": ", ".join(f"`{k}`" for k in old),
        "new": ", ".join(f"`{renames[k]}`" for k in old),
    }
    problem = trap_problem(ctx, entry, fields, edits=edits, line=fits[0].lineno if fits else 1)
    problem.names = old
    if any(e.cell is not None for e in across):
        problem.across = across
    return [problem]


def renamed_keys(texts: list[str], metrics: Any = None) -> dict[str, str]:
    """``{old key: new key}`` for each monitored key a Keras warning says the logs lack, when
    it is a Keras 2.2 name whose new name the logs hold (where the warning lists them): ``acc``'s
    ``accuracy``, or the listed key of the same metric (``metrics``, the live Keras's module,
    resolves ``mean_absolute_error`` and ``mae`` to one function)."""
    out = {}
    for text in texts:
        for pattern in WARNINGS:
            for match in pattern.finditer(text):
                key = match.group("key")
                listed = match.groupdict().get("keys")
                held = {k.strip() for k in listed.split(",")} if listed else None
                new = OLD_KEYS.get(key)
                if new is None and held and metrics is not None:
                    new = _logged_name(key, held, metrics)
                if new and (held is None or new in held):
                    out[key] = new
    return out


def fit_calls(tree: ast.AST) -> list[ast.Call]:
    """The cell's calls given ``callbacks=`` (where the model trains), in ``ast.walk`` order."""
    return [c for c in walk(tree) if isinstance(c, ast.Call) and any(k.arg == "callbacks" for k in c.keywords)]  # fmt: skip


def callback_names(calls: list[ast.Call]) -> list[ast.Name]:
    """The names given in the ``callbacks=`` of ``calls`` (``callbacks=[stopper]``)."""
    out = []
    for kw in (k for call in calls for k in call.keywords if k.arg == "callbacks"):
        items = kw.value.elts if isinstance(kw.value, (ast.List, ast.Tuple)) else [kw.value]
        out += [item for item in items if isinstance(item, ast.Name)]
    return out


def _live_metrics(ctx: CellContext) -> Any:
    """The ``metrics`` module of the Keras of a live model of the namespace (the one trained)."""
    models = [v for v in ctx.live_names.values() if not isinstance(v, type) and hasattr(v, "compile") and live.from_keras(v)]  # fmt: skip
    return keras_metrics_of(models[0]) if models else None


def monitor_renamed(renames: dict[str, str]) -> Transform:
    """A callback's call (``EarlyStopping(monitor='val_acc', …)``) with its ``monitor=`` string
    renamed; None for any other expression."""

    def value(expr: str, _tail: str | None) -> str | None:
        found = expression_of(expr)
        if found is None or not isinstance(found[1], ast.Call):
            return None
        key = next((k.value for k in found[1].keywords if k.arg == "monitor"), None)
        return string_replaced(found[0], key, renames.get)

    return Transform(f"monitor the logs' key {named_keys(renames)}", None, value)
