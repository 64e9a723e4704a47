"""Error rule: a seaborn plot given its data variables by position, as seaborn before 0.12 took
them (``sns.barplot(labels, counts)``, ``sns.regplot('x', 'y', df)``): seaborn 0.12 made ``data``
the only positional parameter and the variables keyword-only ("barplot() takes from 0 to 1
positional arguments but 2 were given").

The old order of each function's parameters is catalogue data (entry
``seaborn-positional-variables``, from seaborn 0.10's signatures): each positional argument of
the failing call is passed by the name it had there (``x=labels, y=counts``), which is what
seaborn 0.11 asked for in its warning and what the plot was drawn from. The callee is the live
seaborn function (its module is seaborn's); a call also giving one of those names by keyword is
left alone.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.library_objects import callee_key
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "seaborn-positional-variables"
# "… but 2 were given", or "… but 2 positional arguments (and 1 keyword-only argument) were given"
TOO_MANY = re.compile(
    r"(?P<function>\w+)\(\) takes (?:from 0 to )?1 positional arguments? but \d+ "
)


@rule(ENTRY, when=(ERROR,), family="keyword-arguments", errors=("TypeError",))
def seaborn_positional(ctx: CellContext) -> list[Problem]:
    """The failing seaborn call's positional arguments passed by their old names."""
    said = TOO_MANY.search(ctx.message or "")
    entry = find_entry(ENTRY)
    orders: dict[str, list[str]] = entry.data.get("orders", {}) if entry is not None else {}
    order = orders.get(said["function"]) if said else None
    if ctx.cell.tree is None or not order:
        return []
    edits: list[Edit] = []
    for call in walk(ctx.cell.tree):
        if not (isinstance(call, ast.Call) and call.lineno in ctx.failing_lines and callee_key(ctx, call.func) == f"seaborn.{said['function']}"):  # fmt: skip
            continue
        edit = _by_name(ctx, call, order)
        if edit is not None:
            edits.append(edit)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [said["function"]], ctx.shown_versions,
                         function=said["function"], order=", ".join(f"`{p}`" for p in order))  # fmt: skip
    problem.certain = True
    return [problem]


def _by_name(ctx: CellContext, call: ast.Call, order: list[str]) -> Edit | None:
    """``call`` with its positional arguments given by their old names; None when it has more
    than the old order names, a ``*args``, or already gives one of them by keyword."""
    if len(call.args) > len(order) or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    named = order[: len(call.args)]
    if any(k.arg in named or k.arg is None for k in call.keywords):
        return None
    func = node_text(ctx.cell, call.func)
    values = [node_text(ctx.cell, a) for a in call.args]
    rest = [node_text(ctx.cell, k) for k in call.keywords]
    if func is None or None in values or None in rest:
        return None
    parts = [f"{n}={v}" for n, v in zip(named, values)] + rest
    return node_edit(ctx.cell, call, f"{func}({', '.join(parts)})")  # type: ignore[arg-type]
