"""``monitor='val_acc'`` and checkpoint names ``'w-{val_acc:.2f}.h5'`` of a model compiled with
``metrics=['accuracy']``: since Keras 2.3 the logs' keys are ``accuracy``/``val_accuracy``
(the history's keys: rules/history.py)."""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keyword_dicts import key_string_changed, unpacked_string
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import one_string, origins
from kerasmagic.diagnosis.rewrite import (
    Edit,
    callee_name,
    node_edit,
    node_text,
    parse_cell,
    quoted_like,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.history import OLD_KEYS, key_reads, metric_literals
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import Transform
from kerasmagic.diagnosis.wrapper_calls import passed_on

# a log key in a checkpoint's file name template: `{val_acc:.2f}`, `{acc}`
TEMPLATE_KEY = re.compile(r"\{((?:val_)?acc)([:!}])")


# the key may come from a name bound cells earlier (`monitor=watch`, `EarlyStopping(**cfg)`):
# the cell names a callback or a monitor, not always the key
@rule("callback-acc-key", when=(STATIC,), family="model-methods",
      needs=("acc", "monitor", "Checkpoint", "Stopping", "Plateau", r"\*\*"))  # fmt: skip
def callback_acc_key(ctx: CellContext) -> list[Problem]:
    """``monitor='val_acc'`` and a checkpoint name ``'w-{val_acc:.2f}.h5'`` of a model compiled
    with ``metrics=['accuracy']``, in this cell or an earlier one: Keras 2.3+ logs ``accuracy``
    and ``val_accuracy``, so the template fails to format (KeyError) and ``EarlyStopping`` never
    stops (Keras 2: a warning) or refuses the key (Keras 3). Renamed where the value is made."""
    tree = ctx.cell.tree
    if tree is None or not (ctx.versions.get("keras") or ctx.versions.get("tf-keras")):
        return []
    if not compiled_with_accuracy(ctx):
        return []
    edits, across, notes, first, keys = [], [], [], None, set()
    for call in walk(tree):
        if not isinstance(call, ast.Call):
            continue
        for renamed_key in monitor_changes(ctx, call):
            edits += renamed_key[0]
            across += renamed_key[1]
            notes.append(renamed_key[2])
            first, keys = first or call.lineno, keys | {renamed_key[3]}
        path = checkpoint_path(call)
        if path is None:
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
    for edit, key, line, _by_get in logs_reads(ctx):
        edits.append(edit)
        across.append(edit)
        first, keys = first or line, keys | {key}
    for passed_edits, passed_across, note, old, line in passed_monitor_changes(ctx):
        edits += passed_edits
        across += passed_across
        notes.append(note)
        first, keys = first or line, keys | {old}
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


def monitor_changes(ctx: CellContext, call: ast.Call, keys: dict[str, str] = OLD_KEYS) -> list[tuple[list[Edit], list[Edit], str, str]]:  # fmt: skip
    """``(edits, edits across cells, note, old key)`` for each of the call's monitored keys that
    ``keys`` renames: ``monitor=`` (``_monitored``), or the ``'monitor'`` of a dict the call
    unpacks, where the dict is made (``EarlyStopping(**cfg)``, ``cfg = {'monitor': 'val_acc'}``)."""
    out = []
    for kw in call.keywords:
        if kw.arg == "monitor" and (renamed_key := _monitored(ctx, kw.value, keys)) is not None:
            out.append(renamed_key)
        elif kw.arg is None and (held := unpacked_string(ctx, kw.value, "monitor")) in keys:
            renamed = rewrite(ctx, kw.value, _monitor_in_dict(keys))
            if renamed is not None:
                out.append((renamed.edits, renamed.across, renamed.note, held))
    return out


def passed_monitor_changes(ctx: CellContext, keys: dict[str, str] = OLD_KEYS) -> list[tuple[list[Edit], list[Edit], str, str, int]]:  # fmt: skip
    """``monitor_changes`` of a key this cell's call gives a function another cell defines, which
    hands it on to a callback's ``monitor=`` (``train(monitor='val_acc')``): ``(edits, edits
    across cells, note, old key, the call's line)`` each."""
    out = []
    for passed in passed_on(ctx, None, _monitor):
        if (renamed_key := _monitored(ctx, passed.argument, keys)) is not None:
            out.append((*renamed_key, passed.call.lineno))
    return out


def _monitored(ctx: CellContext, value: ast.expr, keys: dict[str, str]) -> tuple[list[Edit], list[Edit], str, str] | None:  # fmt: skip
    """``(edits, edits across cells, note, old key)`` renaming the old log key a monitor is given:
    written there (``monitor='val_acc'``), or where the name it reads gets it (``monitor=watch``,
    ``watch = 'val_acc'`` cells before); None for anything else."""
    if isinstance(value, ast.Constant):
        if value.value not in keys:
            return None
        edit = node_edit(ctx.cell, value, quoted_like(node_text(ctx.cell, value), keys[value.value]))  # fmt: skip
        return ([edit], [edit], "", value.value) if edit is not None else None
    held = one_string(origins(ctx, value, terms=False))
    renamed = rewrite(ctx, value, _monitor_key(keys)) if held in keys else None
    return (renamed.edits, renamed.across, renamed.note, held) if renamed is not None else None  # type: ignore[return-value]


def named_keys(keys: dict[str, str]) -> str:
    """The new keys, as the notes name them: `accuracy`/`val_accuracy`."""
    return "/".join(f"`{v}`" for v in keys.values())


def _monitor(call: ast.Call) -> ast.expr | None:
    """What a callback's ``monitor=`` is given (in the body of the user's function)."""
    return next((k.value for k in call.keywords if k.arg == "monitor"), None)


def checkpoint_path(call: ast.Call) -> ast.expr | None:
    """The file argument of a ``ModelCheckpoint(…)`` call (first, or ``filepath=``), else None."""
    if (callee_name(call) or "") != "ModelCheckpoint":
        return None
    return call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "filepath"), None)  # fmt: skip


def logs_reads(ctx: CellContext) -> list[tuple[Any, str, int, bool]]:
    """``logs['acc']`` and ``logs.get('acc', …)`` in a Keras callback method of the cell (a
    method named as ``Callback``'s, or a ``LambdaCallback`` function): its logs are the method's
    last parameter. Each as (edit to ``accuracy``, old key, line, read by ``get``)."""
    out = []
    for function in walk(ctx.cell.tree):
        logs = _logs_parameter(function)
        if logs is None:
            continue
        for node, receiver, key in key_reads(function):
            if receiver != logs or not isinstance(key, ast.Constant) or key.value not in OLD_KEYS:
                continue
            edit = node_edit(ctx.cell, key, quoted_like(node_text(ctx.cell, key), OLD_KEYS[key.value]))  # fmt: skip
            if edit is not None:
                out.append((edit, key.value, node.lineno, isinstance(node, ast.Call)))
    return out


def _logs_parameter(node: ast.AST) -> str | None:
    """The logs parameter of a callback method (``def on_epoch_end(self, epoch, logs=None)``) or
    of a function given to ``LambdaCallback`` (``on_epoch_end=lambda epoch, logs: …``)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in CALLBACK_METHODS:
        params = node.args.args
    elif isinstance(node, ast.Call) and (callee_name(node) or "") == "LambdaCallback":  # fmt: skip
        lambdas = [k.value for k in node.keywords if k.arg in CALLBACK_METHODS]
        params = [a for f in lambdas if isinstance(f, ast.Lambda) for a in f.args.args[-1:]]
        if len({a.arg for a in params}) != 1:
            return None
    else:
        return None
    return params[-1].arg if params and params[-1].arg != "self" else None


# Callback's methods that receive the logs (keras.callbacks.Callback)
CALLBACK_METHODS = frozenset(
    f"on_{phase}_{edge}"
    for phase in ("epoch", "batch", "train_batch", "test_batch", "predict_batch", "train", "test", "predict")  # fmt: skip
    for edge in ("begin", "end")
)


def _renamed_keys(text: str) -> str | None:
    return TEMPLATE_KEY.sub(lambda m: "{" + OLD_KEYS[m.group(1)] + m.group(2), text)


TEMPLATE_KEYS = Transform("name the logs' keys `accuracy`/`val_accuracy`", literal=_renamed_keys)


def _monitor_key(keys: dict[str, str]) -> Transform:
    """A monitored key held by a name: the string where it is made, renamed whole."""
    return Transform(f"name the logs' key {named_keys(keys)}", literal=keys.get)


def _monitor_in_dict(keys: dict[str, str]) -> Transform:
    """... or given by a dict the call unpacks: its ``'monitor'`` entry, where the dict is made."""
    return key_string_changed("monitor", keys.get, f"give `monitor` the logs' key {named_keys(keys)}")


def compiled_with_accuracy(ctx: CellContext, *, later: bool = False) -> bool:
    """The last ``compile`` with literal metrics, in this cell or else the nearest earlier cell
    (with ``later``: else the first later cell), names ``'accuracy'`` and not ``'acc'``."""
    after = [parse_cell(s).tree for s in ctx.later] if later else []
    for tree in [ctx.cell.tree, *(parse_cell(s).tree for s in reversed(ctx.earlier)), *after]:
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
