"""The statements of a cell's source that bind a name, and which of them come before a use.

Read from the source alone (``diagnosis/provenance.py`` follows values through them): an
assignment (to the name, a member of it, or by unpacking a literal tuple), an annotated one, an
import, a ``def`` or ``class``, and the bindings whose value is not followed (a loop's target,
``with … as``, ``+=``).
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.call_sites import stores
from kerasmagic.diagnosis.member_values import spelt, unpacked_element
from kerasmagic.diagnosis.rewrite import walk


def bindings(tree: ast.AST, name: str, *, mutations: bool = True) -> list[tuple[ast.stmt, ast.expr | None]]:  # fmt: skip
    """The statements of ``tree`` (a module, or a function's own body) outside the functions and
    classes it defines that bind ``name``, in source order, each with the value bound (None:
    bound otherwise, not followed). ``name`` may be a member (``args.out``). ``mutations``: an
    assignment to a member of it (``cfg['lr'] = …``) counts too, as a binding not followed."""
    out: list[tuple[ast.stmt, ast.expr | None]] = []

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if stmt.name == name:
                    out.append((stmt, None))
                continue
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if spelt(target) == name:  # ``path = …``, ``args.out = …``
                        out.append((stmt, stmt.value))
                    elif (element := unpacked_element(target, stmt.value, name)) is not None:
                        out.append((stmt, element))  # ``lr, epochs = 0.01, 10``
                    elif stores(target, name) and (mutations or _rebinds(target, name)):
                        out.append((stmt, None))
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                if stmt.target.id == name and stmt.value is not None:
                    out.append((stmt, stmt.value))
            elif isinstance(stmt, ast.AugAssign) and stores(stmt.target, name):
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

    if isinstance(tree, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)):
        visit(tree.body)  # a function's: its own statements, where its locals are bound
    return out


def _rebinds(target: ast.expr, name: str) -> bool:
    """Does the assignment target bind the name itself (not a member of its value)?"""
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in walk(target))  # fmt: skip


def _binds_otherwise(stmt: ast.stmt, name: str) -> bool:
    """A loop's target or a ``with … as`` name: bound, by a value not followed."""
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return stores(stmt.target, name)
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return any(
            i.optional_vars is not None and stores(i.optional_vars, name) for i in stmt.items
        )
    return False


def made_before(tree: ast.AST, use: ast.Name) -> list[ast.expr | None]:
    """The values ``tree`` binds ``use``'s name to before the use, in order (None: bound
    otherwise): in the statements of the function holding the use when it binds the name (a
    local of a script's ``main()``), else at ``tree``'s top level."""
    return [value for stmt, value in scope_bindings(tree, use.id, use, mutations=False) if before(stmt, use)]  # fmt: skip


def before(stmt: ast.AST, use: ast.AST) -> bool:
    end = (getattr(stmt, "end_lineno", 0) or 0, getattr(stmt, "end_col_offset", 0) or 0)
    return end <= (getattr(use, "lineno", 0), getattr(use, "col_offset", 0))


def holding_functions(tree: ast.AST | None, line: int) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:  # fmt: skip
    """The functions of ``tree`` whose body holds ``line``, the innermost first."""
    found = [
        f for f in walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        and f.lineno < line <= (f.end_lineno or f.lineno)
    ] if tree is not None else []  # fmt: skip
    return sorted(found, key=lambda f: f.lineno, reverse=True)


def scope_bindings(tree: ast.AST | None, name: str, use: ast.AST, *, mutations: bool = True) -> list[tuple[ast.stmt, ast.expr | None]]:  # fmt: skip
    """``bindings`` of ``name`` where ``use`` reads it: the own statements of the innermost
    function of ``tree`` holding the use that binds the name (a local of a script's ``main()``,
    or of the function around a closure), else ``tree``'s top level."""
    for function in holding_functions(tree, getattr(use, "lineno", 0)):
        local = bindings(function, name, mutations=mutations)
        if local:
            return local
    return bindings(tree, name, mutations=mutations) if tree is not None else []
