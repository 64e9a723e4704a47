"""Error rule: a name a library removed from a module for another name of the same thing, which
Keras-era notebooks still use: Pillow 10's resampling filters (``Image.ANTIALIAS`` was
``Image.LANCZOS``), pandas 1.0's ``pd.scatter_matrix`` (``pd.plotting.scatter_matrix``),
seaborn's ``factorplot`` (``catplot`` with the old default ``kind='point'``), Python's own
(``collections.Iterable`` is ``collections.abc.Iterable``, ``time.clock`` ``time.perf_counter``).

The catalogue entry ``library-name-renamed`` holds each removed name (its module's dotted
path), the name that replaces it in the same module (a dotted path below it), the release that
removed it and, for a function whose default changed on the way, the keyword that keeps the old
one. The evidence is the module the error names: an ``AttributeError`` raised on the live module
(``module 'PIL.Image' has no attribute 'ANTIALIAS'``), or an ``ImportError`` of ``from PIL.Image
import ANTIALIAS``. Each ``X.ANTIALIAS`` of the cell whose ``X`` is that module (in the kernel, or
by the cell's imports) becomes ``X.LANCZOS``; the import takes the new name under the old one.
"""

from __future__ import annotations

import ast
from types import ModuleType
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.import_bindings import moved_import
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.python_messages import cannot_import
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, parent_map, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "library-name-renamed"
SAME = "the same object under the name the library kept."  # an entry's ``same`` says otherwise


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("AttributeError", "ImportError"))
def library_name_renamed(ctx: CellContext) -> list[Problem]:
    """The removed name the error names, in every place of the cell it is read from its module."""
    tree = ctx.cell.tree
    found = _removed(ctx)
    if tree is None or found is None:
        return []
    module, old, spec = found
    new: str = spec.get("new", "")
    keep: dict[str, str] = spec.get("keep", {})
    edits: list[Edit] = []
    parents = parent_map(tree)
    home, _, leaf = f"{module}.{new}".rpartition(".")  # plotting.scatter_matrix: pandas.plotting
    for node in walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == module and node.level == 0:
            edit = moved_import(ctx.cell, node, old, home, leaf)[0]
        elif isinstance(node, ast.Attribute) and node.attr == old and _is_module(ctx, node.value, module):  # fmt: skip
            edit = _attribute_edit(ctx, node, new, keep, parents.get(id(node)))
        else:
            continue
        if edit is not None:
            edits.append(edit)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [old], ctx.shown_versions,
                         old=f"{module}.{old}", new=f"{module}.{new}", release=spec.get("in", "?"),
                         kept=_kept_words(keep), same=spec.get("same", SAME))  # fmt: skip
    problem.certain = True
    return [problem]


def _removed(ctx: CellContext) -> tuple[str, str, dict] | None:
    """``(module, name, spec)`` of the catalogue's removed name the error names, else None."""
    entry = find_entry(ENTRY)
    table: dict[str, Any] = entry.data.get("renamed", {}) if entry is not None else {}
    if ctx.error_type == "AttributeError" or isinstance(ctx.exc, AttributeError):
        obj, name = getattr(ctx.exc, "obj", None), getattr(ctx.exc, "name", None)
        if not isinstance(obj, ModuleType) or not isinstance(name, str):
            return None
        module = obj.__name__
    else:
        quoted = cannot_import(ctx.message)
        if quoted is None:
            return None
        module, name = quoted
    spec = table.get(f"{module}.{name}")
    return (module, name, spec) if isinstance(spec, dict) and spec.get("new") else None


def _is_module(ctx: CellContext, node: ast.expr, module: str) -> bool:
    """Is ``node`` the module ``module``: the kernel's object, else by the cell's imports?"""
    if isinstance(node, ast.Name) and isinstance((ctx.namespace or {}).get(node.id), ModuleType):
        return ctx.namespace[node.id].__name__ == module  # type: ignore[index]
    return ctx.scope.bound_path(node) == module


def _attribute_edit(ctx: CellContext, node: ast.Attribute, new: str, keep: dict[str, str], parent: ast.AST | None) -> Edit | None:  # fmt: skip
    """``X.old`` as ``X.new``; a call of it given, when it does not pass them, the keywords
    that keep the old default (``factorplot(…)`` → ``catplot(…, kind='point')``)."""
    base = node_text(ctx.cell, node.value)
    if base is None:
        return None
    call = parent if isinstance(parent, ast.Call) and parent.func is node else None
    missing = {k: v for k, v in keep.items() if call is not None and all(kw.arg != k for kw in call.keywords)}  # fmt: skip
    if not missing or call is None:
        return node_edit(ctx.cell, node, f"{base}.{new}")
    if any(kw.arg is None for kw in call.keywords):
        return None  # `**options` may pass it: not decided here
    parts = [node_text(ctx.cell, a) for a in [*call.args, *call.keywords]]
    if any(p is None for p in parts):
        return None
    parts += [f"{k}={v}" for k, v in missing.items()]
    return node_edit(ctx.cell, call, f"{base}.{new}({', '.join(parts)})")  # type: ignore[arg-type]


def _kept_words(keep: dict[str, str]) -> str:
    if not keep:
        return ""
    given = ", ".join(f"`{k}={v}`" for k, v in keep.items())
    return f" A call that did not choose it is given {given}, the default it had, so it draws what it drew."  # fmt: skip
