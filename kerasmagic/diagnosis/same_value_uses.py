"""The other reads of a value that a rule changed where it is used, not where it is made.

When a path's origin cannot be followed (``self.target`` set from an argument of a class made in
another cell, ``CONFIG['weights']`` filled by a call), a rule changes the value at the use:
``save_weights(self.target[: -len('.h5')] + '.weights.h5')``. A load of the same expression in
the same cell (``load_weights(self.target)`` in another method) reads the file the save wrote
under its old name; it gets the same change, so the save and the load still agree. Two reads are
of the same value when they are written the same and read the same binding: an attribute of
``self`` in the same class, a name (or a chain of one) that no function around either read binds
(a global), or any expression inside one function. Nothing is evaluated.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.call_sites import binds
from kerasmagic.diagnosis.member_values import base_name, spelt
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit, walk

SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def same_value_edits(cell: ParsedCell, changed: list[tuple[ast.expr, Edit]], reads: list[ast.expr]) -> list[Edit]:  # fmt: skip
    """Edits giving each of ``reads`` (arguments of the cell's loads) the change ``changed``
    made at the use of the same value (an argument and the edit that replaced it whole)."""
    tree = cell.tree
    if tree is None:
        return []
    out: list[Edit] = []
    for read in reads:
        for used, edit in changed:
            if (
                read is used
                or ast.dump(read) != ast.dump(used)
                or not _same_binding(tree, used, read)
            ):
                continue
            span = node_edit(cell, read, edit.text)
            if span is not None and span not in out:
                out.append(span)
            break
    return out


def replaced_whole(cell: ParsedCell, node: ast.expr, edits: list[Edit]) -> Edit | None:
    """The edit of this cell that replaces exactly ``node``'s text, if any."""
    span = node_edit(cell, node, "")
    if span is None:
        return None
    where = (span.line, span.col, span.end_line, span.end_col)
    return next((e for e in edits if e.cell is None and (e.line, e.col, e.end_line, e.end_col) == where), None)  # fmt: skip


def _same_binding(tree: ast.AST, a: ast.expr, b: ast.expr) -> bool:
    text = spelt(a)
    if text is None:
        return False
    root = base_name(text)
    if root == "self":
        return _innermost(tree, a, (ast.ClassDef,)) is _innermost(tree, b, (ast.ClassDef,)) is not None  # fmt: skip
    scope_a, scope_b = _innermost(tree, a, SCOPES), _innermost(tree, b, SCOPES)
    if scope_a is scope_b:
        return True
    return not any(s is not None and binds(s, root) for s in (scope_a, scope_b))


def _innermost(tree: ast.AST, node: ast.AST, kinds: tuple[type, ...]) -> ast.AST | None:
    inner = None
    for scope in walk(tree):
        if isinstance(scope, kinds) and any(n is node for n in ast.walk(scope)):
            if inner is None or scope.lineno >= inner.lineno:  # type: ignore[attr-defined]
                inner = scope
    return inner
