"""Error rule: a one-column 2-D array given as a plot's data vector (``sns.violinplot(y=w)``, ``w``
of shape ``(n, 1)``).

Keras-2-era notebooks plot weights or predictions reshaped to a column
(``w.flatten().reshape(-1, 1)``). seaborn before 0.12 read such an array as its ``n`` values;
since 0.12 its functions put each data vector in a pandas table, and pandas refuses a 2-D array
as a column ("Per-column arrays must each be 1-dimensional"). The evidence is the live value of
each argument of the failing call (or value of a dict it is given, ``pd.DataFrame({'w': w})``):
a NumPy array of shape ``(n, 1)``. It is passed as its ``n``
values (``.ravel()``), the same numbers in the same order that the old versions plotted.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.member_values import reads_only
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "plot-column-vector"
MESSAGE = "Per-column arrays must each be 1-dimensional"


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("ValueError",))
def column_vector_argument(ctx: CellContext) -> list[Problem]:
    """Each argument of the failing calls that is live a one-column 2-D array, as 1-D."""
    tree = ctx.cell.tree
    if tree is None or MESSAGE not in ctx.message:
        return []
    edits, shown = [], []
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and call.lineno in ctx.failing_lines):
            continue
        given = [*call.args, *(k.value for k in call.keywords)]
        given += [v for d in given if isinstance(d, ast.Dict) for v in d.values]  # {'y': column}
        for arg in given:
            text = node_text(ctx.cell, arg) if reads_only(arg) else None
            if text is None or not _column(value_in(ctx.namespace or {}, arg)):
                continue
            edit = node_edit(ctx.cell, arg, f"{text}.ravel()")
            if edit is not None and edit not in edits:
                edits.append(edit)
                shown.append(text)
    if not edits:
        return []
    names = ", ".join(f"`{s}`" for s in dict.fromkeys(shown))
    return [
        from_entry(ENTRY, ctx.line or edits[0].line, edits, shown, ctx.shown_versions, arrays=names)
    ]


def _column(value: Any) -> bool:
    """A NumPy array of shape ``(n, 1)``."""
    shape = getattr(value, "shape", None)
    kind = type(value)
    return kind.__module__ == "numpy" and kind.__name__ == "ndarray" and isinstance(shape, tuple) and len(shape) == 2 and shape[1] == 1  # fmt: skip
