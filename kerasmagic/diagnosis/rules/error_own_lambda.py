"""Error rule: Keras 3 refuses to load a ``Lambda`` layer's Python code unless told the file is
trusted (``safe_mode=True`` by default); Keras 2 loaded it without asking. When the file the load
reads is one this notebook wrote itself (a ``save``/``save_model``/``ModelCheckpoint`` of the same
path in this cell or an earlier one), its lambda is the notebook's own code: the load passes
``safe_mode=False``, which the live loader's signature must accept. A file from elsewhere is left
to its user: Keras's message already says how to trust it.
"""

from __future__ import annotations

import ast
import inspect
import re

from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, callee_name, node_edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_saving import path_argument  # one reading of a path

REFUSED = re.compile(r"Requested the deserialization of .*\bsafe_mode=False\b", re.S)
SAVERS = ("save", "save_model", "ModelCheckpoint")


@rule("own-lambda-safe-mode", when=(ERROR,), family="saving", errors=("ValueError",), needs="load")
def own_lambda_safe_mode(ctx: CellContext) -> list[Problem]:
    """The failing load of a file this notebook saved: ``safe_mode=False`` added to it."""
    if REFUSED.search(ctx.message) is None or ctx.cell.tree is None or ctx.line is None:
        return []
    for call in walk(ctx.cell.tree):
        if not (isinstance(call, ast.Call) and call.lineno <= ctx.line <= (call.end_lineno or 0)):
            continue
        if any(k.arg == "safe_mode" for k in call.keywords) or not _takes_safe_mode(ctx, call):
            continue
        arg = path_argument(call)
        path = string_value(ctx, arg) if arg is not None else None
        saver = _saved_here(ctx, path) if path else None
        edit = _keyword_edit(ctx.cell, call) if saver else None
        if edit is None:
            continue
        problem = from_entry(
            "own-lambda-safe-mode",
            ctx.line,
            [edit],
            ["safe_mode"],
            ctx.shown_versions,
            path=path,
            saver=saver,
        )
        return [problem]
    return []


def _takes_safe_mode(ctx: CellContext, call: ast.Call) -> bool:
    """The live callable the call names (a plain attribute path of the namespace) takes
    ``safe_mode``; read from its signature, nothing is called."""
    name = dotted(call.func)
    if not name:
        return False
    head, *rest = name.split(".")
    target = ctx.live_names.get(head)
    for part in rest:
        try:
            target = getattr(target, part, None)
        except Exception:
            return False
    try:
        return callable(target) and "safe_mode" in inspect.signature(target).parameters
    except (TypeError, ValueError):
        return False


def _saved_here(ctx: CellContext, path: str) -> str | None:
    """The save of ``path`` this cell or an earlier one makes (``model.save``, ``save_model``,
    ``ModelCheckpoint``), by the text of the call that saves it; None when none does."""
    for _index, parsed in cells(ctx):
        if parsed.tree is None:
            continue
        for call in walk(parsed.tree):
            if not isinstance(call, ast.Call):
                continue
            name = callee_name(call)
            arg = path_argument(call) if name in SAVERS else None
            if arg is not None and string_value(ctx, arg) == path:
                return name
    return None


def _keyword_edit(cell: ParsedCell, call: ast.Call) -> Edit | None:
    """``, safe_mode=False`` after the call's last argument."""
    last = max([*call.args, *call.keywords], key=lambda n: (n.end_lineno, n.end_col_offset), default=None)  # fmt: skip
    end = node_edit(cell, last, "") if last is not None else None
    if end is None:
        return None
    return Edit(end.end_line, end.end_col, end.end_line, end.end_col, ", safe_mode=False")
