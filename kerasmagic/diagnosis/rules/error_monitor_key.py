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

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.callback_keys import (
    callback_acc_key,
    monitor_changes,
    passed_monitor_changes,
)
from kerasmagic.diagnosis.rules.error_metrics_names import _flat_names
from kerasmagic.diagnosis.rules.history import _logged_name, keras_metrics_of
from kerasmagic.diagnosis.rules.trap_monitor_key import callback_names, fit_calls, monitor_renamed
from kerasmagic.diagnosis.value_change import rewrite

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
    edits: list[Edit] = []
    across: list[Edit] = []
    notes: list[str] = []
    for call in walk(tree):
        for change_edits, change_across, note, _old in monitor_changes(ctx, call, renames) if isinstance(call, ast.Call) else ():  # fmt: skip
            edits, across, notes = edits + change_edits, across + change_across, notes + [note]
    if not edits:  # the callback an earlier cell made, passed by name: renamed where it is made
        for name in callback_names(fit_calls(tree)):
            change = rewrite(ctx, name, monitor_renamed(renames))
            if change is not None:
                edits, across, notes = edits + change.edits, across + change.across, notes + [change.note]  # fmt: skip
    if not edits:  # a function another cell defines makes the callback, given the key by this cell
        for passed_edits, passed_across, note, _old, _line in passed_monitor_changes(ctx, renames):
            edits, across, notes = edits + passed_edits, across + passed_across, notes + [note]
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
    names = _flat_names(model) if model is not None else []
    if not names:
        return None
    logs = {prefix + name for name in names for prefix in ("", "val_")}
    return _logged_name(key, logs, keras_metrics_of(callback), model)

