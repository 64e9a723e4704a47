"""Names NumPy removed that Keras-2-era notebooks use (``X.astype(np.float)``, ``np.float_``,
``np.NaN``): TensorFlow 2.16+ brings NumPy 2, and NumPy 1.24 had already removed the aliases of
the builtins. The live NumPy says what replaces each one, in the AttributeError its module
raises for the name ("use `float` by itself. Doing this will not modify any behavior", "Use
`np.float64` instead."): that error is read (NumPy's module ``__getattr__``, nothing else runs)
and every use of the name in the cell is rewritten. A replacement NumPy words otherwise ("with a
proper dtype") is not guessed at."""

from __future__ import annotations

import ast
import re
import sys

from kerasmagic.diagnosis.context import ERROR, STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import entries_with_rule, find_entry

ENTRY = "numpy-removed-name"
ABSTRACT_ENTRY = "numpy-abstract-dtype"
# NumPy 1.24's expired aliases of builtins, and NumPy 2.0's removed names (their own messages)
BUILTIN = re.compile(r"use `(?P<new>\w+)` by itself\. Doing this will not modify any behavior")
INSTEAD = re.compile(r"removed in the NumPy 2\.0 release\. Use `(?P<new>(?:np\.)?[\w.]+)`(?: builtin)? instead\.")  # fmt: skip


@rule(ENTRY, when=(STATIC, ERROR), family="removed-apis", needs=(r"np\.", r"numpy\."))
def numpy_removed_names(ctx: CellContext) -> list[Problem]:
    """Every ``np.<name>`` of the cell that the live NumPy removed and names a replacement for."""
    tree = ctx.cell.tree
    numpy = sys.modules.get("numpy")
    bound = {n for n, path in ctx.scope.bindings.items() if path == "numpy"}
    if tree is None or numpy is None or not bound:
        return []
    edits: list[Edit] = []
    names: dict[str, str] = {}
    entry = find_entry(ENTRY)
    renamed: dict[str, str] = entry.data.get("renamed", {}) if entry is not None else {}
    calls: dict[str, str] = entry.data.get("calls", {}) if entry is not None else {}
    for node in walk(tree):
        if isinstance(node, ast.Call) and _removed_call(numpy, node, bound, calls):
            # `np.asscalar(a)`: a function NumPy removed whose replacement is an expression
            argument = node_text(ctx.cell, node.args[0])
            if argument and not isinstance(node.args[0], (ast.Name, ast.Attribute, ast.Call, ast.Subscript)):  # fmt: skip
                argument = f"({argument})"  # `(a + b).item()`, not `a + b.item()`
            edit = node_edit(ctx.cell, node, calls[node.func.attr].format(arg=argument)) if argument else None  # type: ignore[attr-defined]  # fmt: skip
            if edit is not None:
                edits.append(edit)
                names[node.func.attr] = calls[node.func.attr].format(arg="x")  # type: ignore[attr-defined]
            continue
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            continue
        if node.value.id not in bound or not isinstance(node.ctx, ast.Load) or node.attr in calls:
            continue
        new = names.get(node.attr) or _replacement(numpy, node.attr, node.value.id, renamed)
        if new is None:
            continue
        edit = node_edit(ctx.cell, node, new)
        if edit is not None:
            edits.append(edit)
            names[node.attr] = new
    if not edits:
        return []
    old = next(iter(names))
    return [
        from_entry(ENTRY, edits[0].line, edits, [f"np.{n}" for n in names], ctx.shown_versions,
                   old=old, new=names[old], numpy=getattr(numpy, "__version__", "?"))  # fmt: skip
    ]


def _removed_call(numpy: object, call: ast.Call, bound: set[str], calls: dict[str, str]) -> bool:
    """Is ``call`` ``np.<name>(x)`` of a function the live NumPy lacks that the catalogue's
    ``calls`` table replaces by an expression of its one argument?"""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in bound
        and func.attr in calls
        and func.attr not in getattr(numpy, "__dict__", {})
        and len(call.args) == 1
        and not call.keywords
        and not isinstance(call.args[0], ast.Starred)
    )


def _replacement(numpy: object, name: str, alias: str, renamed: dict[str, str]) -> str | None:
    """What the live NumPy's own error for ``numpy.<name>`` says to write instead (``float``,
    ``np.float64`` with the cell's name for NumPy); for a name removed with no such message, the
    catalogue's name for the same function, when the live NumPy has it; else None (the name
    exists, or nothing names a drop-in replacement)."""
    if name.startswith("_") or name in getattr(numpy, "__dict__", {}):
        return None
    try:
        getattr(numpy, name)
    except AttributeError as exc:
        message = " ".join(str(exc).split())
    else:
        return None
    if name in renamed and renamed[name] in getattr(numpy, "__dict__", {}):
        if not (BUILTIN.search(message) or INSTEAD.search(message)):  # NumPy's own word first
            return f"{alias}.{renamed[name]}"
    found = BUILTIN.search(message)
    if found:
        return found["new"]
    found = INSTEAD.search(message)
    if not found:
        return None
    new = found["new"]
    return f"{alias}.{new[3:]}" if new.startswith("np.") else new


@rule(ABSTRACT_ENTRY, when=(ERROR,), family="removed-apis", errors=("TypeError",), needs=(r"np\.", r"numpy\."))  # fmt: skip
def numpy_abstract_dtypes(ctx: CellContext) -> list[Problem]:
    """``dtype=np.integer`` (an abstract NumPy type) of the failing line, and of the cell's other
    lines (each would fail the same way next): the concrete type NumPy 1.x turned it into (the
    catalogue's table, NumPy 1.20's deprecation notes)."""
    tree = ctx.cell.tree
    entries = entries_with_rule("numpy-abstract-dtype")
    bound = {n for n, path in ctx.scope.bindings.items() if path == "numpy"}
    if tree is None or not entries or not bound or "to a dtype" not in ctx.message:
        return []
    concrete: dict = entries[0].data.get("concrete", {})
    edits: list[Edit] = []
    names: dict[str, str] = {}
    for node in _dtype_arguments(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound and node.attr in concrete:  # fmt: skip
            new = f"{node.value.id}.{concrete[node.attr]}"
            edit = node_edit(ctx.cell, node, new)
            if edit is not None:
                edits.append(edit)
                names[f"{node.value.id}.{node.attr}"] = new
    if not edits:
        return []
    old = next(iter(names))
    return [from_entry(ABSTRACT_ENTRY, edits[0].line, edits, list(names), ctx.shown_versions, old=old,
                       new=names[old], numpy=getattr(sys.modules.get("numpy"), "__version__", "?"))]  # fmt: skip


def _dtype_arguments(tree: ast.AST) -> list[ast.expr]:
    """What the cell gives as a dtype: ``dtype=…``, ``x.astype(…)``, ``np.dtype(…)``."""
    out: list[ast.expr] = []
    for node in walk(tree):
        if not isinstance(node, ast.Call):
            continue
        out += [k.value for k in node.keywords if k.arg == "dtype"]
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("astype", "dtype") and node.args:
            out.append(node.args[0])
    return out
