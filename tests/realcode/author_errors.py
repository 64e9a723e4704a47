"""Failures of the author's own code in every version: a name read where nothing binds it.

A published file can hide such a failure behind a Keras one: the notebook reads ``nb_classes``
that an earlier notebook of the course defined, the repository's ``loss_plot.py`` uses ``plt``
without importing it. The control in Keras 2 stops at the Keras error first, so the file is
admitted; once migrate fixes the Keras error, the file stops on the author's name, as it would
in any Keras version. The report counts such files apart (**author**), decided mechanically for
every file, tuning or sealed, from the published sources alone:

the failure after migrate is ``NameError: name 'X' is not defined`` and one of the published
sources (the file, or a Python module of its repository laid out beside it) reads ``X`` while
binding it nowhere, with no ``*`` import, ``%pylab``/``%run`` or ``exec``/``globals()`` that
could bind it unseen. Keras never binds a user's names, so no Keras version could have run it.

In a notebook, the same holds for a name its code cells bind only after the cell that reads it
(cells published out of order): run from the top, as migrate and every user runs it, the read
comes first in any version.

Likewise a ``SyntaxError`` in a notebook's code cell that is not Python at all (prose typed into
a code cell, with IPython's ``%``/``!`` lines left out), published so: no version parses it.
"""

from __future__ import annotations

import ast
import builtins
import json
import re

NAME_ERROR = re.compile(r"name '([A-Za-z_]\w*)' is not defined")
MAGIC = re.compile(r"^\s*[%!]")
UNSEEN_BINDERS = re.compile(
    r"^\s*%(pylab|run|load|store)\b|\bexec\(|\bglobals\(\)|\bvars\(\)", re.M
)


def unbound_name(failure: dict | None, sources: list[str]) -> str | None:
    """The name of a ``NameError`` failure that some source reads but binds nowhere, else
    None. ``sources``: Python texts (a notebook's code cells joined, magics kept)."""
    if not failure or failure.get("type") != "NameError":
        return None
    found = NAME_ERROR.search(failure.get("message") or "")
    if found is None or hasattr(builtins, found.group(1)):
        return None
    name = found.group(1)
    for source in sources:
        tree = _tree(source)
        if tree is None or UNSEEN_BINDERS.search(source) or _star_import(tree):
            continue
        if name in _read(tree) and name not in _bound(tree):
            return name
    return None


def unparsable_cell(failure: dict | None, notebook_text: str) -> str | None:
    """The first line of the published notebook's code cell that a ``SyntaxError`` failure
    stopped on, when that cell is no Python in any version, else None."""
    if not failure or failure.get("type") != "SyntaxError":
        return None
    code = (failure.get("code") or "").strip()
    cells = json.loads(notebook_text).get("cells", [])
    for cell in cells:
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") != "code" or not code or code not in source:
            continue
        if _tree(source) is None:
            return source.strip().splitlines()[0]
    return None


def bound_only_later(failure: dict | None, notebook_text: str) -> str | None:
    """The name of a ``NameError`` failure in a notebook's code cell that no cell up to that
    one binds, and a later code cell does (nothing could bind it unseen before), else None."""
    if not failure or failure.get("type") != "NameError":
        return None
    found = NAME_ERROR.search(failure.get("message") or "")
    code = (failure.get("code") or "").strip()
    if found is None or not code or hasattr(builtins, found.group(1)):
        return None
    name = found.group(1)
    cells = [
        "".join(c.get("source", ""))
        for c in json.loads(notebook_text).get("cells", [])
        if c.get("cell_type") == "code"
    ]
    failing = next((i for i, source in enumerate(cells) if code in source), None)
    if failing is None:
        return None
    before, after = cells[: failing + 1], cells[failing + 1 :]
    trees = [_tree(source) for source in before]
    if any(t is None or _star_import(t) for t in trees) or UNSEEN_BINDERS.search("\n".join(before)):
        return None
    if name in _read(trees[-1]) and not any(name in _bound(t) for t in trees):  # type: ignore[arg-type]
        later = (_tree(source) for source in after)
        if any(t is not None and name in _bound(t) for t in later):
            return name
    return None


def notebook_source(text: str) -> str:
    """A notebook's code cells, one after the other."""
    cells = json.loads(text).get("cells", [])
    code = ("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    return "\n".join(code)


def _tree(source: str) -> ast.Module | None:
    text = "\n".join("" if MAGIC.match(line) else line for line in source.splitlines())
    try:
        return ast.parse(text)
    except SyntaxError:
        return None


def _star_import(tree: ast.AST) -> bool:
    return any(
        isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)
        for n in ast.walk(tree)
    )


def _read(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _bound(tree: ast.AST) -> set[str]:
    """Every name the code binds anywhere (assignments, definitions, parameters, imports, loop,
    ``with``, ``except`` and comprehension targets, ``global``)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            out.update(node.names)
        elif isinstance(node, ast.MatchAs) and node.name:
            out.add(node.name)
    return out
