"""Error rule: the file a model drawing should have written is missing, because pydot is.

``plot_model(model, to_file='model.png')`` then ``plt.imread('model.png')`` (or
``Image('model.png')``): in a notebook, Keras's ``plot_model`` without pydot prints its advice and
returns, so the error comes later, from the line that reads the picture: "No such file or
directory: 'model.png'". The cause is the missing package, not the path. Facts: the exception's
file name, a ``plot_model``/``model_to_dot`` call in this cell or an earlier one whose ``to_file``
is that path (its live value), and pydot absent from this interpreter. The finding advises the
install (kerasmagic never installs) and rewrites nothing: the picture exists only once pydot does.
"""

from __future__ import annotations

import ast
import os

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.rewrite import walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "drawing-file-without-package"


@rule(ENTRY, when=(ERROR,), family="packages", errors=("FileNotFoundError",))
def drawing_file(ctx: CellContext) -> list[Problem]:
    """The missing file is the ``to_file`` of a drawing call, and its package is missing."""
    missing = getattr(ctx.exc, "filename", None)
    entry = find_entry(ENTRY)
    if not isinstance(missing, str) or entry is None:
        return []
    package = entry.data.get("package", "pydot")
    functions = set(entry.data.get("functions", ()))
    if live.top_exists(package):
        return []
    for index, parsed in cells(ctx):
        for call in walk(parsed.tree) if parsed.tree is not None else ():
            if not isinstance(call, ast.Call):
                continue
            name = getattr(call.func, "attr", getattr(call.func, "id", None))
            target = next((k.value for k in call.keywords if k.arg == "to_file"), None)
            if name not in functions or target is None:
                continue
            written = string_value(ctx, target) if index is None else _literal(target)
            if written is not None and _same_file(written, missing):
                return [from_entry(ENTRY, ctx.line or 1, [], [name, missing], ctx.shown_versions,
                                   name=name, path=missing, package=package)]  # fmt: skip
    return []


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _same_file(written: str, missing: str) -> bool:
    return os.path.normpath(os.path.abspath(written)) == os.path.normpath(os.path.abspath(missing))
