"""Error rule: a subplot grid given a float count (``plt.subplot(5, n / 5 + 1, i)``).

Matplotlib 2 converted the grid's rows, columns and index with ``int()`` (``rows = int(rows)``,
``GridSpec(rows, cols)[int(num) - 1]``), so Keras-2-era notebooks laid out their grids of digits
with ``/``; Matplotlib 3.3 deprecated non-integers and later releases refuse them ("Number of
columns must be a positive integer, not 6.8", "num must be an integer with 1 <= num <= 30, not
2.0"). ``int(…)`` around the value is the conversion Matplotlib 2 made, so the grid is the same.

Evidence: the message names the slot and the value; the traceback passes through Matplotlib's
grid code; a call of ``subplot``/``add_subplot``/``subplots``/``GridSpec`` on the failing line
gives that slot an expression that is not an integer literal. The slot the message names gets
``int(…)``, and so does every other slot of those calls holding a true division (``/``, a float
in Python 3 whatever its operands), which would fail next.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "matplotlib-grid-float"
MESSAGE = re.compile(
    r"Number of (?P<slot>rows|columns) must be a positive integer, not (?P<value>\S+)"
    r"|(?P<num>num) must be an integer with 1 <= num <= \d+, not (?P<index>\S+)"
)
CALLEES = ("subplot", "add_subplot", "subplots", "GridSpec")
SLOTS = {"rows": (0, "nrows"), "columns": (1, "ncols"), "num": (2, None)}


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("ValueError",), needs="subplot|GridSpec")
def grid_float(ctx: CellContext) -> list[Problem]:
    """The failing line's grid calls, their float slots in ``int(…)``."""
    found = MESSAGE.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or tree is None or not _through_matplotlib(ctx):
        return []
    slot = found["slot"] or found["num"]
    value = found["value"] or found["index"]
    edits: list[Edit] = []
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and call.lineno in ctx.failing_lines):
            continue
        name = (
            call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
        )
        if name not in CALLEES:
            continue
        for which, node in _slots(call):
            if _is_int(node) or _converted(node):
                continue
            if which == slot or _divides(node):
                text = node_text(ctx.cell, node)
                edit = node_edit(ctx.cell, node, f"int({text})") if text else None
                edits += [edit] if edit is not None else []
    if not edits:
        return []
    return [
        from_entry(ENTRY, edits[0].line, edits, ["int"], ctx.shown_versions, slot=slot, value=value)
    ]


def _through_matplotlib(ctx: CellContext) -> bool:
    frames = traceback_frames(ctx.exc)
    return any("matplotlib" in frame.f_code.co_filename for frame in frames)


def _slots(call: ast.Call) -> list[tuple[str, ast.expr]]:
    """``(slot, expression)`` of the grid's rows, columns and index, by position or keyword."""
    out = []
    for slot, (index, keyword) in SLOTS.items():
        if index < len(call.args) and not any(
            isinstance(a, ast.Starred) for a in call.args[: index + 1]
        ):
            out.append((slot, call.args[index]))
        given = next((k.value for k in call.keywords if keyword and k.arg == keyword), None)
        if given is not None:
            out.append((slot, given))
    return out


def _is_int(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def _converted(node: ast.expr) -> bool:
    """Already ``int(…)``/``round(…)``/``len(…)`` (an integer whatever its argument)."""
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("int", "round", "len")


def _divides(node: ast.expr) -> bool:
    """A true division outside any call: a float in Python 3."""
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, ast.Div) or _divides(node.left) or _divides(node.right)
    if isinstance(node, ast.UnaryOp):
        return _divides(node.operand)
    return False
