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
    """Each value the innermost ``for`` loop of the cell holding ``use`` gives its name and
    lets reach it (an ``if isinstance(name, C):`` of the loop around ``use``, ``C`` a live
    class, passes its instances only); the name's live value when no loop binds it ([] when
    the namespace has none); None when a loop binds it over something not read here (a call's
    result, a generator)."""
    loop = innermost_loop(ctx.cell.tree, use, use.id)
    if loop is None:
        return [ctx.namespace[use.id]] if use.id in ctx.namespace else []
    items = _sequence(ctx.namespace, loop.iter)
    if items is not None and isinstance(loop.target, ast.Tuple):
        position = next((i for i, t in enumerate(loop.target.elts) if isinstance(t, ast.Name) and t.id == use.id), None)  # fmt: skip
        if position is None or not all(isinstance(x, tuple) and len(x) > position for x in items):
            return None
        items = [x[position] for x in items]
    elif not isinstance(loop.target, ast.Name):
        return None
    return None if items is None else _reaching(items, loop, use, ctx.namespace)


def _reaching(items: list[Any], loop: ast.For, use: ast.Name, namespace: dict) -> list[Any]:
    """The items an ``if isinstance(NAME, C):`` of the loop whose body holds ``use`` lets
    through, ``C`` (or a tuple of them) a live class read from the namespace."""
    for node in ast.walk(loop):
        if not (isinstance(node, ast.If) and node.body and node.body[0].lineno <= use.lineno <= (node.body[-1].end_lineno or 0)):  # fmt: skip
            continue
        test = node.test
        if not (isinstance(test, ast.Call) and getattr(test.func, "id", None) == "isinstance" and len(test.args) == 2):  # fmt: skip
            continue
        if not (isinstance(test.args[0], ast.Name) and test.args[0].id == use.id):
            continue
        given = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
        classes = tuple(live_value(c, namespace) for c in given)
        if classes and all(isinstance(c, type) for c in classes):
            items = [item for item in items if isinstance(item, classes)]
    return items


def _sequence(namespace: dict, node: ast.expr) -> list[Any] | None:
    """The live list or tuple ``NAME.attr…`` reads (``model.layers``), or ``enumerate`` of one;
    None when it is not one."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "enumerate" and len(node.args) == 1 and not node.keywords:  # fmt: skip
        found = _sequence(namespace, node.args[0])
        return None if found is None else list(enumerate(found))
    value = live_value(node, namespace)
    return list(value) if isinstance(value, (list, tuple)) else None


def live_value(node: ast.expr, names: dict) -> Any:
    """The live value of a name or a chain on one of attributes and constant indexes of lists
    and tuples (``model.layers``, ``model.layers[0].kernel``), read only (``getattr``, the
    built-in sequences' own indexing, nothing of the user's called), else None."""
    steps: list[ast.expr] = []
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        steps.append(node)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in names:
        return None
    value = names[node.id]
    try:
        for step in reversed(steps):
            if isinstance(step, ast.Attribute):
                value = getattr(value, step.attr)
                continue
            index = _constant_index(step.slice)
            if type(value) not in (list, tuple) or index is None:
                return None
            value = value[index]
    except Exception:
        return None
    return value


def _constant_index(node: ast.expr) -> int | None:
    """The int a subscript's index writes literally (``0``, ``-1``), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _constant_index(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None
