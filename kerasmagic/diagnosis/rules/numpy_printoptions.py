"""``np.set_printoptions(threshold=np.nan)``: how notebooks of the Keras 2 years printed a whole
array. NumPy 1.14 refused NaN ("threshold must be non-NAN, try sys.maxsize"), and the string
``'nan'`` ("threshold must be numeric"); the live ``set_printoptions`` documentation says what
prints everything: ``sys.maxsize``. The value changes, the printed output does not.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
import sys

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.known_values import known_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, node_edit, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "numpy-threshold-nan"
REFUSED = re.compile(r"threshold must be (?:numeric|non-NAN)")


def _is_nan(value: ast.expr) -> bool:
    """``'nan'``, ``np.nan`` / ``numpy.NaN``, ``float('nan')``."""
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str) and value.value.strip().lower() == "nan"
    if isinstance(value, ast.Attribute):
        return value.attr.lower() == "nan"
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "float"
        and len(value.args) == 1
        and _is_nan(value.args[0])
    )


def _nan_value(value: object) -> bool:
    """The string ``'nan'`` or a NaN float, as a name bound cells earlier holds it."""
    if isinstance(value, str):
        return value.strip().lower() == "nan"
    return isinstance(value, float) and math.isnan(value)


def _documents_maxsize(function: object) -> bool:
    return "sys.maxsize" in (inspect.getdoc(function) or "")


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("TypeError", "ValueError"))
def threshold_nan(ctx: CellContext) -> list[Problem]:
    """Each ``set_printoptions(threshold=<NaN>)`` of the live NumPy function → ``sys.maxsize``."""
    tree = ctx.cell.tree
    if tree is None or not REFUSED.search(ctx.message):
        return []
    edits: list[Edit] = []
    lines: list[int] = []
    for call in walk(tree):
        found = ctx.scope.callee(call.func) if isinstance(call, ast.Call) else None
        if found is None:
            continue
        function, path = found
        if path.split(".")[0] != "numpy" or not path.endswith("set_printoptions"):
            continue
        if not _documents_maxsize(function):
            continue
        for kw in call.keywords:
            if kw.arg == "threshold" and (_is_nan(kw.value) or _nan_value(known_value(ctx, kw.value))):
                edit = node_edit(ctx.cell, kw.value, "sys.maxsize")
                if edit is not None:
                    edits.append(edit)
                    lines.append(kw.value.lineno)
    if not edits:
        return []
    bound = (ctx.namespace or {}).get("sys")
    if ctx.scope.bindings.get("sys") != "sys" and bound is not sys:
        at = insertion_line(ctx.cell)
        edits.insert(0, Edit(at, 0, at, 0, "import sys\n"))
    return [from_entry(ENTRY, lines[0], edits, ["threshold"], ctx.shown_versions)]
