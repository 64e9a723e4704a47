"""The value an argument of the cell is known to have, however it is written.

A rule that reads a keyword's value (``period=1``, ``threshold='nan'``, ``epsilon=None``,
``dim_ordering='tf'``, ``metrics='accuracy'``) meets it as a literal in the call, or as a name or
member bound cells earlier (``period = 1`` in a settings cell, ``args.period``,
``config['metrics']``), or bound earlier in the same cell. :func:`known_value` gives the value in
each case, read without running anything of the user's:

- a literal (numbers, strings, ``None``, ``True``, tuples and lists of them, ``-1``): its value;
- a name or member the cell binds before the use: the value of the cell's last top-level plain
  assignment to it, when that is a literal (anything else, a loop or a call: unknown); a local
  of the function the use is in (a script's ``main()``), the same among that function's own
  statements; a parameter of it: the one literal every call of the function in this cell and
  the later ones passes (its default where a call leaves it out);
- a name or member the cell does not bind: what the kernel holds for it (``member_values.
  live_member``: names, an object's own attributes, a plain dict's items), when that is a plain
  value as above;
- a name or member of the statement that raised, whatever binds it (``args.period`` of a parser
  the cell made, a loop's variable): what it held when that statement ran, read from the
  namespace and the raising frame's locals (``CellContext.live_names``), when that is plain;
- else, where the source makes it (``provenance.origins``): an attribute another method of the
  class sets (``self.extract = True`` in ``__init__``), an argparse option's default, a dict's
  key, when every origin is the same plain literal.

Anything else is :data:`MISSING`. The rewrite stays where the value is read (the keyword of the
call), so the name, and any other use of it, keeps its value.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.call_sites import parameter_arguments, parameters_of
from kerasmagic.diagnosis.context import CellContext, statement_lines
from kerasmagic.diagnosis.member_values import MISSING, base_name, live_member, spelt
from kerasmagic.diagnosis.provenance import origins, parsed_source
from kerasmagic.diagnosis.rewrite import walk

PLAIN = (int, float, str, bool, type(None), bytes)


def known_value(ctx: CellContext, node: ast.expr | None, tree: ast.AST | None = None) -> Any:
    """The value ``node`` is known to have (see the module's doc); :data:`MISSING` otherwise.
    ``tree``: the cell ``node`` is in when it is one after this cell (``migrate`` holds them), read
    as that cell's own statements before the use, then this cell's (which runs first), then as
    what the kernel holds now."""
    found = _known_value(ctx, node, tree)
    if found is MISSING and node is not None and (tree is None or tree is ctx.cell.tree):
        return _made_as_literal(ctx, node)
    return found


def _made_as_literal(ctx: CellContext, node: ast.expr) -> Any:
    """The one plain literal where the source makes the value of ``node``, a name or member of
    this cell (``provenance.origins``: an attribute a method of the class sets, ``self.extract
    = True``; an argparse default; a dict's key set cells earlier); MISSING otherwise."""
    if not isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
        return MISSING
    values = [_literal(o.value) for o in origins(ctx, node, terms=False)]
    if not values or any(v is MISSING or v != values[0] for v in values) or not _plain(values[0]):
        return MISSING
    return values[0]


def _known_value(ctx: CellContext, node: ast.expr | None, tree: ast.AST | None) -> Any:
    if node is None:
        return MISSING
    if (written := _literal(node)) is not MISSING:
        return written
    text = spelt(node)
    if text is None:
        return MISSING
    later = tree is not None and tree is not ctx.cell.tree
    tree = tree if later else ctx.cell.tree
    if not later and tree is not None and ctx.line is not None and node.lineno in statement_lines(tree, ctx.line):
        value = live_member(ctx.live_names or {}, text)  # what the failing statement was given
        if value is not MISSING and _plain(value):
            return value
    scope = _function_binding(tree, base_name(text), node) if tree is not None else None
    if scope is not None:  # a local of the function the use is in: its own statements
        value = _assigned_before(scope, text, node.lineno)
        if value is MISSING and text in parameters_of(scope):
            return _passed(ctx, scope, text)  # a parameter: what the function's calls pass
        return value
    if tree is not None and bound_in(tree, base_name(text)):
        return _assigned_before(tree, text, node.lineno)
    if later and ctx.cell.tree is not None and bound_in(ctx.cell.tree, base_name(text)):
        return _assigned_before(ctx.cell.tree, text, None)  # this cell, which runs before it
    value = live_member((ctx.namespace if later else ctx.live_names) or {}, text)
    return value if _plain(value) else MISSING


def _passed(ctx: CellContext, func: ast.AST, name: str) -> Any:
    """The one literal every call of ``func`` (a function of this cell or a later one) in this
    cell and the later ones passes for its parameter ``name`` (its default where a call leaves
    it); MISSING where no call is seen."""
    trees = [ctx.cell.tree, *(parsed_source(source).tree for source in ctx.later)]
    given = [a for t in trees if t is not None for a in parameter_arguments(t, func, name)]
    values = [_literal(a) for a in given]
    if not values or any(v is MISSING for v in values) or any(v != values[0] for v in values):
        return MISSING
    return values[0]


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return MISSING


def _plain(value: Any) -> bool:
    if isinstance(value, PLAIN):
        return True
    return isinstance(value, (tuple, list)) and len(value) <= 64 and all(isinstance(v, PLAIN) for v in value)


def bound_in(tree: ast.AST, name: str) -> bool:
    """Does the cell bind ``name`` anywhere (an assignment, a loop, an import, a definition)?"""
    for node in walk(tree):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name.split(".")[0]) == name for a in node.names):
                return True
    return False


def _function_binding(tree: ast.AST, name: str, use: ast.expr) -> ast.AST | None:
    """The innermost function of the cell that holds ``use`` and binds ``name`` in its own
    statements (a local of a script's ``main()``); None when there is none."""
    found = None
    for node in walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno < use.lineno <= (node.end_lineno or 0):  # fmt: skip
            own = [s for s in node.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]  # fmt: skip
            if any(bound_in(s, name) for s in own) or name in {a.arg for a in node.args.args}:
                found = node  # walk goes outside in: the last one is the innermost
    return found


def _assigned_before(tree: ast.AST, text: str, line: int | None) -> Any:
    """The literal the cell's last top-level ``text = <literal>`` before ``line`` (None: in the
    whole cell) assigns, when nothing else in the cell binds the name it starts from;
    :data:`MISSING` otherwise."""
    name = base_name(text)
    found: Any = MISSING
    for stmt in getattr(tree, "body", []):
        if line is not None and stmt.lineno >= line:
            break
        targets = stmt.targets if isinstance(stmt, ast.Assign) else []
        if len(targets) == 1 and spelt(targets[0]) == text:
            try:
                found = ast.literal_eval(stmt.value)  # type: ignore[attr-defined]
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return MISSING
            continue
        if bound_in(stmt, name):
            found = MISSING  # bound otherwise: a loop, an import, an unpacking, a call's result
    return found
