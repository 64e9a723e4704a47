"""Error rule: Keras 1's image dim ordering (``set_image_dim_ordering('th')``,
``image_dim_ordering()``), which Keras 2.0 replaced with the image data format ('th' is
'channels_first', 'tf' is 'channels_last') and later Kerases removed.

However the cell reaches the functions: ``K.set_image_dim_ordering('th')`` (the backend
module's attribute: ``AttributeError``), ``from keras.backend import set_image_dim_ordering``
("cannot import name …": the import names the new function, and the cell's calls of the old
name become calls of it), or a bare call of a name an earlier cell imported (``NameError`` once
that import was corrected: the new function is imported where the kernel does not bind it). The
setter's value is mapped ('th' → 'channels_first'; a value that is not a literal through a
lookup), the getter's comparisons with 'th'/'tf' are mapped, and a getter whose value goes
elsewhere is read back as the old value, so every use keeps its value. The backend module must
have the new function here.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.python_messages import cannot_import
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    insertion_line,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule

ENTRY = "image-dim-ordering-removed"
DIM_ORDERING = {"th": "channels_first", "tf": "channels_last"}
DIM_SETTER, DIM_GETTER = "set_image_dim_ordering", "image_dim_ordering"
NEW = {DIM_SETTER: "set_image_data_format", DIM_GETTER: "image_data_format"}
NOT_DEFINED = re.compile(r"name '(?P<name>\w+)' is not defined")


@rule(ENTRY, when=(ERROR,), family="removed-apis", needs="image_dim_ordering", errors=("AttributeError", "ImportError", "NameError"))  # fmt: skip
def dim_ordering(ctx: CellContext) -> list[Problem]:
    """Every call of the old setter and getter in the cell, as the new ones with the values
    mapped; the import of the old names as the import of the new."""
    cell, message = ctx.cell, ctx.message or ""
    # Keras 2.0-2.2 also had them in ``keras.backend.common`` (``K.common.image_dim_ordering()``),
    # which Keras 2.3 folded into ``keras.backend``: the failing attribute is then ``common``
    if (DIM_GETTER not in message and "'common'" not in message) or cell.tree is None:
        return []
    imported = cannot_import(message)
    missing = NOT_DEFINED.search(message)
    edits: list[Edit] = []
    bare: dict[str, str] = {}  # a bare name called -> the new function's name there
    if ctx.error_type == "ImportError" and imported and imported[1] in NEW:
        for node in walk(cell.tree):
            if isinstance(node, ast.ImportFrom) and node.module == imported[0]:
                edit = _import_edit(ctx, node, bare)
                if edit is None and any(a.name in NEW for a in node.names):
                    return []
                edits += [edit] if edit is not None else []
    elif ctx.error_type == "NameError" and missing and missing["name"] in NEW:
        bare = {name: new for name, new in NEW.items()}
        edits += _bound(ctx, [new for name, new in NEW.items() if _called(cell, name)])
    compared = _compared_orderings(cell, bare)
    for call in walk(cell.tree):
        target = _new_callee(ctx, call, bare) if isinstance(call, ast.Call) else None
        if target is None:
            continue
        edit, more = _call_edit(cell, call, target, compared)  # type: ignore[arg-type]
        if edit is None:
            return []
        edits += [edit, *more]
    if not any(e.text and ("data_format" in e.text) for e in edits):
        return []
    return [from_entry(ENTRY, ctx.line or 1, edits, [DIM_SETTER, DIM_GETTER])]


def _new_callee(ctx: CellContext, call: ast.Call, bare: dict[str, str]) -> str | None:
    """The text calling the new function in place of ``call``'s old one (``K.set_image_data_format``,
    or the bare new name), when the backend module has it; None for any other call."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in bare:
        return bare[func.id]
    if not isinstance(func, ast.Attribute) or func.attr not in NEW:
        return None
    base = func.value.value if isinstance(func.value, ast.Attribute) and func.value.attr == "common" else func.value  # fmt: skip
    target = ast.Attribute(value=base, attr=NEW[func.attr], ctx=ast.Load())
    value = node_text(ctx.cell, base)
    return f"{value}.{NEW[func.attr]}" if value is not None and ctx.scope.callee(target) is not None else None  # fmt: skip


def _call_edit(cell: ParsedCell, call: ast.Call, target: str, compared: dict[int, list[Edit]]) -> tuple[Edit | None, list[Edit]]:  # fmt: skip
    """The setter with its value mapped, or the getter (its comparisons mapped, else its value
    read back as 'th'/'tf')."""
    if target.endswith(NEW[DIM_SETTER]):
        arg = call.args[0] if len(call.args) == 1 and not call.keywords else None
        if arg is None:
            return None, []
        if isinstance(arg, ast.Constant) and arg.value in DIM_ORDERING:
            text = repr(DIM_ORDERING[arg.value])
        else:
            text = f"{DIM_ORDERING!r}[{node_text(cell, arg)}]"
        return node_edit(cell, call, f"{target}({text})"), []
    if call.args or call.keywords:
        return None, []
    if id(call) in compared:
        return node_edit(cell, call, f"{target}()"), compared[id(call)]
    back = {v: k for k, v in DIM_ORDERING.items()}  # the old value wherever it goes: 'th' / 'tf'
    return node_edit(cell, call, f"{back!r}[{target}()]"), []


def _import_edit(ctx: CellContext, node: ast.ImportFrom, bare: dict[str, str]) -> Edit | None:
    """``from keras.backend import set_image_dim_ordering`` naming the new function (an alias
    of the old name is not followed: None)."""
    if not any(a.name in NEW for a in node.names) or any(a.name in NEW and a.asname for a in node.names):  # fmt: skip
        return None
    names = []
    for alias in node.names:
        new = NEW.get(alias.name)
        if new is not None:
            bare[alias.name] = new
        names.append(new or (alias.name + (f" as {alias.asname}" if alias.asname else "")))
    return node_edit(ctx.cell, node, f"from {node.module} import {', '.join(dict.fromkeys(names))}")


def _called(cell: ParsedCell, name: str) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name for n in walk(cell.tree))  # fmt: skip


def _bound(ctx: CellContext, needed: list[str]) -> list[Edit]:
    """The import of each new function the kernel does not bind yet, from the cell's Keras."""
    missing = [n for n in needed if n not in (ctx.namespace or {})]
    if not missing:
        return []
    root = keras_root(ctx)
    if root is None:
        return []
    line = insertion_line(ctx.cell)
    return [*root[1], Edit(line, 0, line, 0, f"from {root[0]}.backend import {', '.join(missing)}\n")]  # fmt: skip


def _compared_orderings(cell: ParsedCell, bare: dict[str, str]) -> dict[int, list[Edit]]:
    """``X.image_dim_ordering() == 'th'`` (``!=``, ``in ('th', …)``): the getter call's id →
    the edits of the literals it is compared with ('th' → 'channels_first'). Only where every
    literal it meets is an ordering."""
    out: dict[int, list[Edit]] = {}
    for node in walk(cell.tree):
        if not isinstance(node, ast.Compare) or len(node.comparators) != 1:
            continue
        sides = (node.left, node.comparators[0])
        getter = next((s for s in sides if _is_getter_call(s, bare)), None)
        other = sides[1] if getter is sides[0] else sides[0]
        if getter is None:
            continue
        literals = other.elts if isinstance(other, (ast.Tuple, ast.List, ast.Set)) else [other]
        if not all(isinstance(e, ast.Constant) and e.value in DIM_ORDERING for e in literals):
            continue
        edits = [node_edit(cell, e, repr(DIM_ORDERING[e.value])) for e in literals]  # type: ignore[attr-defined]
        if all(e is not None for e in edits):
            out[id(getter)] = [e for e in edits if e is not None]
    return out


def _is_getter_call(node: ast.expr, bare: dict[str, str]) -> bool:
    if not isinstance(node, ast.Call) or node.args or node.keywords:
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return bare.get(func.id) == NEW[DIM_GETTER]
    return isinstance(func, ast.Attribute) and func.attr == DIM_GETTER
