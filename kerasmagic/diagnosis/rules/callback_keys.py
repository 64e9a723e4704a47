"""``monitor='val_acc'`` and checkpoint names ``'w-{val_acc:.2f}.h5'`` of a model compiled with
``metrics=['accuracy']``: since Keras 2.3 the logs' keys are ``accuracy``/``val_accuracy``
(the history's keys: rules/history.py)."""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import origins
from kerasmagic.diagnosis.rewrite import node_edit, node_text, parse_cell, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.history import OLD_KEYS, metric_literals
from kerasmagic.diagnosis.value_change import Transform, rewrite

# a log key in a checkpoint's file name template: `{val_acc:.2f}`, `{acc}`
TEMPLATE_KEY = re.compile(r"\{((?:val_)?acc)([:!}])")


@rule("callback-acc-key", when=(STATIC,), family="model-methods", needs=("acc",))
def callback_acc_key(ctx: CellContext) -> list[Problem]:
    """``monitor='val_acc'`` and a checkpoint name ``'w-{val_acc:.2f}.h5'`` of a model compiled
    with ``metrics=['accuracy']``, in this cell or an earlier one: Keras 2.3+ logs ``accuracy``
    and ``val_accuracy``, so the template fails to format (KeyError) and ``EarlyStopping`` never
    stops (Keras 2: a warning) or refuses the key (Keras 3). Renamed where the value is made."""
    tree = ctx.cell.tree
    if tree is None or not (ctx.versions.get("keras") or ctx.versions.get("tf-keras")):
        return []
    if not _compiled_with_accuracy(ctx):
        return []
    edits, across, notes, first, keys = [], [], [], None, set()
    for call in walk(tree):
        if not isinstance(call, ast.Call):
            continue
        for kw in call.keywords:
            value = kw.value
            if kw.arg == "monitor" and isinstance(value, ast.Constant) and value.value in OLD_KEYS:
                edit = node_edit(ctx.cell, value, quoted_like(node_text(ctx.cell, value), OLD_KEYS[value.value]))  # fmt: skip
                if edit is not None:
                    edits.append(edit)
                    across.append(edit)
                    first, keys = first or call.lineno, keys | {value.value}
        name = getattr(call.func, "attr", getattr(call.func, "id", ""))
        path = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "filepath"), None)  # fmt: skip
        if name != "ModelCheckpoint" or path is None:
            continue
        found = origins(ctx, path)
        if not found or not any(o.tail and TEMPLATE_KEY.search(o.tail) for o in found):
            continue
        rewritten = rewrite(ctx, path, TEMPLATE_KEYS)
        if rewritten is not None:
            edits += rewritten.edits
            across += rewritten.across
            notes.append(rewritten.note)
            first = first or call.lineno
            keys |= {m.group(1) for o in found if o.tail for m in TEMPLATE_KEY.finditer(o.tail)}
    if not edits:
        return []
    # an error that names the old key (raised while training, on the line of `fit`) is this one
    named = ctx.line is not None and any(re.search(rf"\b{k}\b", ctx.message or "") for k in keys)
    line = ctx.line if named else first or 1
    problem = from_entry("callback-acc-key", line, edits, sorted(keys), ctx.shown_versions)
    if any(e.cell is not None for e in across):
        problem.across = across
    problem.fix = f"{problem.fix} {' '.join(n for n in notes if n)}".strip()
    return [problem]


def _renamed_keys(text: str) -> str | None:
    return TEMPLATE_KEY.sub(lambda m: "{" + OLD_KEYS[m.group(1)] + m.group(2), text)


TEMPLATE_KEYS = Transform("name the logs' keys `accuracy`/`val_accuracy`", literal=_renamed_keys)


def _compiled_with_accuracy(ctx: CellContext) -> bool:
    """The last ``compile`` with literal metrics, in this cell or else the nearest earlier cell,
    names ``'accuracy'`` and not ``'acc'``."""
    for tree in [ctx.cell.tree, *(parse_cell(s).tree for s in reversed(ctx.earlier))]:
        metrics = {n.value for n in metric_literals(tree)} if tree is not None else set()
        if metrics:
            return "accuracy" in metrics and "acc" not in metrics
    # compiled in a cell not in view (the callbacks are made before the model's compile, and
    # the error of the `fit` after both is traced back to them): the live models' compile
    live = [m for v in ctx.live_names.values() for m in _compiled_metrics(v)]
    return "accuracy" in live and "acc" not in live


def _compiled_metrics(value: Any) -> list[str]:
    """The string metrics a live Keras model was compiled with (its own record of the
    ``compile`` call, read), [] for anything else."""
    config = getattr(getattr(value, "_compile_config", None), "config", None)
    if not isinstance(config, dict) or not str(type(value).__module__).startswith(("keras", "tf_keras")):  # fmt: skip
        return []
    metrics = config.get("metrics")
    return [m for m in metrics if isinstance(m, str)] if isinstance(metrics, (list, tuple)) else []
