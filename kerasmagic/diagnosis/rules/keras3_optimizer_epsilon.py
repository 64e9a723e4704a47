"""Static rule: ``epsilon=None`` given to an optimizer, which old Keras read as "the backend's
epsilon" (1e-07) and the optimizers of Keras 2.11+ and 3 take as given: training fails at the
first step, on the ``fit`` line, not the optimizer's. Checked against the live optimizer class
(its own default epsilon is a number) and, after an error, the live optimizers."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import signature
from kerasmagic.diagnosis.keyword_dicts import dropped_key, unpacked_value
from kerasmagic.diagnosis.known_values import known_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import delete_keyword_edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "keras3-optimizer-epsilon-none"


@rule("keras3-optimizer-epsilon-none", when=(STATIC,), family="optimizer-arguments", needs=("epsilon", r"\*\*"))  # fmt: skip
def epsilon_none(ctx: CellContext) -> list[Problem]:
    """``Adam(epsilon=None)``: dropped where the live optimizer's own default epsilon is a number
    (its ``None`` meant "the backend's epsilon" in old Keras); through ``**params``, the dict's
    entry taken out where the dict is made. It raised the error ("None values not supported" at
    the first step, a line below) when the message is the entry's and a live optimizer the
    cell's names reach, or their models' ``optimizer``, holds ``epsilon=None``."""
    tree = ctx.cell.tree
    if tree is None:
        return []
    out: list[Problem] = []
    for call in walk(tree):
        if not isinstance(call, ast.Call):
            continue
        kw = next((k for k in call.keywords if k.arg == "epsilon"), None)
        packed = next((k for k in call.keywords if k.arg is None and unpacked_value(ctx, k.value, "epsilon") is None), None)  # fmt: skip
        if (kw is None or known_value(ctx, kw.value) is not None) and packed is None:
            continue  # neither `epsilon=None` (or a name holding it) nor a dict giving it
        callee = ctx.scope.callee(call.func)
        if callee is None or not live.is_optimizer_class(callee[0]):
            continue
        sig = signature(callee[0])
        default = sig.parameters.get("epsilon") if sig is not None else None
        if default is None or not isinstance(default.default, (int, float)):
            continue
        change = rewrite(ctx, packed.value, dropped_key("epsilon", "lose `epsilon`")) if kw is None and packed is not None else None  # fmt: skip
        edits = [delete_keyword_edit(ctx.cell, call, kw)] if kw is not None else change.edits if change else []
        if edits and None not in edits:
            name = callee[1].rsplit(".", 1)[-1]
            line = kw.lineno if kw is not None else call.lineno
            problem = from_entry("keras3-optimizer-epsilon-none", line, edits, ["epsilon", name],  # type: ignore[arg-type]
                                 ctx.shown_versions, keras=ctx.versions.get("keras", "3"))  # fmt: skip
            if change is not None:
                problem.across, problem.fix = change.across, f"{problem.fix} {change.note}"
            problem.raised_it = _raised_it(ctx)
            out.append(problem)
    return out


def _raised_it(ctx: CellContext) -> bool:
    """Did ``epsilon=None`` raise the cell's error: the entry's exception and message, and an
    optimizer of the live names (or a live model's) with ``epsilon`` None?"""
    entry = find_entry(ENTRY)
    if ctx.exc is None or entry is None or not entry.matches_error(ctx.error_type, ctx.message):
        return False
    for value in list((ctx.live_names or {}).values()):
        held = getattr(value, "optimizer", None) if live.is_layer_class(type(value)) else value
        if live.is_optimizer_class(type(held)) and getattr(held, "epsilon", 0.0) is None:
            return True
    return False
