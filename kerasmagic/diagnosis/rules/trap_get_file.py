"""Trap rule: ``get_file(fname, origin, untar=True)`` / ``extract=True``.

Keras 2 extracted an archive into the cache folder itself and returned ``cache/fname``: the
archive's own folder when it bore that name (``flower_photos``), else a path whose folder held the
extracted files (``os.path.dirname(path)``). Keras 3 extracts into a folder of its own and returns
that folder, so the same code finds nothing (no images, an empty dataset, an ``IndexError`` cells
later). The value Keras 2 returned is ``os.path.join(<that folder>, fname)``: its own path when
the archive's folder bears the name, a path in the folder that holds the extracted files else."""

from __future__ import annotations

import ast
import inspect

from kerasmagic.diagnosis.context import AFTER_RUN, STATIC, CellContext
from kerasmagic.diagnosis.known_values import known_value
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    callee_name,
    insertion_line,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-get-file-extract-folder"


@rule(ENTRY, when=(STATIC, AFTER_RUN), family="datasets", needs=r"get_file", kind="trap")
def get_file_extract_folder(ctx: CellContext) -> list[Problem]:
    """Each ``get_file`` call of the live Keras whose function extracts into a folder of its own
    (its code names the ``_extracted`` folder), with ``untar=True`` or ``extract=True`` and a
    literal ``fname``: wrapped in ``os.path.join(…, fname)``."""
    problem = wrapped_get_file_calls(ctx, ENTRY)
    if problem is None:
        return []
    problem.kind = "trap"
    return [problem]


def wrapped_get_file_calls(ctx: CellContext, entry: str) -> Problem | None:
    """The problem ``entry`` whose edits wrap each such call of the cell, or None."""
    tree = ctx.cell.tree
    if tree is None:
        return None
    wrapped = {id(n.args[0]) for n in walk(tree) if _is_join(n) and n.args}
    join = ctx.scope.expr_for("os.path.join")  # None: `import os` is added
    edits: list[Edit] = []
    first = None
    for call in walk(tree):
        if not isinstance(call, ast.Call) or id(call) in wrapped:
            continue
        if callee_name(call) != "get_file":
            continue
        callee = ctx.scope.callee(call.func)
        if callee is None or not _extracts_apart(callee[0]):
            continue
        given = {k.arg: k.value for k in call.keywords if k.arg}
        if not any(known_value(ctx, given.get(k)) is True for k in ("untar", "extract")):
            continue  # written, or held by a name whose value is known (a setting cells earlier)
        fname = call.args[0] if call.args else given.get("fname")
        text = node_text(ctx.cell, call)
        if fname is None or not text or not (isinstance(known_value(ctx, fname), str) or string_value(ctx, fname)):  # fmt: skip
            continue
        edit = node_edit(ctx.cell, call, f"{join or 'os.path.join'}({text}, {node_text(ctx.cell, fname)})")  # fmt: skip
        if edit is not None:
            edits.append(edit)
            first = first or call.lineno
    if not edits:
        return None
    if join is None:
        line = insertion_line(ctx.cell)
        edits.append(Edit(line, 0, line, 0, "import os\n"))
    return from_entry(entry, first or 1, edits, ["get_file"], ctx.shown_versions,
                      keras=ctx.versions.get("keras", "3"))  # fmt: skip


def _extracts_apart(func: object) -> bool:
    """The live ``get_file`` extracts into a folder of its own (Keras 3: ``f"{fname}_extracted"``),
    read from its code's constants (through any ``functools.wraps`` wrapper around it); Keras 2's
    extracted into the cache folder."""
    func = inspect.unwrap(func) if callable(func) else func  # a wrapper made by functools.wraps
    code = getattr(func, "__code__", None)
    module = str(getattr(func, "__module__", ""))
    return module.startswith("keras") and code is not None and "_extracted" in code.co_consts


def _is_join(node: ast.AST) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    return isinstance(func, ast.Attribute) and func.attr == "join" and "path" in ast.unparse(func.value)
