"""What a cell's own functions are given and give back, read from the source: the arguments each
call of a function passes for one of its parameters, the value its one ``return`` gives, and the
values a ``for`` over a literal list binds (``diagnosis/provenance.py`` follows values through
them)."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.rewrite import walk


def stores(node: ast.AST, name: str) -> bool:
    """Is the name ``name`` anywhere in ``node`` (given a target: does it bind the name)?"""
    return any(isinstance(n, ast.Name) and n.id == name for n in walk(node))


def innermost_loop(tree: ast.AST, use: ast.AST, name: str) -> ast.For | None:
    """The innermost ``for`` loop of ``tree`` whose body holds ``use`` and whose target binds
    ``name``; None when there is none."""
    line = getattr(use, "lineno", 0)
    found = None
    for node in walk(tree):
        if not isinstance(node, ast.For) or not node.body:
            continue
        if not (node.body[0].lineno <= line <= (node.end_lineno or 0)):
            continue
        if stores(node.target, name):
            found = node  # walk goes outside in: the last one holding the use is the innermost
    return found


def enclosing_loop(tree: ast.AST, use: ast.AST, name: str) -> list[ast.expr] | None:
    """The values of the innermost ``for name in <list, tuple or set display>`` of the cell's
    top level whose body holds ``use``; None when no such loop binds ``name`` there (a loop
    over anything else binds it by a value not followed)."""
    found = innermost_loop(tree, use, name)
    if found is None:
        return None
    if isinstance(found.target, ast.Name) and isinstance(found.iter, (ast.List, ast.Tuple, ast.Set)):
        return list(found.iter.elts)
    return []  # bound by the loop, by values not followed


def parameters_of(func: ast.AST) -> list[str]:
    args = getattr(func, "args", None)
    if args is None:
        return []
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]


def parameter_arguments(tree: ast.AST, func: ast.AST, name: str) -> list[ast.expr]:
    """What each call of ``func`` in the cell passes for its parameter ``name`` (a method called
    as ``obj.method(…)`` skips ``self``), the parameter's default for a call that leaves it to
    it (``def main(lr=0.01)`` … ``main()``: the ``0.01`` of the signature, once); empty when it is
    not called, or a call passes it in a way not readable here (``*args``, no default)."""
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    params = [a.arg for a in func.args.posonlyargs + func.args.args]
    index = params.index(name) if name in params else None
    method = bool(params) and params[0] in ("self", "cls")
    out: list[ast.expr] = []
    for call in walk(tree):
        if not isinstance(call, ast.Call) or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        target = call.func
        if isinstance(target, ast.Attribute) and target.attr == func.name:
            position = None if index is None else index - (1 if method else 0)
        elif isinstance(target, ast.Name) and target.id == func.name and not method:
            position = index
        else:
            continue
        given = argument_for(call, name, position) or default_of(func, name)
        if given is None:
            return []
        if not any(given is o for o in out):
            out.append(given)
    return out


def default_of(func: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> ast.expr | None:
    """The default value ``func``'s signature gives its parameter ``name`` (None: it has none)."""
    args = func.args
    positional = args.posonlyargs + args.args
    defaults = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults) :]], args.defaults))  # fmt: skip
    defaults.update((a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None)
    return defaults.get(name)


def argument_for(call: ast.Call, name: str, position: int | None) -> ast.expr | None:
    """What ``call`` passes for the parameter ``name``: by keyword, else at ``position`` among
    its positional arguments; None when it leaves it to its default."""
    given = next((k.value for k in call.keywords if k.arg == name), None)
    if given is None and position is not None and 0 <= position < len(call.args):
        given = call.args[position]
    return given


def returned_value(func: ast.AST) -> ast.expr | None:
    """The value of the function's only ``return`` (its own, not a nested function's); None when
    it has none, several, a bare one, or ``yield``s (a generator)."""
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    found: list[ast.Return] = []
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return None
        if isinstance(node, ast.Return):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found[0].value if len(found) == 1 else None
