"""Trap rules on optimizer arguments: ``lr=`` ignored by the new optimizers of Keras 2.11–2.15
and tf_keras, ``decay=`` ignored by Keras 3 (before a run from the source, after it from the objects),
and a ``hasattr(optimizer, 'lr')`` guard that is False on Keras 3's optimizers."""

from __future__ import annotations

import ast
import math

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import AFTER_RUN, STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rate_setters import ENTRY_ID as RATE_SETTER_ID
from kerasmagic.diagnosis.rate_setters import rate_setter
from kerasmagic.diagnosis.rewrite import delete_keyword_edit, node_edit
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.optimizer_attributes import (
    guard_edits,
    imports_missing_keras,
    learning_rate_only,
    lr_guards,
)
from kerasmagic.diagnosis.trap_support import (
    applies_to_kind,
    as_float,
    call_kind,
    literal,
    object_for,
    said,
    text_of,
    trap_problem,
)
from kerasmagic.knowledge.catalogue import entry as catalogue_entry


@rule(
    "optimizer-lr-ignored",
    when=(STATIC, AFTER_RUN),
    family="optimizer-arguments",
    needs=(r"lr\s*=", r"decay\s*="),
    kind="trap",
)
def optimizer_keywords(ctx: CellContext) -> list[Problem]:
    """`lr=` / `decay=` that the optimizer a call builds ignores here."""
    out: list[Problem] = []
    for call, text, resolved in ctx.facts.calls:
        for kw in call.keywords:
            if kw.arg == "lr":
                _lr(ctx, out, call, kw, text, resolved)
            elif kw.arg == "decay":
                _decay(ctx, out, call, kw, text, resolved)
    return out


def _lr(
    ctx: CellContext, out: list[Problem], call: ast.Call, kw: ast.keyword, text: str, resolved: str
) -> None:
    entry = catalogue_entry("optimizer-lr-ignored")
    obj = object_for(ctx, call)
    kind, legacy = call_kind(ctx, resolved, obj)
    if legacy or not applies_to_kind(entry, kind, ctx.versions):
        return
    value = literal(kw.value)
    value_text = text_of(ctx, kw.value) or repr(value)
    actual = "its default learning rate"
    confidence = 0.8
    if obj is not None:
        now = as_float(getattr(obj, "learning_rate", None))
        if now is None:
            return
        if isinstance(value, (int, float)) and math.isclose(now, value, rel_tol=1e-6):
            return  # honoured here
        actual, confidence = f"{now:g}", 1.0
    elif ctx.ran and said(ctx, entry):
        confidence = 0.95
    name = ctx.facts.targets.get(id(call)) or text
    edits = []
    if not any(k.arg == "learning_rate" for k in call.keywords):
        edits = [node_edit(ctx.cell, kw, f"learning_rate={value_text}")]
    out.append(
        trap_problem(
            ctx,
            entry,
            {"value": value_text, "name": f"`{name}`", "actual": actual},
            fix_code=f"learning_rate={value_text}",
            edits=edits,
            line=kw.lineno,
            confidence=confidence,
            verify=f"After the corrected cell, `float({name}.learning_rate)` is {value_text}"
            if "." not in text or obj is not None
            else f"The optimizer's `learning_rate` is {value_text}.",
        )
    )


def _decay(
    ctx: CellContext, out: list[Problem], call: ast.Call, kw: ast.keyword, text: str, resolved: str
) -> None:
    entry = catalogue_entry("optimizer-decay-ignored")
    obj = object_for(ctx, call)
    kind, legacy = call_kind(ctx, resolved, obj)
    if legacy or not applies_to_kind(entry, kind, ctx.versions):
        return
    if any(k.arg == "lr" for k in call.keywords):
        return  # Keras 3 raises on lr: not silent
    value_text = text_of(ctx, kw.value) or "decay"
    name = ctx.facts.targets.get(id(call)) or text
    setter = rate_setter(ctx)
    if setter is not None:  # a schedule would make the setter raise: say so, rewrite nothing
        fields = {"value": value_text, "name": f"`{name}`", "setter": setter}
        setter_entry = catalogue_entry(RATE_SETTER_ID)
        out.append(trap_problem(ctx, setter_entry, fields, edits=[], line=kw.lineno))
        return
    lr_kw = next((k for k in call.keywords if k.arg == "learning_rate"), None)
    lr_text = text_of(ctx, lr_kw.value) if lr_kw is not None else None
    if lr_text is None and obj is not None:
        now = as_float(getattr(obj, "learning_rate", None))
        lr_text = f"{now:g}" if now is not None else None
    lr_text = lr_text or "0.001"
    prefix = text.rsplit(".optimizers.", 1)[0] if ".optimizers." in text else None
    schedule = (prefix or "keras") + ".optimizers.schedules.InverseTimeDecay"
    new_value = f"{schedule}({lr_text}, decay_steps=1, decay_rate={value_text})"
    fix_edits: list = []
    if prefix is not None and lr_text is not None:
        if lr_kw is not None:
            edits = [
                node_edit(ctx.cell, lr_kw.value, new_value),
                delete_keyword_edit(ctx.cell, call, kw),
            ]
        else:
            edits = [node_edit(ctx.cell, kw, f"learning_rate={new_value}")]
        fix_edits = edits
    out.append(
        trap_problem(
            ctx,
            entry,
            {"value": value_text, "name": f"`{name}`", "schedule": schedule, "lr": lr_text},
            fix_code=f"learning_rate={new_value}",
            edits=fix_edits,
            line=kw.lineno,
            confidence=1.0 if (obj is not None or said(ctx, entry)) else 0.8,
            verify='The corrected cell emits no "decay is no longer supported" warning and '
            f"`{name}.learning_rate` decreases as `{name}.iterations` grows.",
        )
    )


@rule(
    "optimizer-lr-guard-silent",
    when=(STATIC, AFTER_RUN),
    family="optimizer-arguments",
    needs=(r"hasattr\(", r"getattr\("),
    kind="trap",
)
def optimizer_lr_guard_silent(ctx: CellContext) -> list[Problem]:
    """The same guard read before the cell runs: ``if hasattr(self.model.optimizer, 'lr'):``
    around the code that sets the rate never runs with the Keras the cell uses, whose optimizer
    base class (read live) has ``learning_rate`` and no ``lr``: the schedule is silently skipped
    and the model trains at its first rate. The same rewrite as the error rule."""
    if ctx.cell.tree is None or not lr_guards(ctx) or imports_missing_keras(ctx):
        return []
    bases = []
    for root in ctx.scope.cell_roots():
        status, klass = live.resolve_path(f"{root}.optimizers.Optimizer")
        if status == live.OK and isinstance(klass, type):
            bases.append(klass)
    if not bases or not all(learning_rate_only(b) for b in bases):
        return []
    edits = guard_edits(ctx)
    if not edits:
        return []
    entry = catalogue_entry("optimizer-lr-guard-silent")
    return [trap_problem(ctx, entry, {}, edits=list(edits), line=edits[0].line, names=["lr"])]
