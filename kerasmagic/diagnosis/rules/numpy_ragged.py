"""Error rule: ``np.array(rows)`` of rows of different lengths (NumPy 1.24 made it an error).

Keras-era code collected ragged data in lists and called ``np.array`` on them: token sequences
of different lengths before ``pad_sequences``, a history of per-layer weight rows. NumPy before
1.24 made an array of ``dtype=object`` (with a VisibleDeprecationWarning since 1.20); 1.24 raises
"setting an array element with a sequence. The requested array has an inhomogeneous shape after N
dimensions". ``dtype=object`` asks for what the old NumPy made. Evidence: the message, and a call
of the live NumPy's ``array``/``asarray`` on the failing line given no ``dtype``.

A library that converts its input itself says it its own way: Matplotlib's "Input could not be
cast to an at-least-1D NumPy array", after NumPy's error (``plt.plot(predicted)`` of a
list of ``None`` and one-element arrays, which the old NumPy made an object array of and
Matplotlib drew, each gap a NaN and each one-value array its number). Each argument of the
failing line's call that is a name or attribute chain holding such a list (elements of different
shapes, read from the live value) is given as the numbers the old conversion made, where every
element is ``None`` or holds one value (``np.array([np.nan if _v is None else
np.asarray(_v).item() for _v in predicted])``: NumPy 2.4 no longer turns a one-value array into
a number, even from an object array), else as the object array, ``np.array(…, dtype=object)``.
"""

from __future__ import annotations

import ast
import sys

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.member_values import reads_only
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, closing_insert_edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "numpy-ragged-array"
MESSAGE = "The requested array has an inhomogeneous shape"
MAKERS = ("array", "asarray")
LIBRARY_MESSAGE = "could not be cast to an at-least-1D NumPy array"  # Matplotlib's cbook


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("ValueError",))
def ragged_arrays(ctx: CellContext) -> list[Problem]:
    """``np.array(x)`` on a failing line, without ``dtype``: ``np.array(x, dtype=object)``."""
    numpy = sys.modules.get("numpy")
    tree = ctx.cell.tree
    if MESSAGE not in ctx.message or numpy is None or tree is None:
        return _converted_by_a_library(ctx, numpy)
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


def _converted_by_a_library(ctx: CellContext, numpy) -> list[Problem]:  # noqa: ANN001
    """The ragged arguments of the failing line's call, when a library's conversion raised from
    NumPy's error: each as ``np.array(…, dtype=object)``."""
    chained = getattr(ctx.exc, "__cause__", None) or getattr(ctx.exc, "__context__", None)
    tree, names = ctx.cell.tree, ctx.live_names or {}
    said = MESSAGE in str(chained) or LIBRARY_MESSAGE in ctx.message  # Matplotlib drops the chain
    if numpy is None or tree is None or not said:
        return []
    alias = next((n for n, v in names.items() if v is numpy), None)
    if alias is None or not any(_in_a_library(f) for f in traceback_frames(ctx.exc)):
        return []
    edits: list[Edit] = []
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and call.lineno in ctx.failing_lines):
            continue
        for arg in call.args:
            value = live_value(arg, names)
            text = node_text(ctx.cell, arg) if reads_only(arg) and _ragged(value, numpy) else None
            if text is None:
                continue
            if all(v is None or numpy.size(v) == 1 for v in value):  # gaps and one-value arrays
                made = f"{alias}.array([{alias}.nan if _v is None else {alias}.asarray(_v).item() for _v in {text}])"  # fmt: skip
            else:
                made = f"{alias}.array({text}, dtype=object)"
            edit = node_edit(ctx.cell, arg, made)
            edits += [edit] if edit is not None else []
    if not edits:
        return []
    problem = from_entry(ENTRY, edits[0].line, edits, [alias, "array"], ctx.shown_versions,
                         call=f"{alias}.array", numpy=getattr(numpy, "__version__", "2"))  # fmt: skip
    problem.certain = True
    return [problem]


def _ragged(value, numpy) -> bool:  # noqa: ANN001
    """A list or tuple whose elements have different shapes (``None`` and numbers have none)."""
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        return False
    shapes = set()
    for element in value:
        try:
            shapes.add(numpy.shape(element) if element is not None else ())
        except ValueError:
            return True  # an element itself ragged
    return len(shapes) > 1


def _in_a_library(frame) -> bool:  # noqa: ANN001
    """The frame runs an imported module's code (not the cell's, not ``__main__``'s)."""
    name = frame.f_globals.get("__name__", "__main__")
    module = sys.modules.get(name) if name != "__main__" else None
    return module is not None and getattr(module, "__file__", None) == frame.f_code.co_filename
