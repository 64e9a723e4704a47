"""Error rule: ``np.array(rows)`` of rows of different lengths (NumPy 1.24 made it an error).

Keras-era code collected ragged data in lists and called ``np.array`` on them: token sequences
of different lengths before ``pad_sequences``, a history of per-layer weight rows. NumPy before
1.24 made an array of ``dtype=object`` (with a VisibleDeprecationWarning since 1.20); 1.24 raises
"setting an array element with a sequence. The requested array has an inhomogeneous shape after N
dimensions". ``dtype=object`` asks for what the old NumPy made. Evidence: the message, and a call
of the live NumPy's ``array``/``asarray`` on the failing line given no ``dtype``.
"""

from __future__ import annotations

import ast
import sys

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import closing_insert_edit, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "numpy-ragged-array"
MESSAGE = "The requested array has an inhomogeneous shape"
MAKERS = ("array", "asarray")


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("ValueError",))
def ragged_arrays(ctx: CellContext) -> list[Problem]:
    """``np.array(x)`` on a failing line, without ``dtype``: ``np.array(x, dtype=object)``."""
    numpy = sys.modules.get("numpy")
    tree = ctx.cell.tree
    if MESSAGE not in ctx.message or numpy is None or tree is None:
        return []
    names = ctx.live_names or {}
    lines = ctx.failing_lines
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        owner = call.func.value
        if call.func.attr not in MAKERS or not isinstance(owner, ast.Name) or names.get(owner.id) is not numpy:  # fmt: skip
            continue
        if call.lineno not in lines or len(call.args) != 1 or any(k.arg == "dtype" for k in call.keywords):  # fmt: skip
            continue
        edit = closing_insert_edit(ctx.cell, call, "dtype=object")
        if edit is None:
            continue
        problem = from_entry(ENTRY, call.lineno, [edit], [owner.id, call.func.attr], ctx.shown_versions,
                             call=f"{owner.id}.{call.func.attr}", numpy=getattr(numpy, "__version__", "2"))  # fmt: skip
        problem.certain = True  # the object array the older NumPy made of the same rows
        return [problem]
    return []
