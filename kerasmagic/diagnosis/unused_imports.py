"""An import of names the installed Keras no longer has anywhere, that nothing reads: Keras 1's
``Merge`` imported beside the names the code uses (``from keras.layers import Lambda, Merge``),
a removed helper imported out of habit. The import fails for a name nothing needs; left out, the
rest imports and nothing the code computes changes. ``import_rewrites`` decides (the name has no
public home here, ``import_bindings.read`` finds no read of it in the cell or the cells after it);
this module words the finding and makes the edit.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import node_edit, statement_removal


def unused_gone(fx: Any, node: ast.ImportFrom, module: str, dropped: list[str], keep: list[str], moved: dict[str, list[str]]) -> Problem:  # fmt: skip
    """The names of ``node`` that no public module of the installed Keras has and nothing in the
    cell or after it reads (Keras 1's ``Merge`` imported beside what the code uses): left out of
    the import. With names moved elsewhere, the moved-names rewrite (which leaves them out too)
    carries the edit; otherwise the import keeps the rest (``keep``), or goes."""
    edits = []
    if not moved:
        rest = f"from {module} import {', '.join(keep)}" if keep else None
        edit = (
            node_edit(fx.cell, node, rest)
            if rest
            else statement_removal(fx.cell, node, fx.cell.tree)
        )
        edits = [edit] if edit is not None else []
    names = ", ".join(f"`{n}`" for n in dropped)
    return Problem(
        id="unused-import-gone",
        line=node.lineno,
        title=f"{names} no longer exist{'s' if len(dropped) == 1 else ''} in this Keras, and nothing uses "
        + ("it" if len(dropped) == 1 else "them"),
        cause=f"No public module of the installed Keras has {names} under that name (like Keras 1's "
        f"`Merge`, which Keras 2.0 removed); the code imports it from `{module}` without "
        "ever reading it, so the import fails for a name nothing needs.",
        fix=f"Leave {names} out of the import; nothing the code computes changes.",
        edits=edits,
        names=[module, *dropped],
        certain=bool(edits) or bool(moved),
    )
