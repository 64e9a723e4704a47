"""Where an argument's value comes from, across the cell and the cells run before it.

A rule that must change an argument (a file name that needs another suffix, a count that must
be an ``int``) asks :func:`origins` where the value is made: the argument itself when it is a
literal, else the last assignment of the name before the use, in source order — this cell first,
then the earlier cells (``CellContext.earlier``), newest first — followed through the terms that
decide a path's end (``a + 'x.h5'``, ``f'{d}/x.h5'``, ``'x_{}.h5'.format(i)``, ``'x_%d.h5' % i``,
``os.path.join(d, 'x.h5')``, ``Path(d) / 'x.h5'``) and through the parameters of the cell's
functions (what each call passes). ``diagnosis/value_change.py`` turns a change of the value into
edits at its origins.

Nothing here runs the user's code; the live namespace is read only to check that the value the
source says a name holds is the one the kernel has (a cell that failed half-way, a binding in a
branch not taken).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.rewrite import (
    ParsedCell,
    parse_cell,
    walk,
)

MAX_DEPTH = 8
JOINS = ("join",)  # os.path.join, posixpath.join …: the last part ends the path
WRAPPERS = ("Path", "PurePath", "PosixPath", "str", "fspath", "abspath", "expanduser", "normpath")


@dataclass(frozen=True)
class Origin:
    """Where a value is made. ``cell``: None for the cell at hand, ``i`` for ``ctx.earlier[i]``;
    ``value``: the expression reached (an assignment's right side, a term of it, or the argument
    itself); ``literal``: the string literal (``Constant`` or f-string) whose text ends the value,
    when the terms followed end in one; ``names``: the names followed from the use, in order."""

    cell: int | None
    parsed: ParsedCell
    value: ast.expr
    literal: ast.expr | None = None
    names: tuple[str, ...] = ()
    binding: ast.stmt | None = None  # the assignment of the last name followed (in ``cell``)
    bound: ast.expr | None = None  # the value it assigns (``value`` is in it)

    @property
    def here(self) -> bool:
        return self.cell is None

    @property
    def name(self) -> str | None:
        """The name the use reads (the first followed), None when the argument is the value."""
        return self.names[0] if self.names else None

    @property
    def tail(self) -> str | None:
        """The literal text that ends the value (a file name's suffix), or None."""
        return literal_tail(self.literal) if self.literal is not None else None


# -- reading the cells ----------------------------------------------------------------------------
def parsed_source(source: str) -> ParsedCell:
    """An earlier (or later) cell's source, parsed."""
    return parse_cell(source)


def cells(ctx: CellContext) -> list[tuple[int | None, ParsedCell]]:
    """The cell at hand, then the earlier cells, newest first: ``(index or None, parsed)``."""
    out: list[tuple[int | None, ParsedCell]] = [(None, ctx.cell)]
    for i in range(len(ctx.earlier) - 1, -1, -1):
        out.append((i, parsed_source(ctx.earlier[i])))
    return out


def literal_tail(node: ast.expr) -> str | None:
    """The text a string literal ends with (an f-string's last constant part, '' after a field)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        last = node.values[-1] if node.values else None
        if last is None:
            return ""
        return last.value if isinstance(last, ast.Constant) and isinstance(last.value, str) else ""
    return None


def _callee(call: ast.Call) -> str | None:
    return getattr(call.func, "attr", getattr(call.func, "id", None))


def _ending_term(node: ast.expr) -> ast.expr | None:
    """The part of a path expression that ends it, or None when ``node`` is not one."""
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, (ast.Add, ast.Div)):
            return node.right
        if isinstance(node.op, ast.Mod):
            return node.left
    if isinstance(node, ast.Call):
        name = _callee(node)
        if name == "format" and isinstance(node.func, ast.Attribute):
            return node.func.value
        if node.keywords or not node.args or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        if name in JOINS:
            return node.args[-1]
        if name in WRAPPERS and len(node.args) == 1:
            return node.args[0]
    return None


def _ends_with(node: ast.expr | None, name: str) -> bool:
    """Does the path expression ``node`` end with the value of ``name``?"""
    while node is not None:
        if isinstance(node, ast.Name):
            return node.id == name
        node = _ending_term(node)
    return False


def read_before_more(trees: list[ast.AST | None], name: str) -> bool:
    """Is ``name`` read somewhere as a part of a longer path, with more after it (``DIR + name +
    '/'``, ``join(name, 'x')``, ``f'{name}/x'``)? A new suffix at its origin would change that
    other path too."""
    for tree in trees:
        for node in walk(tree) if tree is not None else ():
            if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div)):
                parts = [node.left]
            elif isinstance(node, ast.Call) and _callee(node) in JOINS:
                parts = node.args[:-1]
            elif isinstance(node, ast.JoinedStr):
                parts = [v.value for v in node.values[:-1] if isinstance(v, ast.FormattedValue)]
            else:
                continue
            if any(_ends_with(part, name) for part in parts):
                return True
    return False


def _stores(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in walk(node))


def bindings(tree: ast.AST, name: str) -> list[tuple[ast.stmt, ast.expr | None]]:
    """The statements of ``tree`` outside functions and classes that bind ``name``, in source
    order, each with the value bound (None: bound otherwise, not followed)."""
    out: list[tuple[ast.stmt, ast.expr | None]] = []

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if stmt.name == name:
                    out.append((stmt, None))
                continue
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name) and target.id == name:
                        out.append((stmt, stmt.value))
                    elif _stores(target, name):
                        out.append((stmt, None))
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                if stmt.target.id == name and stmt.value is not None:
                    out.append((stmt, stmt.value))
            elif isinstance(stmt, ast.AugAssign) and _stores(stmt.target, name):
                out.append((stmt, None))
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                if any((a.asname or a.name.split(".")[0]) == name for a in stmt.names):
                    out.append((stmt, None))
            elif _binds_otherwise(stmt, name):
                out.append((stmt, None))
            for attr in ("body", "orelse", "finalbody"):
                block = getattr(stmt, attr, None)
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                    visit(block)
            for handler in getattr(stmt, "handlers", []) or []:
                visit(handler.body)

    if isinstance(tree, ast.Module):
        visit(tree.body)
    return out


def _binds_otherwise(stmt: ast.stmt, name: str) -> bool:
    """A loop's target or a ``with … as`` name: bound, by a value not followed."""
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return _stores(stmt.target, name)
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return any(
            i.optional_vars is not None and _stores(i.optional_vars, name) for i in stmt.items
        )
    return False


def before(stmt: ast.AST, use: ast.AST) -> bool:
    end = (getattr(stmt, "end_lineno", 0) or 0, getattr(stmt, "end_col_offset", 0) or 0)
    return end <= (getattr(use, "lineno", 0), getattr(use, "col_offset", 0))


def _enclosing_function(tree: ast.AST, at: ast.AST) -> ast.AST | None:
    line = getattr(at, "lineno", 0)
    inner = None
    for f in walk(tree):
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and f is not at:
            if f.lineno <= line <= (f.end_lineno or f.lineno):
                if inner is None or f.lineno >= inner.lineno:
                    inner = f
    return inner


# -- following a value ----------------------------------------------------------------------------
def origins(ctx: CellContext, node: ast.expr, *, terms: bool = True) -> list[Origin]:
    """Where the value of ``node`` (an expression of the cell at hand) is made: one origin, or
    several when it is a parameter of a function the cell calls more than once; [] when any is
    unknown (bound by a loop, an import, a call's result; a value the live namespace contradicts).
    ``terms``: follow the terms that end a path (for a change of its suffix); else only names."""
    found = _follow(ctx, None, ctx.cell, node, node, (), terms, 0, None, None)
    if not found or not _live_agrees(ctx, found):
        return []
    return found


def _follow(
    ctx: CellContext,
    index: int | None,
    parsed: ParsedCell,
    node: ast.expr,
    use: ast.AST,
    names: tuple[str, ...],
    terms: bool,
    depth: int,
    binding: ast.stmt | None,
    bound: ast.expr | None,
) -> list[Origin] | None:
    if depth > MAX_DEPTH:
        return None
    if literal_tail(node) is not None:
        return [Origin(index, parsed, node, node, names, binding, bound)]
    if isinstance(node, ast.Name):
        return _follow_name(ctx, index, parsed, node.id, use, names + (node.id,), terms, depth)
    term = _ending_term(node) if terms else None
    if term is not None:
        return _follow(ctx, index, parsed, term, use, names, terms, depth + 1, binding, bound)
    return [Origin(index, parsed, node, None, names, binding, bound)]


def _follow_name(
    ctx: CellContext,
    index: int | None,
    parsed: ParsedCell,
    name: str,
    use: ast.AST,
    names: tuple[str, ...],
    terms: bool,
    depth: int,
) -> list[Origin] | None:
    tree = parsed.tree
    if tree is None:
        return None
    func = _enclosing_function(tree, use)
    if func is not None:
        if any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
               for n in walk(func)):  # fmt: skip
            return None  # a local of the function: not followed
        if name in _parameters(func):
            if index is not None:
                return None
            sites = _parameter_arguments(tree, func, name)
            out: list[Origin] = []
            for site in sites:
                got = _follow(ctx, index, parsed, site, site, names, terms, depth + 1, None, None)
                if not got:
                    return None
                out.extend(got)
            return out or None
    loop = _enclosing_loop(tree, use, name) if index is None and func is None else None
    if loop is not None:  # `for m in ['acc', 'loss']: … m …`: each value the loop gives
        out = []
        for element in loop:
            got = _follow(ctx, index, parsed, element, element, names, terms, depth + 1, None, None)
            if not got:
                return None
            out.extend(got)
        return out
    bound = bindings(tree, name)
    if func is None:
        bound = [(s, v) for s, v in bound if before(s, use)]
    if bound:
        stmt, value = bound[-1]
        if value is None:
            return None
        return _follow(ctx, index, parsed, value, stmt, names, terms, depth + 1, stmt, value)
    start = len(ctx.earlier) if index is None else index
    for i in range(start - 1, -1, -1):
        cell = parsed_source(ctx.earlier[i])
        found_here = bindings(cell.tree, name) if cell.tree is not None else []
        if found_here:
            stmt, value = found_here[-1]
            if value is None:
                return None
            return _follow(ctx, i, cell, value, stmt, names, terms, depth + 1, stmt, value)
    return None


def _enclosing_loop(tree: ast.AST, use: ast.AST, name: str) -> list[ast.expr] | None:
    """The values of the innermost ``for name in <list, tuple or set display>`` of the cell's
    top level whose body holds ``use``; None when no such loop binds ``name`` there (a loop
    over anything else binds it by a value not followed)."""
    line = getattr(use, "lineno", 0)
    found = None
    for node in walk(tree):
        if not isinstance(node, ast.For) or not node.body:
            continue
        if not (node.body[0].lineno <= line <= (node.end_lineno or 0)):
            continue
        if _stores(node.target, name):
            found = node  # walk goes outside in: the last one holding the use is the innermost
    if found is None:
        return None
    if isinstance(found.target, ast.Name) and isinstance(found.iter, (ast.List, ast.Tuple, ast.Set)):
        return list(found.iter.elts)
    return []  # bound by the loop, by values not followed


def _parameters(func: ast.AST) -> list[str]:
    args = getattr(func, "args", None)
    if args is None:
        return []
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]


def _parameter_arguments(tree: ast.AST, func: ast.AST, name: str) -> list[ast.expr]:
    """What each call of ``func`` in the cell passes for its parameter ``name`` (a method called
    as ``obj.method(…)`` skips ``self``); empty when it is not called, or a call passes it in a
    way not readable here (``*args``, left to its default)."""
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
        given = next((k.value for k in call.keywords if k.arg == name), None)
        if given is None and position is not None and 0 <= position < len(call.args):
            given = call.args[position]
        if given is None:
            return []
        out.append(given)
    return out


def _live_agrees(ctx: CellContext, found: list[Origin]) -> bool:
    """An origin in an earlier cell, reached from a name the cell reads at its top level: the
    name's value in the live namespace must end as the literal says (else the source misleads:
    a cell that failed before the assignment, a branch not taken)."""
    namespace = ctx.namespace
    if namespace is None:
        return True
    for origin in found:
        if origin.here or not origin.names or origin.tail is None:
            continue
        live = namespace.get(origin.names[0])
        if live is None:
            return False
        try:
            text = live if isinstance(live, str) else _fspath(live)
        except Exception:
            continue
        if text is None:
            continue
        end = _fixed_end(origin.tail)
        if end and not text.endswith(end):
            return False
    return True


def _fspath(value: object) -> str | None:
    import os

    if isinstance(value, os.PathLike):
        path = os.fspath(value)
        return path if isinstance(path, str) else None
    return None


def _fixed_end(tail: str) -> str:
    """The end of a literal that no placeholder fills (after the last ``}`` or ``%`` field)."""
    import re

    return re.split(r"[{}%]", tail)[-1]
