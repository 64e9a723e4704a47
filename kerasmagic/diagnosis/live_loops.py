"""The live values a name takes in a ``for`` loop of the cell, read from the namespace without
calling anything of the user's: ``for layer in model.layers``, ``for i, layer in
enumerate(model.layers)``. A rule whose rewrite holds for the value a name has when the cell
failed checks it holds for every value the loop gives it. ``live_value`` reads a name or an
attribute chain on one, for any rule."""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.call_sites import innermost_loop


def loop_values(ctx: Any, use: ast.Name) -> list[Any] | None:
    """Each value the innermost ``for`` loop of the cell holding ``use`` gives its name; the
    name's live value when no loop binds it ([] when the namespace has none); None when a loop
    binds it over something not read here (a call's result, a generator)."""
    loop = innermost_loop(ctx.cell.tree, use, use.id)
    if loop is None:
        return [ctx.namespace[use.id]] if use.id in ctx.namespace else []
    items = _sequence(ctx.namespace, loop.iter)
    if items is None or isinstance(loop.target, ast.Name):
        return items
    if not isinstance(loop.target, ast.Tuple):
        return None
    position = next((i for i, t in enumerate(loop.target.elts) if isinstance(t, ast.Name) and t.id == use.id), None)  # fmt: skip
    if position is None or not all(isinstance(x, tuple) and len(x) > position for x in items):
        return None
    return [x[position] for x in items]


def _sequence(namespace: dict, node: ast.expr) -> list[Any] | None:
    """The live list or tuple ``NAME.attr…`` reads (``model.layers``), or ``enumerate`` of one;
    None when it is not one."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "enumerate" and len(node.args) == 1 and not node.keywords:  # fmt: skip
        found = _sequence(namespace, node.args[0])
        return None if found is None else list(enumerate(found))
    value = live_value(node, namespace)
    return list(value) if isinstance(value, (list, tuple)) else None


def live_value(node: ast.expr, names: dict) -> Any:
    """The live value of a name or an attribute chain on one (``model.layers``), read only
    (``getattr``, nothing called), else None."""
    chain: list[str] = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in names:
        return None
    value = names[node.id]
    try:
        for attr in reversed(chain):
            value = getattr(value, attr)
    except Exception:
        return None
    return value
