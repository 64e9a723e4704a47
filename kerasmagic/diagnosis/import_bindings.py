"""How a rewritten import binds its names: the name the code uses stays bound (``from keras
import utils as np_utils``), unless only this cell reads a misspelt one; and whether the cell, or
a cell after it (``migrate`` holds them), reads or calls a name, or reads one nothing binds; an
import whose name a library moved, bound again from its new home; an import of names the cell
now defines itself (code written in), left without them."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Collection
from typing import Any

from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    node_edit,
    parse_cell,
    statement_removal,
    walk,
)


def imported_as(
    fx: Any, name: str, new_name: str, asname: str | None, rename_uses: bool = False
) -> str:
    """How an import of ``name``, found here as ``new_name``, is written: the name it bound stays
    bound (``from keras import utils as np_utils``), since later cells and branches that did not
    run use it too; only a misspelt name (``rename_uses``) is renamed in the cell's uses, when
    the cell uses it and no later cell (``migrate`` holds them) does: an import cell's binding
    is for the cells after it (``from keras.optimizers import adam``, called a cell later)."""
    if new_name == name or asname:
        return new_name + (f" as {asname}" if asname and asname != new_name else "")
    if (
        rename_uses
        and name not in fx.scope.user_bound
        and new_name not in fx.scope.bindings
        and reads(fx.cell.tree, name)
        and not any(reads(parse_cell(source).tree, name) for source in fx.ctx.later)
    ):
        fx.renamed_names[name] = new_name
        return new_name
    return f"{new_name} as {name}"


def reads(tree: ast.AST | None, name: str) -> bool:
    """Does the tree read the name (a ``Load`` of it)?"""
    return tree is not None and any(
        isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for n in walk(tree)
    )


def read(fx: Any, name: str) -> bool:
    """Does the cell, or a cell after it (``migrate`` holds them), read ``name`` anywhere (a call,
    an argument, an attribute of it)?"""
    return any(
        isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Store)
        for tree in cell_and_later(fx)
        for n in walk(tree)
    )


def called(fx: Any, name: str) -> bool:
    """Does the cell, or a cell after it (``migrate`` holds them), call ``name``
    (``merge([a, b], mode='concat')``: Keras 1's function, not the Keras 2 module of the same
    path)?"""
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
        for tree in cell_and_later(fx)
        for n in walk(tree)
    )


def unbound_reads(fx: Any) -> set[str]:
    """The names the cell and the cells after it read that nothing binds: not they, not the
    kernel's namespace, not Python's builtins; what a star import gave them."""
    trees = cell_and_later(fx)
    bound = set(dir(builtins)) | set(fx.ctx.namespace or {})
    loads = set()
    for node in (n for tree in trees for n in walk(tree)):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return loads - bound


def cell_and_later(fx: Any) -> list[ast.AST]:
    """The parsed cell and the cells after it that parse."""
    trees = [fx.cell.tree, *(parse_cell(source).tree for source in fx.ctx.later)]
    return [tree for tree in trees if tree is not None]


def moved_import(cell: ParsedCell, node: ast.ImportFrom, old: str, home: str, new: str) -> tuple[Edit | None, set[str]]:  # fmt: skip
    """``from M import …, old, …`` with ``old`` imported as ``new`` from ``home`` under the
    name the cell binds (``from sklearn.impute import SimpleImputer as Imputer``), the other
    names left where they were; and the names so bound (None, empty: ``old`` is not imported)."""
    moved = [a for a in node.names if a.name == old]
    if not moved:
        return None, set()
    bound = [a.asname or a.name for a in moved]
    lines = [f"from {home} import " + ", ".join(new if b == new else f"{new} as {b}" for b in bound)]
    kept = [a.name + (f" as {a.asname}" if a.asname else "") for a in node.names if a.name != old]
    if kept:
        lines.insert(0, f"from {node.module} import {', '.join(kept)}")
    return node_edit(cell, node, ("\n" + " " * node.col_offset).join(lines)), set(bound)


def written_in_import(cell: ParsedCell, node: ast.ImportFrom, written: Collection[str]) -> Edit | None:  # fmt: skip
    """``from M import …`` without the names ``written`` (the cell now defines them itself: code
    written in): the other names left where they were, an ``as`` name bound to its definition
    (``FeatureLayer = DenseFeatures``), one per line; the statement removed when it imported
    nothing else."""
    kept = [a.name + (f" as {a.asname}" if a.asname else "") for a in node.names if a.name not in written]  # fmt: skip
    lines = [f"from {node.module} import {', '.join(kept)}"] if kept else []
    lines += [f"{a.asname} = {a.name}" for a in node.names if a.name in written and a.asname not in (None, a.name)]  # fmt: skip
    if lines:
        return node_edit(cell, node, ("\n" + " " * node.col_offset).join(lines))
    assert cell.tree is not None
    return statement_removal(cell, node, cell.tree)
