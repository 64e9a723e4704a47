"""Calls of the user's own functions that hand a value straight on to a Keras call:
``agent.save('dqn.h5')``, whose method runs ``self.model.save_weights(name)``.

A rule that must change the Keras call's argument (a file name that needs another suffix) changes
what the cell's call passes instead, where that value is made (``diagnosis/provenance.py``), and
the same for every other call of the user's functions that hand the same file to Keras (the
agent's ``load``). The function may be defined in an earlier cell: a class in one cell and its use
in a later one is the notebooks' layout, and the one ``migrate`` gives a script whose classes and
functions it runs apart.

The callee is the live object the cell's call names (read only: a function of the user's, or a
method of the class of a live object, whose code is not a package's), found in its source by the
line its code starts on; the value is followed only when the function passes its parameter
unchanged (``save_weights(name)``, not ``save_weights(name + '.h5')``)."""

from __future__ import annotations

import ast
import inspect
import linecache
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kerasmagic.diagnosis.call_sites import argument_for, first_lines, parameters_of, stores
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.rewrite import callee_name, walk


@dataclass(frozen=True)
class Passed:
    """``call``: the cell's call of the user's function; ``argument``: what it passes for the
    parameter the function hands to ``method`` (a Keras call in the function's body)."""

    call: ast.Call
    argument: ast.expr
    method: str


def passed_on(
    ctx: CellContext, methods: tuple[str, ...] | None, argument_of: Callable[[ast.Call], ast.expr | None]
) -> list[Passed]:
    """The calls of the cell whose callee, a function of the user's defined in another cell,
    passes one of its parameters unchanged as ``argument_of`` a call of one of ``methods`` (None:
    of any call); each with the argument the cell's call gives for it. Nothing without a live
    namespace, or for a function of the cell at hand (``provenance`` reads its calls itself)."""
    tree = ctx.cell.tree
    if tree is None or ctx.namespace is None:
        return []
    out: list[Passed] = []
    parsed: dict[str, ast.Module | None] = {}  # each defining cell parsed once, however many calls
    for call in walk(tree):
        if not isinstance(call, ast.Call) or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        found = _callee(ctx, call, parsed)
        if found is None:
            continue
        func, bound = found
        params = [a.arg for a in func.args.posonlyargs + func.args.args]
        for inner in walk(func):
            if not isinstance(inner, ast.Call):
                continue
            method = callee_name(inner)
            if method is None or (methods is not None and method not in methods):
                continue
            given = argument_of(inner)
            if not isinstance(given, ast.Name) or given.id not in parameters_of(func):
                continue
            if any(stores(t, given.id) for t in _targets(func)):
                continue  # the parameter is bound again in the function: not the value passed
            position = params.index(given.id) - (1 if bound else 0) if given.id in params else None
            argument = argument_for(call, given.id, position)
            if argument is not None:
                out.append(Passed(call, argument, method))
    return out


def raised_through(ctx: CellContext, passed: list[Passed]) -> list[Passed]:
    """Those of ``passed`` on the line of the cell at hand that the error went through (its own
    frame in the traceback: the line a later frame, in the function's cell, raised under)."""
    line = None
    tb = ctx.exc.__traceback__ if ctx.exc is not None else None
    while tb is not None:
        if _the_cells(ctx, tb.tb_frame.f_code.co_filename):
            line = tb.tb_lineno
        tb = tb.tb_next
    return [p for p in passed if line is not None and p.call.lineno <= line <= (p.call.end_lineno or line)]  # fmt: skip


def _callee(ctx: CellContext, call: ast.Call, parsed: dict[str, ast.Module | None]) -> tuple[ast.FunctionDef, bool] | None:  # fmt: skip
    """The ``def`` (in another cell's source) of the user's function ``call`` calls, and whether
    the call binds its first parameter (a method called on an instance)."""
    target, namespace = call.func, ctx.namespace or {}
    live: Any = None
    bound = False
    if isinstance(target, ast.Name):
        live = namespace.get(target.id)
    elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        owner = namespace.get(target.value.id)
        if owner is not None and not inspect.ismodule(owner) and not inspect.isclass(owner):
            live = inspect.getattr_static(type(owner), target.attr, None)
            bound = inspect.isfunction(live)
    code = getattr(live, "__code__", None) if inspect.isfunction(live) else None
    if code is None or not _users(code.co_filename):
        return None
    if code.co_filename not in parsed:
        text = "".join(linecache.getlines(code.co_filename))
        parsed[code.co_filename] = _parse(text) if text and not _the_cells(ctx, code.co_filename) else None  # fmt: skip
    module = parsed[code.co_filename]
    if module is None:
        return None
    for node in ast.walk(module):
        if isinstance(node, ast.FunctionDef) and node.name == code.co_name:
            if code.co_firstlineno in first_lines(node):
                return node, bound
    return None


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except SyntaxError:
        return None


def _the_cells(ctx: CellContext, filename: str) -> bool:
    """Is ``filename``'s source (IPython keeps each cell's in ``linecache``) the cell at hand?"""
    text = "".join(linecache.getlines(filename)).rstrip("\n")
    return bool(text) and text in (ctx.cell.source.rstrip("\n"), ctx.cell.python.rstrip("\n"))


def _users(filename: str) -> bool:
    """Is ``filename`` the user's code (a cell, a script), not Python's or a package's?"""
    if not filename or filename.startswith("<frozen"):
        return False
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    return "site-packages" not in filename and not any(filename.startswith(p) for p in prefixes)


def _targets(func: ast.FunctionDef) -> list[ast.AST]:
    """What the function's statements bind (assignment, loop and ``with`` targets)."""
    out: list[ast.AST] = []
    for node in walk(func):
        if isinstance(node, ast.Assign):
            out += node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            out.append(node.target)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            out += [i.optional_vars for i in node.items if i.optional_vars is not None]
        elif isinstance(node, ast.NamedExpr):
            out.append(node.target)
    return out
