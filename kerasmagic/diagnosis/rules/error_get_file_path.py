"""Error rule: a path given as ``get_file``'s file name, directly or through a dataset's
``load_data(path=…)``, which hands its ``path`` to ``get_file`` as the file name.

Keras 2 joined the name to the cache folder (``~/.keras/<cache_subdir>/<fname>``), so a name with
folders (``'data/mnist.npz'``, ``'./boston_housing.npz'``, an absolute path) put the file there.
Keras 3 refuses it, and its message says what it received and where the folder goes instead:
"Paths are no longer accepted as the `fname` argument. To specify the file's parent directory,
use the `cache_dir` argument. Received: fname=…".

- ``get_file(fname, …)``: the file name keeps its last part and its folders go to
  ``cache_subdir`` (joined to the one given, ``'datasets'`` by default): the same file as Keras 2
  wrote, ``os.path.join`` of a folder and an absolute path being that path;
- ``load_data(path)``: no folder can be passed, so the file keeps its name in Keras's datasets
  folder (``./x.npz`` is that file already; another folder means a second download, hashed as
  the first, which the fix says).
A call that extracts an archive (``untar=``/``extract=``) is left to the extraction rules.
"""

from __future__ import annotations

import ast
import os
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.known_values import known_value
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.member_values import MISSING
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    callee_name,
    insertion_line,
    node_edit,
    node_text,
    quoted_like,
    walk,
)
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-get-file-fname-path"
RECEIVED = re.compile(r"Paths are no longer accepted as the `fname` argument\..*Received: fname=(.+)$", re.S)  # fmt: skip


@rule(ENTRY, when=(ERROR,), family="datasets", errors=("ValueError",))
def get_file_fname_path(ctx: CellContext) -> list[Problem]:
    """The failing line's ``get_file``/``load_data`` whose file name is the path the message
    received: the name without its folders, which go to ``cache_subdir`` where Keras 3 takes them."""
    found = RECEIVED.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or tree is None:
        return []
    received = found.group(1).strip()
    for call in walk(tree):
        if not isinstance(call, ast.Call) or call.lineno not in ctx.failing_lines:
            continue
        method = callee_name(call)
        if method not in ("get_file", "load_data"):
            continue
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        name = call.args[0] if call.args else keywords.get("fname" if method == "get_file" else "path")
        if name is None or string_value(ctx, name) != received:
            continue
        if any(not _false(ctx, keywords.get(k)) for k in ("untar", "extract") if k in keywords):
            continue
        edits = _edits(ctx, call, name, keywords, received, method)
        if edits:
            problem = from_entry(ENTRY, call.lineno, edits, [method, "fname"], ctx.shown_versions,
                                 received=received, keras=ctx.versions.get("keras", "3"))  # fmt: skip
            if method == "load_data" and os.path.dirname(os.path.normpath(received)):
                problem.fix += f" `load_data` cannot take a folder: the file is kept in Keras's datasets folder as `{os.path.basename(received)}` (downloaded there once more, with the same hash check)."  # fmt: skip
            return [problem]
    return []


def _edits(ctx: CellContext, call: ast.Call, name: ast.expr, keywords: dict, received: str,
           method: str) -> list[Edit]:  # fmt: skip
    """The file name without its folders; for ``get_file``, the folders in ``cache_subdir``."""
    folder, base = os.path.split(received)
    literal = isinstance(name, ast.Constant) and isinstance(name.value, str)
    written = node_text(ctx.cell, name)
    if written is None:
        return []
    os_path = ctx.scope.expr_for("os.path")
    spelt = os_path or "os.path"
    new_name = quoted_like(written, base) if literal else f"{spelt}.basename({written})"
    given = keywords.get("cache_subdir") if method == "get_file" else None
    if method == "load_data":
        found = [node_edit(ctx.cell, name, new_name)]
    elif given is None:  # ``cache_subdir=`` added: the call written again, with the new name
        subdir = repr(os.path.join("datasets", folder)) if literal else f"{spelt}.join('datasets', {spelt}.dirname({written}))"  # fmt: skip
        found = [_whole_call(ctx, call, name, new_name, subdir)]
    else:
        old = node_text(ctx.cell, given)
        joined = isinstance(given, ast.Constant) and isinstance(given.value, str) and literal
        subdir = repr(os.path.join(given.value, folder)) if joined else f"{spelt}.join({old}, {spelt}.dirname({written}))"  # type: ignore[union-attr]  # fmt: skip
        found = [node_edit(ctx.cell, name, new_name), node_edit(ctx.cell, given, subdir)]
    edits = [e for e in found if e is not None]
    if len(edits) != len(found) or not edits:
        return []
    if not literal and os_path is None:
        line = insertion_line(ctx.cell)
        edits.append(Edit(line, 0, line, 0, "import os\n"))
    return edits


def _whole_call(ctx: CellContext, call: ast.Call, name: ast.expr, new_name: str, subdir: str) -> Edit | None:  # fmt: skip
    """The call written again with the new file name and ``cache_subdir=`` added last."""
    text = node_text(ctx.cell, call)
    written = node_text(ctx.cell, name)
    if text is None or written is None or text.count(written) != 1:
        return None
    text = text.replace(written, new_name, 1)
    return node_edit(ctx.cell, call, f"{text[:-1].rstrip()}, cache_subdir={subdir})")


def _false(ctx: CellContext, node: ast.expr | None) -> bool:
    """``extract=False``, written or held by a name whose value is known."""
    value = known_value(ctx, node)
    return value is not MISSING and not value
