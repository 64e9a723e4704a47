"""Error rule: the file a model drawing should have written is missing, because pydot or the
Graphviz program ``dot`` is.

``plot_model(model, to_file='model.png')`` then ``plt.imread('model.png')`` (or
``Image('model.png')``): in a notebook, Keras's ``plot_model`` without pydot, or without ``dot``,
prints its advice and returns, so the error comes later, from the line that reads the picture:
"No such file or directory: 'model.png'". The cause is the missing package, not the path. Facts:
the exception's file name; a ``plot_model``/``model_to_dot`` call in this cell or an earlier one
whose file (``to_file``, the second argument, else the live function's default) is that path; and
pydot absent from this interpreter, or ``dot`` from the ``PATH``.

The statements that only show the picture (the one that reads it, those that read what it bound,
the matplotlib / IPython display calls among them) run when the picture exists: nothing the code
computes changes, and the same lines show it once the drawing is made. Where the statements after
them read a name they bind, or one of them is not display, the finding advises the install and
rewrites nothing.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import shutil
import types

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.indentation import indent_of, nested
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    callee_name,
    insertion_line,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "drawing-file-without-package"
PROGRAM_ENTRY = "drawing-file-without-graphviz"
# the packages whose functions and classes only show (a call of one is display, not computation)
SHOWS = ("matplotlib", "IPython", "seaborn", "PIL")
READERS = frozenset({"open", "print", "len"})  # builtins that read or show
NO_SUCH_FILE = re.compile(r"No such file or directory: '([^']+)'")


@rule(ENTRY, when=(ERROR,), family="packages", errors=("FileNotFoundError",))
def drawing_file(ctx: CellContext) -> list[Problem]:
    """The missing file is the file of a drawing call, and its package (or ``dot``) is missing:
    the statements that show it wait for it."""
    missing = getattr(ctx.exc, "filename", None)
    if missing is None:  # IPython's Image raises it with the name in its message only
        named = NO_SUCH_FILE.search(ctx.message)
        missing = named.group(1) if named else None
    entry = find_entry(ENTRY)
    if not isinstance(missing, str) or entry is None:
        return []
    package = entry.data.get("package", "pydot")
    if not live.top_exists(package):
        entry_id, absent = ENTRY, package
    elif shutil.which("dot") is None:
        entry_id, absent = PROGRAM_ENTRY, "dot"
    else:
        return []
    name = _drawing_call(ctx, missing, set(entry.data.get("functions", ())))
    if name is None:
        return []
    edits = _shown_when_drawn(ctx, missing) or []
    problem = from_entry(entry_id, ctx.line or 1, edits, [name, missing], ctx.shown_versions,
                         name=name, path=missing, package=package, program=absent)  # fmt: skip
    problem.certain = bool(edits)  # only the showing waits: nothing computed changes
    return [problem]


def _drawing_call(ctx: CellContext, missing: str, functions: set[str]) -> str | None:
    """The name of the drawing function a call of this cell or an earlier one writes the missing
    file with, else None."""
    for index, parsed in cells(ctx):
        for call in walk(parsed.tree) if parsed.tree is not None else ():
            if not isinstance(call, ast.Call):
                continue
            name = callee_name(call)
            if name not in functions:
                continue
            target = next((k.value for k in call.keywords if k.arg == "to_file"), None)
            if target is None and len(call.args) > 1:
                target = call.args[1]
            if target is None:
                written = _default_file(ctx, call)
            else:
                written = string_value(ctx, target) if index is None else _literal(target)
            if written is not None and _same_file(written, missing):
                return name
    return None


def _default_file(ctx: CellContext, call: ast.Call) -> str | None:
    """The file the live drawing function writes when the call names none (Keras: model.png)."""
    found = ctx.scope.callee(call.func)
    function = found[0] if found else None
    try:
        parameter = inspect.signature(function).parameters.get("to_file") if callable(function) else None  # fmt: skip
    except (TypeError, ValueError):
        return None
    default = parameter.default if parameter is not None else None
    return default if isinstance(default, str) else None


def _shown_when_drawn(ctx: CellContext, missing: str) -> list[Edit] | None:
    """The edits that run the statements showing the picture only when it exists: the statement
    of the failing line (it reads the file), the statements after it that read what those bind
    or only display; None when a later statement needs what they bind, or the text cannot be
    moved as it is."""
    parsed = ctx.cell
    found = _statement_at(parsed.tree, ctx.line) if parsed.tree is not None and ctx.line else None
    if found is None:
        return None
    body, index = found
    first = body[index]
    if not _names_the_file(ctx, first, missing) or not _shows_only(ctx, first, set()):
        return None
    region, bound = [first], _bound(first)
    for stmt in body[index + 1 :]:
        # a later statement reads what the ones before bound, or displays (``plt.figure()``)
        if not (_shows_only(ctx, stmt, bound) and (_reads(stmt) & bound or _shows_only(ctx, stmt, set(), readers=False))):  # fmt: skip
            break
        region.append(stmt)
        bound |= _bound(stmt)
    after = body[index + len(region) :]
    if any(_reads(stmt) & bound for stmt in after):
        return None
    guard = f"os.path.exists({missing!r})"
    last = region[-1]
    if len(region) == 1 and isinstance(first, ast.Expr) and body is parsed.tree.body and not after:  # type: ignore[union-attr]
        text = node_text(parsed, first.value)  # a cell's last value is shown: it still is
        edit = node_edit(parsed, first.value, f"{text} if {guard} else None") if text else None
    else:
        edit = _wrapped(parsed, first, last, guard)
    if edit is None:
        return None
    edits = [edit]
    if not _os_bound(ctx):
        at = insertion_line(parsed)
        edits.insert(0, Edit(at, 0, at, 0, "import os\n"))
    return edits


def _wrapped(parsed: ParsedCell, first: ast.stmt, last: ast.stmt, guard: str) -> Edit | None:
    """The statements ``first`` to ``last`` indented under ``if guard:`` (None when a string
    literal spans lines: indenting it would change it)."""
    lines = parsed.source.splitlines()
    end = last.end_lineno or last.lineno
    block = lines[first.lineno - 1 : end]
    if any('"""' in line or "'''" in line for line in block):
        return None
    indent = indent_of(parsed, first)
    moved = "\n".join(nested(indent, line) for line in block)
    return Edit(first.lineno, 0, end, len(lines[end - 1]), f"{indent}if {guard}:\n{moved}")


def _statement_at(tree: ast.AST | None, line: int) -> tuple[list[ast.stmt], int] | None:
    """The innermost statement list holding a statement that spans ``line``, and its index."""
    found = None
    for node in walk(tree) if tree is not None else ():
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            for i, stmt in enumerate(body):
                if isinstance(stmt, ast.stmt) and stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):  # fmt: skip
                    if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        found = (body, i)  # walk goes outer first: the last found is innermost
    return found


def _names_the_file(ctx: CellContext, stmt: ast.stmt, missing: str) -> bool:
    """Does the statement name the missing file (a literal, a name holding it)?"""
    for node in walk(stmt):
        if isinstance(node, (ast.Constant, ast.Name, ast.BinOp, ast.JoinedStr)):
            value = string_value(ctx, node) if not isinstance(node, ast.JoinedStr) else None
            if value is not None and _same_file(value, missing):
                return True
    return False


def _shows_only(ctx: CellContext, stmt: ast.stmt, bound: set[str], readers: bool = True) -> bool:
    """Does the statement only read or show the picture: an expression or an assignment to
    names, every call in it made on matplotlib, IPython's display and the like (read from the
    live object its first name is bound to), on what the statements before bound, or a builtin
    that reads (``open``, ``print``, ``len``; not with ``readers`` False)."""
    if isinstance(stmt, ast.Assign):
        if not all(isinstance(t, ast.Name) for t in stmt.targets):
            return False
    elif not isinstance(stmt, ast.Expr):
        return False
    calls = [n for n in walk(stmt) if isinstance(n, ast.Call)]
    return bool(calls) and all(_showing_call(ctx, call, bound, readers) for call in calls)


def _showing_call(ctx: CellContext, call: ast.Call, bound: set[str], readers: bool) -> bool:
    root = call.func
    while isinstance(root, (ast.Attribute, ast.Call, ast.Subscript)):
        root = root.func if isinstance(root, ast.Call) else root.value
    if not isinstance(root, ast.Name):
        return False
    if root.id in bound or (readers and root.id in READERS and root.id not in ctx.live_names):
        return True
    value = ctx.live_names.get(root.id)
    home = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)  # fmt: skip
    return isinstance(home, str) and home.split(".")[0] in SHOWS


def _bound(stmt: ast.stmt) -> set[str]:
    return {n.id for n in walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _reads(stmt: ast.stmt) -> set[str]:  # the names a statement reads
    return {n.id for n in walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _os_bound(ctx: CellContext) -> bool:
    return ctx.live_names.get("os") is os or ctx.scope.bindings.get("os") == "os"


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _same_file(written: str, missing: str) -> bool:
    return os.path.normpath(os.path.abspath(written)) == os.path.normpath(os.path.abspath(missing))
