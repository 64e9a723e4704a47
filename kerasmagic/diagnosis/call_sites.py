"""What a cell's own functions are given and give back, read from the source: the arguments each
call of a function passes for one of its parameters, the value its one ``return`` gives, and the
values a ``for`` over a literal list binds (``diagnosis/provenance.py`` follows values through
them)."""

from __future__ import annotations

import ast
from collections.abc import Callable

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


def enclosing_loop(tree: ast.AST, use: ast.AST, name: str, resolve: Resolve = None) -> list[ast.expr] | None:  # fmt: skip
    """The values of the innermost ``for name in <list, tuple or set display>`` of the cell's
    top level whose body holds ``use``, or of ``name`` among the loop's names unpacked from rows
    of displays (``for lr, loss in [(0.1, 'mse'), …]``), from ``zip`` of displays, or from
    ``enumerate`` of one; None when no such loop binds ``name`` there (a loop over anything else
    binds it by a value not followed). ``resolve``: what a sequence written otherwise is (a name
    bound to a display: ``for loss in losses``), the expression itself when not known."""
    found = innermost_loop(tree, use, name)
    if found is None:
        return None
    known = resolve or (lambda node: node)
    target, source = found.target, known(found.iter)
    if isinstance(target, ast.Name):
        return list(source.elts) if isinstance(source, DISPLAYS) else []
    names = [t.id if isinstance(t, ast.Name) else None for t in getattr(target, "elts", [])]
    if name not in names:
        return []  # bound by a pattern not followed (nested, starred)
    position = names.index(name)
    columns = _loop_columns(source, len(names), known)
    return list(columns[position]) if columns is not None else []


DISPLAYS = (ast.List, ast.Tuple, ast.Set)
Resolve = Callable[[ast.expr], ast.expr] | None


def _loop_columns(source: ast.expr, width: int, known: Callable[[ast.expr], ast.expr]) -> list[list[ast.expr]] | None:  # fmt: skip
    """The values each of ``width`` unpacked loop names takes, column by column, when every row
    is written out: a display of ``width``-long displays, ``zip`` of ``width`` displays, or
    ``enumerate`` of a display (its second column); None otherwise."""
    if isinstance(source, DISPLAYS) and not isinstance(source, ast.Set):
        rows = source.elts
        if rows and all(isinstance(r, (ast.List, ast.Tuple)) and len(r.elts) == width for r in rows):
            return [[r.elts[i] for r in rows] for i in range(width)]  # type: ignore[attr-defined]
        return None
    if not isinstance(source, ast.Call) or not isinstance(source.func, ast.Name) or source.keywords:
        return None
    given = [known(a) for a in source.args]
    if source.func.id == "zip" and len(given) == width and all(isinstance(a, DISPLAYS) for a in given):
        return [list(a.elts) for a in given]  # type: ignore[attr-defined]
    if source.func.id == "enumerate" and width == 2 and len(given) == 1 and isinstance(given[0], DISPLAYS):
        return [[], list(given[0].elts)]  # the count is no value written out
    return None


def parameters_of(func: ast.AST) -> list[str]:
    args = getattr(func, "args", None)
    if args is None:
        return []
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]


def first_lines(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[int]:
    """The lines a code object of ``func`` may say it starts on (``co_firstlineno``): its ``def``
    line, or its first decorator's."""
    return {func.lineno, min([func.lineno, *(d.lineno for d in func.decorator_list)])}


def assigns(func: ast.AST, name: str) -> bool:
    """Does the function bind ``name`` in its own code (an assignment, a loop or ``with``
    target): a local it makes, not a global it reads?"""
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in walk(func))  # fmt: skip


def binds(func: ast.AST, name: str) -> bool:
    """Is ``name`` local to the function: a parameter (``*args`` and ``**kwargs`` too) or a
    name it assigns?"""
    args = getattr(func, "args", None)
    packed = {a.arg for a in (args.vararg, args.kwarg) if a} if args is not None else set()
    return name in packed or name in parameters_of(func) or assigns(func, name)


def parameter_arguments(tree: ast.AST, func: ast.AST, name: str) -> list[ast.expr]:
    """What each call of ``func`` in the cell passes for its parameter ``name`` (a method called
    as ``obj.method(…)`` skips ``self``), the parameter's default for a call that leaves it to
    it (``def main(lr=0.01)`` … ``main()``: the ``0.01`` of the signature, once); empty when it is
    not called, or a call passes it in a way not readable here (``*args``, no default). A class's
    ``__init__`` is called by the class's name (``Keeper(net, 'w.h5')``), in the cell that
    defines the class."""
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    params = [a.arg for a in func.args.posonlyargs + func.args.args]
    index = params.index(name) if name in params else None
    method = bool(params) and params[0] in ("self", "cls")
    made = constructed_class(tree, func) if method else None  # ``Keeper(path)`` runs __init__
    out: list[ast.expr] = []
    for call in walk(tree):
        if not isinstance(call, ast.Call) or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        target = call.func
        if isinstance(target, ast.Attribute) and target.attr == func.name:
            position = None if index is None else index - (1 if method else 0)
        elif isinstance(target, ast.Name) and target.id == func.name and not method:
            position = index
        elif isinstance(target, ast.Name) and target.id == made:
            position = None if index is None else index - 1
        else:
            continue
        given = argument_for(call, name, position) or default_of(func, name)
        if given is None:
            return []
        if not any(given is o for o in out):
            out.append(given)
    return out


def constructed_class(tree: ast.AST, func: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The name of the class whose ``__init__`` ``func`` is (a class of the cell's top level, so
    ``Name(…)`` calls make it), else None."""
    if func.name != "__init__":
        return None
    body = getattr(tree, "body", [])
    owner = next((c for c in body if isinstance(c, ast.ClassDef) and any(f is func for f in c.body)), None)  # fmt: skip
    return owner.name if owner is not None else None


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
