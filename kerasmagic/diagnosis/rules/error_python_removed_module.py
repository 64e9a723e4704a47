"""Error rule: a standard-library module that Python removed, imported by a Keras-era notebook
(``import imp`` to ``imp.reload`` a helper module: removed in Python 3.12; ``imghdr`` to check
image files: 3.13, PEP 594). Colab runs Python 3.13, so these notebooks stop on the import, and
"not installed" would be the wrong explanation: no distribution brings the module back.

The catalogue entry ``python-removed-module`` lists each module, the Python that removed it and,
where the standard library kept the same functions elsewhere, that module and the functions
(``imp.reload`` is ``importlib.reload``). When every use of the module in the cell is one of
those functions, the import binds the kept module under the old name (``import importlib as
imp``, ``from importlib import reload``); otherwise the finding says what replaced it.
"""

from __future__ import annotations

import ast
import sys
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "python-removed-module"


@rule(ENTRY, when=(ERROR,), family="imports", errors=("ModuleNotFoundError",))
def python_removed_module(ctx: CellContext) -> list[Problem]:
    """The import of a module this Python removed, as the module that kept its functions."""
    name = getattr(ctx.exc, "name", None) or ""
    entry = find_entry(ENTRY)
    table: dict[str, Any] = entry.data.get("removed", {}) if entry is not None else {}
    spec = table.get(name.split(".")[0])
    if not isinstance(spec, dict) or ctx.cell.tree is None or not _removed_here(spec.get("in", "")):  # fmt: skip
        return []
    module = name.split(".")[0]
    kept: str = spec.get("kept", "")
    functions: list[str] = spec.get("functions", [])
    edits = _edits(ctx, module, kept, functions) if kept else []
    problem = from_entry(ENTRY, ctx.line or 1, edits, [module], ctx.shown_versions,
                         module=module, removed=spec.get("in", "?"), instead=spec.get("instead", ""),
                         python=".".join(map(str, sys.version_info[:2])))  # fmt: skip
    problem.certain = bool(edits)
    return [problem]


def _removed_here(version: str) -> bool:
    try:
        wanted = tuple(int(p) for p in version.split("."))
    except ValueError:
        return False
    return sys.version_info[: len(wanted)] >= wanted


def _edits(ctx: CellContext, module: str, kept: str, functions: list[str]) -> list[Edit]:
    """The cell's imports of ``module`` binding ``kept`` instead, when the cell uses only the
    functions ``kept`` has of it; [] otherwise."""
    tree = ctx.cell.tree
    edits: list[Edit] = []
    aliases: set[str] = set()
    for node in walk(tree):
        if isinstance(node, ast.Import):
            if any(a.name == module for a in node.names):
                if len(node.names) != 1:
                    return []
                alias = node.names[0].asname or module
                aliases.add(alias)
                edit = node_edit(ctx.cell, node, f"import {kept} as {alias}")
                edits += [edit] if edit is not None else []
        elif isinstance(node, ast.ImportFrom) and node.module == module and node.level == 0:
            if any(a.name not in functions for a in node.names):
                return []
            names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in node.names)
            edit = node_edit(ctx.cell, node, f"from {kept} import {names}")
            edits += [edit] if edit is not None else []
    used = {n.attr for n in walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in aliases}  # fmt: skip
    bases = {id(n.value) for n in walk(tree) if isinstance(n, ast.Attribute)}
    whole = any(isinstance(n, ast.Name) and n.id in aliases and isinstance(n.ctx, ast.Load) and id(n) not in bases for n in walk(tree))  # fmt: skip
    if used - set(functions) or whole:
        return []  # another function of the module, or the module itself handed on
    return edits
