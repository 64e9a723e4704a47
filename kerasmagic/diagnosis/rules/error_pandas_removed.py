"""Error rule: pandas methods that Keras-2-era notebooks used to prepare their data and log their
results, which pandas has removed (1.0: ``as_matrix``, ``get_values``, ``.ix``; 2.0: ``append``,
``read_csv(squeeze=…)``). Colab and every TensorFlow of today bring a pandas without them.

The evidence is the live object: the ``AttributeError`` was raised on a ``DataFrame`` or a
``Series`` (``exc.obj``), and the receiver of each rewritten call is one in the kernel (a name the
namespace binds to it), so a ``list.append`` is never touched. Each is rewritten as pandas's
deprecation said, keeping what the old method did:

- ``X.as_matrix()`` → ``X.values`` (``as_matrix(columns)`` → ``X[columns].values``);
- ``X.get_values()`` → ``X.to_numpy()``;
- ``X.append(other, …)`` → ``pd.concat([X, other], …)``, a ``dict`` row as a one-row frame
  (``pd.DataFrame([row])``), a ``Series`` row as its transposed frame, as ``append`` made them;
- ``X.ix[key]`` → ``X.loc[key]`` where ``X``'s index holds integers (``.ix`` was then label-based
  only) or every part of the key is a label string; ``X.iloc[key]`` where the index holds no
  integers and every part of the key is an integer position; anything else is explained only;
- ``pd.read_csv(…, squeeze=True)`` → ``pd.read_csv(…).squeeze("columns")``;
- a method pandas removed for another name of it (the catalogue's ``to``: 2.0's ``iteritems`` →
  ``items``, ``is_monotonic`` → ``is_monotonic_increasing``; 1.0's ``valid`` → ``dropna``): the
  other name, called or read as the old one was (``Series.reshape`` → ``.values.reshape``, the
  array's method it called);
- 1.3's ``read_csv(error_bad_lines=False, warn_bad_lines=…)`` (removed in 2.0) →
  ``on_bad_lines='warn'`` or ``'skip'``, what the two said together;
- 1.0's ``X.get_value(row, col)`` → ``X.at[row, col]``; ``X.set_value(row, col, v)`` as a
  statement → ``X.at[row, col] = v``.
"""

from __future__ import annotations

import ast
import re
import sys
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, parent_map, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "pandas-removed-api"
RENAMED = ("iteritems", "is_monotonic", "valid", "reshape")  # the catalogue's entries with a ``to``
CELLS = ("get_value", "set_value")  # one cell read or written: ``.at[…]``
METHODS = ("as_matrix", "get_values", "append", "ix", *RENAMED, *CELLS)
PANDAS_ONLY = ("as_matrix", "get_values")  # no other library's objects have these methods
READERS = re.compile(r"^(?P<reader>read_csv|read_table|read_excel)\(\) got an unexpected keyword argument '(?P<keyword>squeeze|error_bad_lines|warn_bad_lines)'")  # fmt: skip
BAD_LINES = ("error_bad_lines", "warn_bad_lines")


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("AttributeError", "TypeError"), needs=(r"\bas_matrix", r"\bget_values", r"\.append", r"\.ix\b", r"squeeze", "bad_lines", *(rf"\.{m}\b" for m in (*RENAMED, *CELLS))))  # fmt: skip
def pandas_removed(ctx: CellContext) -> list[Problem]:
    """The cell's uses of the removed pandas method the error names, on pandas objects."""
    pandas = sys.modules.get("pandas")
    tree = ctx.cell.tree
    if tree is None or pandas is None:
        return []
    if ctx.error_type == "TypeError":
        found = READERS.search(ctx.message or "")
        if found is None:
            return []
        if found["keyword"] in BAD_LINES:
            return _bad_lines(ctx, tree, found["reader"])
        return _squeezed(ctx, tree, found["reader"])
    name = getattr(ctx.exc, "name", None)
    if name not in METHODS or not isinstance(getattr(ctx.exc, "obj", None), (pandas.DataFrame, pandas.Series)):  # fmt: skip
        return []
    concat = ctx.scope.expr_for("pandas.concat")
    frame = ctx.scope.expr_for("pandas.DataFrame")
    edits: list[Edit] = []
    parents = parent_map(tree)
    for node in walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == name and isinstance(node.ctx, ast.Load)):  # fmt: skip
            continue
        receiver = _live(ctx, node.value, pandas)
        if receiver is None and _held_elsewise(ctx, node.value):
            continue  # a name the kernel binds to something else (a list's append)
        if receiver is None and node.lineno in ctx.failing_lines:
            receiver = ctx.exc.obj  # the object the error was raised on  # type: ignore[union-attr]
        if receiver is None and name in PANDAS_ONLY:
            receiver = pandas.DataFrame()  # a name only pandas has: any receiver is pandas's
        if receiver is None:
            continue
        edit = _rewrite(ctx, parents, node, receiver, pandas, concat, frame)
        if edit is not None:
            edits.append(edit)
    return [_problem(ctx, name, edits)] if edits else []


def _problem(ctx: CellContext, name: str, edits: list[Edit], shown: str | None = None) -> Problem:
    entry = find_entry(ENTRY)
    table: dict[str, Any] = entry.data.get("removed", {}) if entry is not None else {}
    removed = table.get(name, {})
    pandas = sys.modules.get("pandas")
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [name], ctx.shown_versions,
                         name=shown or name, removed_in=removed.get("in", "?"), instead=removed.get("instead", ""),
                         pandas=getattr(pandas, "__version__", "here"))  # fmt: skip
    problem.certain = True
    return problem


def _live(ctx: CellContext, node: ast.expr, pandas: Any) -> Any:
    """The DataFrame or Series ``node`` names in the kernel (a name, or a column of one:
    ``df['a']``), else None."""
    namespace = ctx.namespace or {}
    if isinstance(node, ast.Name):
        value = namespace.get(node.id)
    elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        frame, key = namespace.get(node.value.id), _constant(node.slice)
        try:  # the columns of an empty head: the type, no data copied
            value = frame.head(0)[key] if isinstance(frame, pandas.DataFrame) and key is not None else None  # fmt: skip
        except (KeyError, TypeError, ValueError):
            value = None
    else:
        value = None
    return value if isinstance(value, (pandas.DataFrame, pandas.Series)) else None


def _held_elsewise(ctx: CellContext, node: ast.expr) -> bool:
    """Is ``node`` a name the kernel binds to a value (that ``_live`` found not pandas's)?"""
    return isinstance(node, ast.Name) and node.id in (ctx.namespace or {})


def _constant(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.List) and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):  # fmt: skip
        return [e.value for e in node.elts]  # type: ignore[attr-defined]
    return None


def _rewrite(ctx: CellContext, parents: dict[int, ast.AST], node: ast.Attribute, receiver: Any, pandas: Any, concat: str | None, frame: str | None) -> Edit | None:  # fmt: skip
    """The edit for one use of the removed method ``node.attr`` on ``receiver``."""
    cell, base = ctx.cell, node_text(ctx.cell, node.value)
    parent = parents.get(id(node))
    if base is None:
        return None
    if node.attr == "ix":
        accessor = (
            _ix_accessor(parent, receiver, pandas) if isinstance(parent, ast.Subscript) else None
        )
        return node_edit(cell, node, f"{base}.{accessor}") if accessor else None
    if node.attr in RENAMED:
        entry = find_entry(ENTRY)
        new = (entry.data.get("removed", {}).get(node.attr, {}) if entry is not None else {}).get("to")  # fmt: skip
        return node_edit(cell, node, f"{base}.{new}") if new else None
    call = parent if isinstance(parent, ast.Call) and parent.func is node else None
    if call is None:
        return None
    if node.attr == "as_matrix":
        columns = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "columns"), None)  # fmt: skip
        selected = f"{base}[{node_text(cell, columns)}]" if columns is not None else base
        return node_edit(cell, call, f"{selected}.values") if not call.keywords or columns is not None else None  # fmt: skip
    if node.attr == "get_values":
        return node_edit(cell, call, f"{base}.to_numpy()") if not call.args and not call.keywords else None  # fmt: skip
    if node.attr in CELLS:
        return _at(cell, call, base, node.attr == "set_value", parents.get(id(call)))
    return _appended(ctx, call, base, receiver, pandas, concat, frame)


def _at(cell: Any, call: ast.Call, base: str, sets: bool, statement: ast.AST | None) -> Edit | None:
    """``X.get_value(row, col)`` → ``X.at[row, col]``; ``X.set_value(row, col, v)``, a statement
    of its own, → ``X.at[row, col] = v`` (the cell they read and wrote; a ``takeable=`` or a
    ``set_value`` whose returned object is used is left alone)."""
    args = [node_text(cell, a) for a in call.args]
    if call.keywords or None in args or len(args) < (2 if sets else 1):
        return None
    if not sets:
        return node_edit(cell, call, f"{base}.at[{', '.join(args)}]")  # type: ignore[arg-type]
    if not isinstance(statement, ast.Expr):
        return None
    return node_edit(cell, call, f"{base}.at[{', '.join(args[:-1])}] = {args[-1]}")  # type: ignore[arg-type]


def _appended(ctx: CellContext, call: ast.Call, base: str, receiver: Any, pandas: Any, concat: str | None, frame: str | None) -> Edit | None:  # fmt: skip
    """``X.append(other, …)`` as ``pd.concat([X, other], …)``, a row made a one-row frame."""
    if concat is None or not call.args or len(call.args) > 1:
        return None
    other = call.args[0]
    text = node_text(ctx.cell, other)
    if text is None:
        return None
    kind = _kind_of(ctx, other, pandas)
    if kind == "dict" and isinstance(receiver, pandas.DataFrame) and frame is not None:
        text = f"{frame}([{text}])"
    elif kind == "series" and isinstance(receiver, pandas.DataFrame):
        text = f"{text}.to_frame().T"
    elif kind == "list":
        text = f"*{text}"
    elif kind not in ("frame", "series"):
        return None
    keywords = [node_text(ctx.cell, k) for k in call.keywords]
    if any(k is None for k in keywords):
        return None
    rest = "".join(f", {k}" for k in keywords)
    return node_edit(ctx.cell, call, f"{concat}([{base}, {text}]{rest})")


def _kind_of(ctx: CellContext, node: ast.expr, pandas: Any) -> str | None:
    """What ``node`` is: a ``dict``, a ``series``, a ``frame``, a ``list`` (of frames or series), from
    its literal or the kernel's value of its name."""
    if isinstance(node, ast.Dict):
        return "dict"
    if isinstance(node, ast.List):
        return "list"
    path = ctx.scope.bound_path(node.func) if isinstance(node, ast.Call) else None
    if path in ("pandas.Series", "pandas.DataFrame"):
        return "series" if path == "pandas.Series" else "frame"
    value = (ctx.namespace or {}).get(node.id) if isinstance(node, ast.Name) else None
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, pandas.Series):
        return "series"
    if isinstance(value, pandas.DataFrame):
        return "frame"
    if isinstance(value, list) and value and all(isinstance(v, (pandas.Series, pandas.DataFrame)) for v in value):  # fmt: skip
        return "list"
    return None


def _ix_accessor(subscript: ast.Subscript, receiver: Any, pandas: Any) -> str | None:
    """``loc`` or ``iloc``: what ``.ix[key]`` did on ``receiver``'s index, or None when it mixed."""
    parts = subscript.slice.elts if isinstance(subscript.slice, ast.Tuple) else [subscript.slice]
    kinds = {_key_kind(p) for p in parts}
    integer_index = pandas.api.types.is_integer_dtype(receiver.index.dtype)
    if integer_index or kinds == {"label"}:
        return "loc"  # .ix on an integer index was label-based only
    if kinds == {"position"} and len(parts) <= (2 if isinstance(receiver, pandas.DataFrame) else 1):
        return "iloc"  # no integer in the index: .ix took integers as positions
    return None


def _key_kind(node: ast.AST) -> str | None:
    def kind(value: Any) -> str | None:
        if isinstance(value, bool):
            return None
        return "position" if isinstance(value, int) else "label" if isinstance(value, str) else None

    if isinstance(node, ast.Constant):
        return kind(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):  # fmt: skip
        return kind(node.operand.value)
    if isinstance(node, ast.Slice):
        kinds = {_key_kind(n) for n in (node.lower, node.upper) if n is not None}
        return kinds.pop() if len(kinds) == 1 and node.step is None else None
    return None


def _bad_lines(ctx: CellContext, tree: ast.AST, reader: str) -> list[Problem]:
    """``pd.read_csv(…, error_bad_lines=False)`` → ``on_bad_lines='warn'`` (pandas 1.x's default
    ``warn_bad_lines=True`` warned of each line it skipped), ``'skip'`` with
    ``warn_bad_lines=False``; ``error_bad_lines=True`` is the default, left out."""
    edits: list[Edit] = []
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and ctx.scope.bound_path(call.func) == f"pandas.{reader}"):  # fmt: skip
            continue
        given = {k.arg: k.value for k in call.keywords if k.arg in BAD_LINES}
        if not given or not all(isinstance(v, ast.Constant) and isinstance(v.value, bool) for v in given.values()):  # fmt: skip
            continue
        errors = given.get("error_bad_lines", ast.Constant(True)).value  # type: ignore[attr-defined]
        warns = given.get("warn_bad_lines", ast.Constant(True)).value  # type: ignore[attr-defined]
        choice = None if errors else ("warn" if warns else "skip")
        func = node_text(ctx.cell, call.func)
        args = [node_text(ctx.cell, a) for a in call.args] + [node_text(ctx.cell, k) for k in call.keywords if k.arg not in BAD_LINES]  # fmt: skip
        if func is None or None in args:
            continue
        args += [f"on_bad_lines={choice!r}"] if choice else []
        edit = node_edit(ctx.cell, call, f"{func}({', '.join(args)})")  # type: ignore[arg-type]
        if edit is not None:
            edits.append(edit)
    return (
        [_problem(ctx, "error_bad_lines", edits, f"{reader}(error_bad_lines=…)")] if edits else []
    )


def _squeezed(ctx: CellContext, tree: ast.AST, reader: str) -> list[Problem]:
    """``pd.read_csv(…, squeeze=True)`` → ``pd.read_csv(…).squeeze("columns")``."""
    edits: list[Edit] = []
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and ctx.scope.bound_path(call.func) == f"pandas.{reader}"):  # fmt: skip
            continue
        squeeze = next((k for k in call.keywords if k.arg == "squeeze"), None)
        if squeeze is None or not isinstance(squeeze.value, ast.Constant):
            continue
        func = node_text(ctx.cell, call.func)
        args = [node_text(ctx.cell, a) for a in call.args] + [node_text(ctx.cell, k) for k in call.keywords if k is not squeeze]  # fmt: skip
        if func is None or any(a is None for a in args):
            continue
        tail = '.squeeze("columns")' if squeeze.value.value else ""
        edit = node_edit(ctx.cell, call, f"{func}({', '.join(args)}){tail}")  # type: ignore[arg-type]
        if edit is not None:
            edits.append(edit)
    return [_problem(ctx, "squeeze", edits, f"{reader}(squeeze=…)")] if edits else []
