"""``history.history['acc']`` after ``compile(metrics=['accuracy'])``.

Since Keras 2.3 the history key is the metric's name as written (``accuracy``, ``val_accuracy``),
so the old ``acc`` key raises a KeyError after the whole training ran. Provable from the source
where the cell reads the key (static); where the key is read outside any cell (a plotting helper
in the user's own module, ``loss_plot(history)``), the error rule (``history_elsewhere.py``) names the metric ``acc`` in the
cell's ``compile`` instead, which keeps the old keys and trains the same.
"""

from __future__ import annotations

import ast
import sys
from typing import Any

from kerasmagic.diagnosis.context import ERROR, STATIC, CellContext
from kerasmagic.diagnosis.live import KERAS_TOPS
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import origins
from kerasmagic.diagnosis.rewrite import called_name, node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import Transform

OLD_KEYS = {"acc": "accuracy", "val_acc": "val_accuracy"}
# keys Keras 2's callbacks wrote and Keras 3's write under another name (LearningRateScheduler and
# ReduceLROnPlateau log the rate as `learning_rate`): renamed only on the live History's evidence
CALLBACK_KEYS = {"lr": "learning_rate"}


def key_reads(tree: ast.AST) -> list[tuple[ast.AST, str, ast.expr]]:
    """Each ``D['key']`` and ``D.get('key', …)`` under ``tree`` on a name ``D``: (the read, ``D``,
    the key's expression)."""
    return [(node, value.id, key) for node, value, key in any_key_reads(tree) if isinstance(value, ast.Name)]  # fmt: skip


def any_key_reads(tree: ast.AST) -> list[tuple[ast.AST, ast.expr, ast.expr]]:
    """Each ``X['key']`` and ``X.get('key', …)`` under ``tree``, whatever ``X`` is
    (``history.history.get('acc')`` reads the same key as the subscript, and gives ``None``
    where the key is gone): (the read, ``X``, the key's expression)."""
    found: list[tuple[ast.AST, ast.expr, ast.expr]] = []
    for node in walk(tree):
        if isinstance(node, ast.Subscript):
            found.append((node, node.value, node.slice))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:  # fmt: skip
            found.append((node, node.func.value, node.args[0]))
    return found


def metric_literals(tree: ast.AST) -> list[ast.Constant]:
    """The string literals given as metrics to ``compile(metrics=[...])``."""
    found: list[ast.Constant] = []
    for node in walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "compile":
            for kw in node.keywords:
                if kw.arg == "metrics" and isinstance(kw.value, (ast.List, ast.Tuple)):
                    found += [
                        e
                        for e in kw.value.elts
                        if isinstance(e, ast.Constant) and isinstance(e.value, str)
                    ]
    return found


@rule("history-acc-key", when=(STATIC,), family="model-methods", needs=("history", "acc", "lr'", 'lr"'))
def history_acc_key(ctx: CellContext) -> list[Problem]:
    """Every ``….history['acc' | 'val_acc']`` (or ``.get('acc')``) of a cell compiled with
    ``metrics=['accuracy']`` (and not ``'acc'``, whose key is still ``acc``), or whose live
    ``History`` (from a ``fit`` in an earlier cell) holds ``accuracy`` and no ``acc``, where a
    Keras is installed."""
    tree = ctx.cell.tree
    if tree is None or not (ctx.versions.get("keras") or ctx.versions.get("tf-keras")):
        return []
    metrics = {n.value for n in metric_literals(tree)}
    compiled_here = "accuracy" in metrics and "acc" not in metrics
    if "acc" in metrics:
        return []  # the cell's own compile logs `acc`: a live History of an earlier run says nothing of it
    out = []
    for node, value, read in any_key_reads(tree):
        keys = read.elts if isinstance(read, (ast.List, ast.Tuple)) else [read]  # df[['acc', …]]
        for key in keys:
            if isinstance(key, ast.Constant) and key.value in {**OLD_KEYS, **CALLBACK_KEYS}:
                out += _renamed_key(ctx, node, value, key, compiled_here)
    return out


def _renamed_key(
    ctx: CellContext, node: ast.AST, value: ast.expr, key: ast.Constant, compiled_here: bool
) -> list[Problem]:
    """The key ``key`` of a history read renamed, where it is one and the new name is proved."""
    logs = _history_logs(ctx, value)
    if logs is None:
        return []
    old = key.value
    new = OLD_KEYS.get(old) or CALLBACK_KEYS[old]
    if not (_live_keys_say(ctx, logs, old, new) or (compiled_here and old in OLD_KEYS)):
        return []
    edit = node_edit(ctx.cell, key, quoted_like(node_text(ctx.cell, key), new))
    if edit is None:
        return []
    entry = "history-acc-key" if old in OLD_KEYS else "history-callback-key"
    return [from_entry(entry, node.lineno, [edit], [old], ctx.shown_versions, old=old, new=new)]  # type: ignore[attr-defined]


def _history_logs(ctx: CellContext, value: ast.expr) -> ast.expr | None:
    """The ``….history`` expression the subscripted value is: itself, or what a name holding it
    was assigned (``history_dict = history.history``, in this cell or an earlier one, or a
    ``DataFrame`` made of it, whose columns are its keys); the name itself when its live value is
    a ``History``'s dict. None: not a training history."""
    if isinstance(value, ast.Attribute) and value.attr == "history":
        return value
    if not isinstance(value, ast.Name):
        return None
    if _live_logs(ctx, value)[0] is not None:  # the live dict of a live History
        return value
    found = origins(ctx, value, terms=False)
    made = found[0].value if len(found) == 1 else None
    if isinstance(made, ast.Call) and called_name(made.func) == "DataFrame" and len(made.args) == 1:
        return _history_logs(ctx, made.args[0])  # `pd.DataFrame(history.history)`: same keys
    return made if isinstance(made, ast.Attribute) and made.attr == "history" else None


def _live_keys_say(ctx: CellContext, logs: ast.expr, old: str, new: str) -> bool:
    """The ``History`` a ``fit`` returned or the model holds (``hist.history``,
    ``model.history.history``, or a name holding that dict; read, never called) holds the new
    key and not the old one: the model was compiled elsewhere with ``accuracy``, or a Keras 3
    callback logged the rate as ``learning_rate``."""
    if isinstance(logs, ast.Attribute):  # `hist.history`, `model.history.history`
        held = getattr(live_value(logs.value, ctx.live_names or {}), "history", None)
    elif isinstance(logs, ast.Name):
        held = _live_logs(ctx, logs)[0]
    else:
        return False
    return isinstance(held, dict) and new in held and old not in held


@rule("history-metric-alias", when=(ERROR,), family="model-methods", errors=("KeyError",))
def history_metric_alias(ctx: CellContext) -> list[Problem]:
    """``history.history['val_mean_absolute_error']`` after ``metrics=['mae']``: Keras 2.0-2.2
    logged a metric under its function's full name, later Kerases under the name as written;
    a model of several outputs logs each output's under its name (``a_acc`` in Keras 2.2,
    ``a_accuracy`` since 2.3). A key of the cell that the live logs lack becomes the logged key
    (same ``val_`` and output prefix) of the same metric; every such key of the cell."""
    tree = ctx.cell.tree
    key = ctx.exc.args[0] if ctx.exc is not None and ctx.exc.args else None
    if tree is None or not isinstance(key, str):
        return []
    edits, renamed = [], {}
    for node in walk(tree):
        if not (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            continue
        logs, metrics, model = _live_logs(ctx, node.value)
        old = node.slice.value
        if logs is None or old in logs:
            continue
        new = _logged_alias(metrics, old, logs, model)
        edit = node_edit(ctx.cell, node.slice, quoted_like(node_text(ctx.cell, node.slice), new)) if new else None  # fmt: skip
        if edit is not None:
            edits.append(edit)
            renamed[old] = new
    if key not in renamed:
        return []
    return [
        from_entry(
            "history-metric-alias",
            ctx.line or edits[0].line,
            edits,
            sorted(renamed),
            ctx.shown_versions,
            old=key,
            new=renamed[key],
        )
    ]


@rule("history-key-from-value", when=(ERROR,), family="model-methods", errors=("KeyError",))
def history_key_from_value(ctx: CellContext) -> list[Problem]:
    """``history.history[metric]`` with ``metric = 'acc'`` set lines or cells earlier, or a loop
    over ``['acc', 'loss']``: the key the live logs lack is renamed where its text is written
    (the literal that ends it: ``'val_' + metric`` ends in the same one) to the key this Keras
    logged for the same metric (``accuracy``; ``learning_rate``; a 2.0-era full name's alias)."""
    tree = ctx.cell.tree
    key = ctx.exc.args[0] if ctx.exc is not None and ctx.exc.args else None
    if tree is None or not isinstance(key, str):
        return []
    for node in walk(tree):
        if not isinstance(node, ast.Subscript) or isinstance(node.slice, ast.Constant):
            continue
        if node.lineno not in ctx.failing_lines:
            continue
        logs, metrics, model = _live_logs(ctx, node.value)
        if logs is None or key in logs:
            continue
        renames = {t: n for t in _literal_texts(ctx, node.slice) if (n := _logged_name(t, logs, metrics, model))}  # fmt: skip
        if not any(key.endswith(old) for old in renames):
            continue
        transform = Transform(
            "name the key this Keras logs", lambda text, r=renames: r.get(text, text), None
        )
        change = rewrite(ctx, node.slice, transform)
        if change is None:
            continue
        old = next(old for old in renames if key.endswith(old))
        new = key[: len(key) - len(old)] + renames[old]
        problem = from_entry("history-key-from-value", node.lineno, change.edits, [key],
                             ctx.shown_versions, old=key, new=new)  # fmt: skip
        problem.across = change.across
        problem.fix += " " + change.note
        return [problem]
    return []


def _literal_texts(ctx: CellContext, node: ast.expr) -> list[str]:
    """The texts of the string literals that end ``node``'s value, where it is made."""
    return [o.tail for o in origins(ctx, node) if o.tail]


def _logged_name(text: str, logs: dict, metrics: Any, model: Any = None) -> str | None:
    """What this Keras logs for the key (or key ending) ``text``: Keras 2.3's ``accuracy`` for
    ``acc``, Keras 3's ``learning_rate`` for ``lr``, the alias the live ``metrics.get``
    resolves to the same metric, or the name the live ``model`` gave its own metric function
    ``text``; None when the logs hold it or nothing matches."""
    for prefix in ("", "val_"):
        if prefix + text in logs:
            return None
    new = OLD_KEYS.get(text) or CALLBACK_KEYS.get(text)
    if new is not None and any(prefix + new in logs for prefix in ("", "val_")):
        return new
    return _logged_alias(metrics, text, logs, model) if metrics is not None else None


def _live_logs(ctx: CellContext, owner: ast.expr) -> tuple[dict | None, Any, Any]:
    """The logs a live Keras ``History`` holds, read as ``hist.history``, through a name bound
    to that dict, or through a copy of it or a pandas table whose keys or columns hold every key
    of them (``pd.DataFrame(history.history)``, an ``epoch`` column added), with the ``metrics``
    module of the Keras that made it and the model it trained."""
    names = ctx.live_names
    histories = [v for v in names.values() if _is_history(v)]
    if isinstance(owner, ast.Attribute) and owner.attr == "history":
        value = names.get(owner.value.id) if isinstance(owner.value, ast.Name) else None
        found = [value] if _is_history(value) else []
    elif isinstance(owner, ast.Name) and (keys := _keys_of(names.get(owner.id))) is not None:
        held = names[owner.id]
        found = [h for h in histories if h.history is held]
        found = found or [h for h in histories if h.history and set(h.history) <= keys][:1]
    else:
        found = []
    if len(found) != 1:
        return None, None, None
    return found[0].history, keras_metrics_of(found[0]), getattr(found[0], "model", None)


def _keys_of(value: object) -> set | None:
    """The keys of a live dict, or the column names of a live pandas ``DataFrame`` (a table made
    from a ``History``'s logs, with columns of its own beside them); None for anything else."""
    if isinstance(value, dict):
        return set(value)
    frame = sys.modules.get("pandas")
    if frame is None or not isinstance(value, frame.DataFrame):
        return None
    return {c for c in value.columns if isinstance(c, str)}


def keras_metrics_of(value: object) -> Any:
    """The ``metrics`` module of the Keras package that made ``value`` (a ``History``, a
    callback), read from ``sys.modules``; None where it has none."""
    return getattr(sys.modules.get(type(value).__module__.split(".")[0]), "metrics", None)


def _is_history(value: object) -> bool:
    klass = type(value)
    module = str(getattr(klass, "__module__", ""))
    return (
        klass.__name__ == "History"
        and module.split(".")[0] in ("keras", "tf_keras", "tensorflow")
        and isinstance(getattr(value, "history", None), dict)
    )


def _logged_alias(metrics: Any, old: str, logs: dict, model: Any = None) -> str | None:
    """The one key of ``logs`` that logs ``old``'s metric under this Keras's name: the same
    prefix (``val_``, a model output's name and ``_``: ``val_a_acc``), then a name the live
    Keras resolves to the same metric (``metrics.get``), the name Keras 2.3 gave ``acc``, or
    the name the live ``model`` gave its own metric function ``old`` names (Keras 3 logs
    ``def R2`` as ``r2``)."""
    own = own_metric_names(model)
    found = set()
    for cut in [0] + [i + 1 for i, ch in enumerate(old) if ch == "_"]:
        prefix, base = old[:cut], old[cut:]
        if base and own.get(base) not in (None, base) and prefix + own[base] in logs:
            found.add(prefix + own[base])
        wanted = _metric(metrics, base) if base else None
        for key in logs:
            if not isinstance(key, str) or not key.startswith(prefix) or key == old:
                continue
            if key.startswith("val_") != old.startswith("val_"):
                continue
            rest = key[len(prefix) :]
            if rest == OLD_KEYS.get(base) or wanted is not None and rest != base and _metric(metrics, rest) == wanted:  # fmt: skip
                found.add(key)
    return found.pop() if len(found) == 1 else None


def _metric(metrics: Any, name: str) -> tuple | None:
    """What the live ``metrics.get(name)`` resolves to: the function, or a class and its name
    (Keras 3 makes a new instance each time)."""
    try:
        found = metrics.get(name)
    except Exception:
        return None
    if found is None or isinstance(found, str):  # tf.keras 2 returns a name it cannot resolve
        return None
    if isinstance(found, type) or callable(found) and not hasattr(found, "name"):
        return (found,)
    return (type(found), getattr(found, "name", None))


def own_metric_names(model: Any) -> dict[str, str]:
    """``{function name: metric name}`` of the metric functions of the notebook's own that the
    live ``model`` was compiled with (the metric objects Keras wraps them in, read only)."""
    names: dict[str, str] = {}
    pending = list(getattr(model, "metrics", None) or ()) if model is not None else []
    seen: set[int] = set()
    while pending:
        metric = pending.pop()
        if id(metric) in seen:
            continue
        seen.add(id(metric))
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, list):
            pending += inner  # Keras 3's compile_metrics holds the compiled ones
        fn = getattr(metric, "_fn", None)
        name = getattr(metric, "name", None)
        module = str(getattr(fn, "__module__", None) or "")
        if callable(fn) and isinstance(name, str) and module.split(".")[0] not in KERAS_TOPS:
            if getattr(fn, "__name__", ""):
                names.setdefault(fn.__name__, name)
    return names
