"""Error rule: Colab's browser download (``from google.colab import files``,
``files.download('model.h5')``) run outside Colab.

Colab notebooks end by handing the trained model to the browser. ``google.colab`` exists only in
Colab, so any other kernel stops at the import ("No module named 'google.colab'"). The download
is output only: the file is on disk already, where the notebook wrote it. The import is tried
(``files = None`` where it fails) and each download runs only when ``files`` is there, so in
Colab the notebook does what it did and elsewhere it keeps the file where it is.

Evidence: the module the error names is ``google`` or ``google.colab``; the failing cell imports
``files`` from it, and every use of that name in the cell is a statement ``files.download(…)``
(an upload, a Drive mount or any other use is input, and is left with the explanation).
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.indentation import indent_of, nested
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "colab-download-elsewhere"


@rule(ENTRY, when=(ERROR,), family="environment", errors=("ModuleNotFoundError", "ImportError"), needs="google")  # fmt: skip
def colab_download_elsewhere(ctx: CellContext) -> list[Problem]:
    """The cell's ``from google.colab import files`` and its ``files.download(…)`` statements,
    run only in Colab."""
    tree = ctx.cell.tree
    if getattr(ctx.exc, "name", None) not in ("google", "google.colab") or tree is None:
        return []
    imports = [
        n for n in walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "google.colab"
    ]
    if len(imports) != 1 or [a.name for a in imports[0].names] != ["files"]:
        return []
    bound = imports[0].names[0].asname or "files"
    uses = [n for n in walk(tree) if isinstance(n, ast.Name) and n.id == bound]
    downloads = [
        s
        for s in walk(tree)
        if isinstance(s, ast.Expr)
        and isinstance(s.value, ast.Call)
        and isinstance(s.value.func, ast.Attribute)
        and s.value.func.attr == "download"
        and isinstance(s.value.func.value, ast.Name)
        and s.value.func.value.id == bound
    ]
    if not downloads or len(uses) != len(downloads):
        return []  # files used otherwise (an upload): input, not output
    edits: list[Edit] = []
    statement = imports[0]
    indent = indent_of(ctx.cell, statement)
    guarded = f"try:  # google.colab exists only in Colab\n{indent}    {node_text(ctx.cell, statement)}\n{indent}except ImportError:\n{indent}    {bound} = None"  # fmt: skip
    for made, node in [(guarded, statement), *((_when_there(ctx, s, bound), s) for s in downloads)]:
        edit = node_edit(ctx.cell, node, made) if made else None
        if edit is None:
            return []
        edits.append(edit)
    problem = from_entry(ENTRY, imports[0].lineno, edits, ["google.colab", "files"], ctx.shown_versions)  # fmt: skip
    problem.certain = True
    return [problem]


def _when_there(ctx: CellContext, statement: ast.stmt, bound: str) -> str | None:
    """``if files is not None:`` around the download statement (its lines indented once more)."""
    text = node_text(ctx.cell, statement)
    if text is None:
        return None
    indent = indent_of(ctx.cell, statement)
    first, *rest = text.splitlines()  # the first line starts at the statement; the rest as written
    inner = "\n".join([f"{indent}    {first}", *(nested(indent, line) for line in rest)])
    return f"if {bound} is not None:\n{inner}"
