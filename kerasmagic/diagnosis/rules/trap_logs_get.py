"""Trap rule: a callback's ``logs.get('acc')`` that reads ``None`` for the whole training.

``if logs.get('acc', 0) > 0.99: self.model.stop_training = True`` in a ``Callback`` method (or a
``LambdaCallback`` function) was how courses stopped training at a target. Since Keras 2.3 the
logs name a metric as ``compile`` was given it: a model compiled with ``metrics=['accuracy']``
logs ``accuracy``/``val_accuracy``, so the ``get`` reads its default every epoch and the callback
never acts. Nothing fails (``logs['acc']``, which raises, is rules/error_logs_key.py).

Read after the cell that defines the callback runs: the model is compiled with ``'accuracy'`` and
not ``'acc'`` in this cell, the nearest earlier cell that compiles, else the first later one
(``migrate`` holds them), or as the live models record it. The key is renamed in the method.
"""

from __future__ import annotations

from kerasmagic.diagnosis.context import AFTER_RUN, CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.callback_keys import compiled_with_accuracy, logs_reads
from kerasmagic.diagnosis.rules.history import OLD_KEYS
from kerasmagic.diagnosis.trap_support import trap_problem
from kerasmagic.knowledge.catalogue import entry as catalogue_entry

ENTRY = "callback-logs-get-old-key"


@rule(ENTRY, when=(AFTER_RUN,), family="model-methods", needs=(r"\.get\(",), kind="trap")
def logs_get_old_key(ctx: CellContext) -> list[Problem]:
    """Each ``logs.get('acc')``/``('val_acc')`` of the cell's callback methods, renamed."""
    if not ctx.ran or ctx.cell.tree is None:
        return []
    if not (ctx.versions.get("keras") or ctx.versions.get("tf-keras")):
        return []
    reads = [(edit, key, line) for edit, key, line, by_get in logs_reads(ctx) if by_get]
    if not reads or not compiled_with_accuracy(ctx, later=True):
        return []
    old = reads[0][1]
    fields = {"old": old, "new": OLD_KEYS[old]}
    verify = f"With the corrected cell the callback reads `{OLD_KEYS[old]}`'s value each epoch."
    edits = [edit for edit, _, _ in reads]
    return [trap_problem(ctx, catalogue_entry(ENTRY), fields, edits=edits, line=reads[0][2], confidence=1.0, verify=verify)]  # fmt: skip
