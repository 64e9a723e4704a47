"""Trap rule: an optimizer built with a default that changed across Keras versions (``Adadelta()``
or ``optimizer="adadelta"``: learning rate 1.0 in Keras ≤ 2.2 and old ``tf.keras``, 0.001 since).

The default in force is read from the live class (its signature; for a string, the class the
cell's Keras ``optimizers.get`` returns); the old defaults and their sources are the catalogue's
(``optimizer-default-changed``). Told, not rewritten: keeping the old value is the user's choice.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import AFTER_RUN, STATIC, CellContext
from kerasmagic.diagnosis.decay_schedule import default_rate
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.trap_support import trap_problem
from kerasmagic.knowledge.catalogue import Entry, find_entry

ENTRY = "optimizer-default-changed"
LR_KEYWORDS = ("learning_rate", "lr")


def _class_for_string(ctx: CellContext, name: str) -> Any:
    """The class the cell's Keras ``optimizers.get(name)`` returns (an instance's type)."""
    for root in ctx.scope.cell_roots():
        status, get = live.resolve_path(f"{root}.optimizers.get")
        if status != live.OK or not callable(get):
            continue
        try:
            return type(get(name))
        except Exception:
            continue
    return None


def _changed(entry: Entry, cls: Any) -> tuple[float, float] | None:
    """(old default, default here) when ``cls`` is listed and its default changed."""
    if not isinstance(cls, type):
        return None
    old = entry.data.get("old_defaults", {}).get(cls.__name__)
    now = default_rate(cls)
    if old is None or now is None or math.isclose(float(old), now, rel_tol=1e-9):
        return None
    return float(old), now


def _string_optimizers(tree: ast.Module) -> list[tuple[ast.Constant, str]]:
    """String optimizers: ``compile(optimizer="adadelta")`` / ``compile("adadelta", …)`` and
    ``optimizers.get("adadelta")``."""
    found: list[tuple[ast.Constant, str]] = []
    for node in walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        value = None
        if node.func.attr == "compile":
            value = next((k.value for k in node.keywords if k.arg == "optimizer"), None)
            if value is None and node.args:
                value = node.args[0]
        elif node.func.attr == "get" and node.args:
            if getattr(node.func.value, "attr", getattr(node.func.value, "id", "")) == "optimizers":
                value = node.args[0]
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.append((value, value.value))
    return found


@rule(
    ENTRY,
    when=(STATIC, AFTER_RUN),
    family="optimizer-arguments",
    needs=tuple(rf"{da}(?i:delta|grad)" for da in ("da", "Da", "dA", "DA")),
    kind="trap",
)
def optimizer_default_changed(ctx: CellContext) -> list[Problem]:
    """An optimizer of the catalogue's list built without a learning rate where the live default
    differs from the old one."""
    entry = find_entry(ENTRY)
    if entry is None or ctx.cell.tree is None:
        return []
    out: list[Problem] = []
    for call, text, _ in ctx.facts.calls:
        if call.args or any(k.arg in LR_KEYWORDS or k.arg is None for k in call.keywords):
            continue
        found = ctx.scope.callee(call.func)
        changed = _changed(entry, found[0]) if found else None
        if changed:
            out.append(_problem(ctx, entry, call.lineno, f"`{text}()`", found[0], changed))
    for node, name in _string_optimizers(ctx.cell.tree):
        cls = _class_for_string(ctx, name)
        changed = _changed(entry, cls)
        if changed:
            out.append(_problem(ctx, entry, node.lineno, f'`optimizer="{name}"`', cls, changed))
    return out


def _problem(
    ctx: CellContext, entry: Entry, line: int, name: str, cls: type, changed: tuple[float, float]
) -> Problem:
    old, now = changed
    ratio = old / now if now else 0
    effect = (
        f"now takes steps about {ratio:g} times smaller and may barely train"
        if ratio > 1
        else f"now takes steps about {1 / ratio:g} times larger"
        if ratio
        else "behaves differently"
    )
    return trap_problem(
        ctx,
        entry,
        {
            "name": name,
            "cls": cls.__name__,
            "old": repr(old),
            "now": repr(now),
            "until": entry.data.get("until", "older Keras"),
            "effect": effect,
        },
        line=line,
        confidence=1.0,
        verify=f"`inspect.signature({cls.__module__}.{cls.__name__}).parameters"
        f"['learning_rate'].default` is {now!r} here.",
    )
