"""Error rule: a package a library used to vendor, imported through it
(``from sklearn.externals import joblib``): scikit-learn 0.23 removed its copy of joblib, which
Keras-2-era notebooks used to save their scalers and encoders beside the model. The package
itself is what the copy was (joblib is a dependency of scikit-learn, so it is installed wherever
scikit-learn is: read live). The imports become imports of the package, under the names they
bound, so every later ``joblib.dump``/``joblib.load`` works as written."""

from __future__ import annotations

import ast
import importlib.util
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "vendored-package-removed"
MISSING = re.compile(r"(?:No module named '(?P<module>[\w.]+)'|cannot import name '(?P<name>\w+)' from '(?P<parent>[\w.]+)')")  # fmt: skip


@rule(ENTRY, when=(ERROR,), family="moved-modules", errors=("ImportError", "ModuleNotFoundError"), needs=r"externals")  # fmt: skip
def vendored_package(ctx: CellContext) -> list[Problem]:
    """The cell's imports of a vendored copy the library removed, as imports of the package."""
    found = MISSING.search(ctx.message or "")
    tree = ctx.cell.tree
    if found is None or tree is None:
        return []
    missing = found.group("module") or f"{found.group('parent')}.{found.group('name')}"
    copies = _copies()
    copy = next((c for c in copies if missing == c or missing.startswith(c + ".")), None)
    if copy is None or importlib.util.find_spec(copies[copy]) is None:
        return []
    edits = [e for node in ast.walk(tree) for e in _import_edits(ctx, node, copy, copies[copy])]
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [copy], ctx.shown_versions,
                         copy=copy, package=copies[copy])  # fmt: skip
    problem.certain = True
    return [problem]


def _copies() -> dict[str, str]:
    """The catalogue's vendored copies: the module path of the copy → the package it copied."""
    entry = find_entry(ENTRY)
    return dict(entry.data.get("copies", {})) if entry is not None else {}


def _import_edits(ctx: CellContext, node: ast.AST, copy: str, package: str) -> list[Edit]:
    """The edit that imports ``package`` where ``node`` imported its copy ``copy``."""
    parent, _, last = copy.rpartition(".")
    text: str | None = None
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        if node.module == copy or node.module.startswith(copy + "."):  # from copy(.sub) import x
            names = ", ".join(_alias(a) for a in node.names)
            text = f"from {package}{node.module[len(copy) :]} import {names}"
        elif node.module == parent and any(a.name == last for a in node.names):
            kept = [a for a in node.names if a.name != last]
            moved = [a for a in node.names if a.name == last]
            lines = [f"from {parent} import {', '.join(_alias(a) for a in kept)}"] if kept else []
            lines += [f"import {package}" + (f" as {a.asname}" if a.asname and a.asname != package else "") for a in moved]  # fmt: skip
            text = "; ".join(lines)
    elif isinstance(node, ast.Import) and any(a.name == copy or a.name.startswith(copy + ".") for a in node.names):  # fmt: skip
        if all(a.asname for a in node.names if a.name.startswith(copy)):
            text = "import " + ", ".join(
                _alias(ast.alias(package + a.name[len(copy) :], a.asname))
                if a.name.startswith(copy)
                else _alias(a)  # fmt: skip
                for a in node.names
            )
    edit = node_edit(ctx.cell, node, text) if text else None
    return [edit] if edit is not None else []


def _alias(alias: ast.alias) -> str:
    return alias.name + (f" as {alias.asname}" if alias.asname else "")
