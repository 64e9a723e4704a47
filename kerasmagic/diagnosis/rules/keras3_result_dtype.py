"""Static rule: ``to_categorical(y, 10, dtype='float32')``. Keras 2's ``to_categorical`` made the
one-hot array in the ``dtype`` it was given (``'float32'`` by default); Keras 3's
``to_categorical(x, num_classes=None)`` has no ``dtype`` ("got an unexpected keyword argument
'dtype'") and returns float64. The keyword moves onto the array the call returns,
``to_categorical(y, 10).astype('float32')``: the array Keras 2 made, bit for bit.

Evidence: the call's function is, live, the installed Keras's ``to_categorical`` (through the
cell's imports, an earlier cell's, or the import a fix of this pass writes: ``np_utils``), its
signature has no ``dtype``, and the generated Keras 2 → 3 map lists ``dtype`` as removed from it.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import generated_keywords, signature
from kerasmagic.diagnosis.keyword_sites import from_the_dict, keyword_sites, site_change
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-to-categorical-dtype"
FUNCTION = "to_categorical"


@rule(ENTRY, when=(STATIC,), family="keyword-arguments", needs="to_categorical")
def to_categorical_dtype(ctx: CellContext) -> list[Problem]:
    """Each call of the live Keras 3 ``to_categorical`` given ``dtype=``: the keyword becomes
    ``.astype(dtype)`` on the call's result."""
    tree = ctx.cell.tree
    out: list[Problem] = []
    for call in walk(tree) if tree is not None else ():
        if not isinstance(call, ast.Call):
            continue
        callee = ctx.scope.callee(call.func) if call.keywords else None
        if callee is None or not _keras3_to_categorical(*callee):
            continue
        # in the call, or a key of a dict it unpacks (its value then a literal: read here)
        kw = next((k for k in keyword_sites(ctx, call) if k.arg == "dtype"), None)
        if kw is None or (kw.unpacked and not isinstance(kw.value, ast.Constant)):
            continue
        dtype = kw.written
        whole = node_edit(ctx.cell, call, "")
        drop = site_change(ctx, call, kw, leave_out=True)
        if dtype is None or whole is None or drop is None:
            continue
        cast = Edit(whole.end_line, whole.end_col, whole.end_line, whole.end_col, f".astype({dtype})")
        problem = from_entry(ENTRY, call.lineno, [*drop.edits, cast], ["dtype", FUNCTION], ctx.shown_versions,
                             dtype=dtype, keras=ctx.versions.get("keras", "3"))  # fmt: skip
        out.append(from_the_dict(problem, kw, drop, FUNCTION, across=[*(drop.across or []), cast]))
    return out


def _keras3_to_categorical(function: object, path: str) -> bool:
    """The installed Keras's ``to_categorical``, without ``dtype``, which the map says Keras 3
    removed."""
    if getattr(function, "__name__", None) != FUNCTION or not live.from_keras(function):
        return False
    sig = signature(function)
    facts = generated_keywords("keras.utils.to_categorical")
    removed = facts.get("kw", {}).get("dtype", "missing") is None if facts else True
    return sig is not None and "dtype" not in sig.parameters and removed
