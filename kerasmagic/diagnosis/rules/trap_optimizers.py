"""Trap rules on optimizer arguments: ``lr=`` ignored by the new optimizers of Keras 2.11–2.15
and tf_keras, ``decay=`` ignored by Keras 3 (before a run from the source, after it from the objects),
a ``hasattr(optimizer, 'lr')`` guard that is False on Keras 3's optimizers, and an
``optimizer.lr = …`` that sets an attribute nothing reads there."""

from __future__ import annotations

import ast
import math

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import AFTER_RUN, STATIC, CellContext
from kerasmagic.diagnosis.decay_schedule import (
    RATE_KEYS,
    bound_schedule,
    decay_edits,
    decay_in_dict,
    default_rate,
    schedule_expr,
    schedule_path,
)
from kerasmagic.diagnosis.keras3_support import keras3_here, keras_root
from kerasmagic.diagnosis.keyword_dicts import keys_read, unpacked_keys
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.provenance import origins
from kerasmagic.diagnosis.rate_setters import ENTRY_ID as RATE_SETTER_ID
from kerasmagic.diagnosis.rate_setters import rate_setter
from kerasmagic.diagnosis.rewrite import Edit, node_edit
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.optimizer_attributes import (
    guard_edits,
    imports_missing_keras,
    learning_rate_only,
    lr_guards,
    lr_stores,
    optimizer_of,
)
from kerasmagic.diagnosis.trap_support import (
    applies_to_kind,
    as_float,
    call_kind,
    is_optimizer_path,
    literal,
    object_for,
    said,
    text_of,
    trap_problem,
)
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.knowledge.catalogue import entry as catalogue_entry


@rule(
    "optimizer-lr-ignored",
    when=(STATIC, AFTER_RUN),
    family="optimizer-arguments",
    needs=(r"lr\s*=", r"decay\s*=", r"\*\*"),
    kind="trap",
)
def optimizer_keywords(ctx: CellContext) -> list[Problem]:
    """`lr=` / `decay=` that the optimizer a call builds ignores here, given in the call or as
    a key of the dict it unpacks."""
    out: list[Problem] = []
    for call, text, resolved in ctx.facts.calls:
        for kw in call.keywords:
            if kw.arg is None:
                _decay_unpacked(ctx, out, call, kw, text, resolved)
            elif kw.arg == "lr":
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
    path = _optimizer_path(resolved, obj)
    named = schedule_expr(ctx, call, path) if path else None
    schedule = named[0] if named else "keras.optimizers.schedules.InverseTimeDecay"
    new_value = f"{schedule}({lr_text}, decay_steps=1, decay_rate={value_text})"
    fix_edits = decay_edits(ctx, call, kw, path) if path else []
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


def _decay_unpacked(
    ctx: CellContext, out: list[Problem], call: ast.Call, kw: ast.keyword, text: str, resolved: str
) -> None:
    """``Adam(**settings)`` with ``settings = {"learning_rate": 0.01, "decay": 1e-6}`` made in
    this cell or an earlier one: the decay is folded into the rate where the dict is made, when
    the code reads neither key by name and the schedule can be named there."""
    entry = catalogue_entry("optimizer-decay-ignored")
    obj = object_for(ctx, call)
    kind, legacy = call_kind(ctx, resolved, obj)
    keys = unpacked_keys(ctx, kw.value) or []
    if legacy or "decay" not in keys or "lr" in keys or not applies_to_kind(entry, kind, ctx.versions):  # fmt: skip
        return  # `lr` too: Keras 3 raises on it, the error rule renames it first
    path = _optimizer_path(resolved, obj)
    named = _schedule_in_scope(ctx, path, kw.value)
    schedule, imported = named if named else (None, [])
    name = ctx.facts.targets.get(id(call)) or text
    dict_text = text_of(ctx, kw.value) or "the dict"
    default = default_rate(path) if path else None
    rate = f"{dict_text}['learning_rate']" if "learning_rate" in keys or default is None else repr(default)  # fmt: skip
    fields = {"value": f"{dict_text}['decay']", "name": f"`{name}`", "lr": rate}
    fields["schedule"] = schedule or "keras.optimizers.schedules.InverseTimeDecay"
    change = None
    if schedule and not keys_read(ctx, kw.value) & {"decay", *RATE_KEYS} and rate_setter(ctx) is None:  # fmt: skip
        change = rewrite(ctx, kw.value, decay_in_dict(schedule, default))
    problem = trap_problem(ctx, entry, fields, edits=[*imported, *change.edits] if change else [], line=call.lineno,
                           confidence=1.0 if (obj is not None or said(ctx, entry)) else 0.8)  # fmt: skip
    if change is not None:
        problem.across = change.across
        problem.fix += f" The decay is a key of the dict unpacked into the optimizer: {change.note}"
    out.append(problem)


def _schedule_in_scope(ctx: CellContext, path: str | None, value: ast.expr) -> tuple[str, list[Edit]] | None:  # fmt: skip
    """The schedule named through a binding the cells already have, or through ``import keras``
    put at the top of this cell when the dict is made in it (a dict made in an earlier cell
    cannot take an import put here)."""
    found = bound_schedule(ctx, path)
    if found is None:
        return None
    if found[1] is not None:
        return found[1], []
    keras = keras_root(ctx) if keras3_here() else None
    if keras is None or (keras[1] and not all(o.here for o in origins(ctx, value, terms=False))):
        return None
    return schedule_path(keras[0]), keras[1]


def _optimizer_path(resolved: str, obj: object) -> str | None:
    """The optimizer class's import path: the call's, else the live object's class."""
    if is_optimizer_path(resolved):
        return resolved
    if obj is None:
        return None
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


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
    bases = _optimizer_bases(ctx)
    if not bases or not all(learning_rate_only(b) for b in bases):
        return []
    edits = guard_edits(ctx)
    if not edits:
        return []
    entry = catalogue_entry("optimizer-lr-guard-silent")
    return [trap_problem(ctx, entry, {}, edits=list(edits), line=edits[0].line, names=["lr"])]


@rule(
    "optimizer-lr-set-ignored",
    when=(STATIC, AFTER_RUN),
    family="optimizer-arguments",
    needs=r"\.lr\s*\S?=",
    kind="trap",
)
def optimizer_lr_set_ignored(ctx: CellContext) -> list[Problem]:
    """``model.optimizer.lr = 1e-4``: Keras 2's optimizers took it as the rate (measured: TF 2.15
    and tf_keras set it). An optimizer whose class (read live) has ``learning_rate`` and no ``lr``
    keeps it as a new attribute nothing reads, and trains at its first rate without a word. Each
    optimizer set is checked: the live object where the cell names one, else the optimizer
    base class of every Keras the cell uses. Every ``.lr`` of an optimizer becomes
    ``.learning_rate``, as the guard rule writes it (which covers a cell with a guard)."""
    if ctx.cell.tree is None or lr_guards(ctx) or imports_missing_keras(ctx):
        return []
    stores = lr_stores(ctx)
    if not stores:
        return []
    bases = _optimizer_bases(ctx)
    for node in stores:
        obj = optimizer_of(ctx, node.value)
        classes = [type(obj)] if obj is not None else bases
        if not classes or not all(learning_rate_only(c) for c in classes):
            return []
    edits = guard_edits(ctx)
    if not edits:
        return []
    entry = catalogue_entry("optimizer-lr-set-ignored")
    return [trap_problem(ctx, entry, {}, edits=list(edits), line=stores[0].lineno, names=["lr"])]


def _optimizer_bases(ctx: CellContext) -> list[type]:
    """The live optimizer base class of every Keras the cell uses."""
    bases = []
    for root in ctx.scope.cell_roots():
        status, klass = live.resolve_path(f"{root}.optimizers.Optimizer")
        if status == live.OK and isinstance(klass, type):
            bases.append(klass)
    return bases
