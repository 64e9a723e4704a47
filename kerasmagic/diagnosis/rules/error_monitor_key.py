"""Error rule: a callback monitors a key no metric of the model is named, and Keras 3 refused it
at the start of ``fit``: ``EarlyStopping callback received monitor=val_mean_absolute_error, but
Keras isn't able to automatically determine whether that metric should be maximized or
minimized`` (Keras 3's ``MonitorCallback._set_monitor_op``).

The message names the key; the frame that raised holds the callback, whose model is compiled and
built by then: its metrics are named as this Keras logs them. A key of Keras 2.0-2.2 (a metric
logged under its function's full name, ``mean_absolute_error`` for ``metrics=['mae']``) becomes
the key this Keras logs for the same metric (``history._logged_name``: the live ``metrics.get``
resolves both names to one function, or the model's own metric function's name), renamed where it
is written: the cell's ``monitor=`` (followed to where a name gets it, cells before:
``value_change.rewrite``), a dict the call unpacks, or the callback the cell passes in
``callbacks=[…]``, where an earlier cell made it. ``acc``/``val_acc`` of a model compiled with
``'accuracy'`` is ``callback-acc-key``'s, which reads the compile statically."""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.keyword_dicts import key_string_changed, unpacked_string
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import one_string, origins
from kerasmagic.diagnosis.rewrite import Edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.callback_keys import callback_acc_key
from kerasmagic.diagnosis.rules.history import _logged_name, keras_metrics_of
from kerasmagic.diagnosis.rules.trap_monitor_key import callback_names, fit_calls, monitor_renamed
from kerasmagic.diagnosis.value_change import Transform, rewrite

ENTRY = "callback-monitor-alias"
MESSAGE = re.compile(r"callback received monitor=(?P<key>\S+), but Keras isn't able to automatically determine")  # fmt: skip


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("ValueError",), needs=("monitor", "callbacks", r"\*\*"))  # fmt: skip
def callback_monitor_alias(ctx: CellContext) -> list[Problem]:
    """The refused key renamed, where it is written, to the one the live model logs."""
    found = MESSAGE.search(ctx.message or "")
    tree = ctx.cell.tree
    if found is None or tree is None:
        return []
    key = found.group("key")
    new = _logged(ctx.exc, key)
    if new is None or callback_acc_key(ctx):
        return []
    renames = {key: new}
    literal = Transform(f"monitor the logs' key `{new}`", literal=renames.get)
    in_dict = key_string_changed("monitor", renames.get, f"give `monitor` the logs' key `{new}`")
    edits: list[Edit] = []
    across: list[Edit] = []
    notes: list[str] = []
    for call in walk(tree):
        for kw in call.keywords if isinstance(call, ast.Call) else ():
            if kw.arg == "monitor" and one_string(origins(ctx, kw.value, terms=False)) == key:
                change = rewrite(ctx, kw.value, literal)
            elif kw.arg is None and unpacked_string(ctx, kw.value, "monitor") == key:
                change = rewrite(ctx, kw.value, in_dict)  # `EarlyStopping(**cfg)`
            else:
                continue
            if change is not None:
                edits, across, notes = edits + change.edits, across + change.across, notes + [change.note]  # fmt: skip
    if not edits:  # the callback an earlier cell made, passed by name: renamed where it is made
        for name in callback_names(fit_calls(tree)):
            change = rewrite(ctx, name, monitor_renamed(renames))
            if change is not None:
                edits, across, notes = edits + change.edits, across + change.across, notes + [change.note]  # fmt: skip
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [key], ctx.shown_versions, key=key, new=new)  # fmt: skip
    if any(e.cell is not None for e in across):
        problem.across = across
    problem.fix = f"{problem.fix} {' '.join(n for n in notes if n)}".strip()
    return [problem]


def _logged(exc: BaseException | None, key: str) -> str | None:
    """What this Keras logs for ``key``: the callback that refused it is ``self`` of a frame that
    raised; its model's metrics (built when ``fit`` starts) are named as the logs will be."""
    callback = next((s for f in traceback_frames(exc) if getattr(s := f.f_locals.get("self"), "monitor", None) == key), None)  # fmt: skip
    model = getattr(callback, "model", None) if callback is not None else None
    names = logged_metric_names(model)
    if not names:
        return None
    logs = {prefix + name for name in names for prefix in ("", "val_")}
    return _logged_name(key, logs, keras_metrics_of(callback), model)


def logged_metric_names(model: Any) -> list[str]:
    """The names a live Keras 3 model's metrics log under (its loss tracker and the metrics its
    ``compile`` made, ``CompileMetrics`` opened), read only; [] for anything else."""
    if model is None or not str(type(model).__module__).startswith("keras"):
        return []
    try:
        groups = list(model.metrics)
    except Exception:  # an unbuilt or broken model: nothing to read
        return []
    names = [getattr(m, "name", None) for g in groups for m in getattr(g, "metrics", [g])]
    return [n for n in names if isinstance(n, str)]
