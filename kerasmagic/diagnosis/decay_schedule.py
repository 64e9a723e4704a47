"""An optimizer's ``decay=d`` kept as what it computed: Keras 2's time-based decay,
``lr / (1 + d * iterations)``, is the ``InverseTimeDecay`` schedule with ``decay_steps=1``.

Keras 2.11+ optimizers reject ``decay`` and Keras 3's accept it only to ignore it: dropping it
makes the code run and train at a constant rate, a wrong change. So the rate becomes the schedule
(``learning_rate=<keras>.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1,
decay_rate=d)``): in the call itself (:func:`decay_edits`), or in the dict unpacked into it,
where the dict is made (:func:`decay_in_dict`). A zero decay is dropped (it computed nothing):
a literal, or a name bound to zero in the cell or live. The schedule's path comes from the
catalogue entry ``optimizer-decay-removed``."""

from __future__ import annotations

import ast
import inspect

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.keras_paths import root_of
from kerasmagic.diagnosis.keyword_dicts import literal_keys
from kerasmagic.diagnosis.rewrite import (  # fmt: skip
    Edit,
    apply_edits,
    delete_keyword_edit,
    node_edit,
    node_text,
    single_assignment,
    walk,
)
from kerasmagic.diagnosis.value_transforms import Transform
from kerasmagic.knowledge.catalogue import entry as catalogue_entry

RATE_KEYS = ("learning_rate", "lr")
COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)


def schedule_path(root: str) -> str:
    """``<root>.optimizers.schedules.InverseTimeDecay``, from the catalogue."""
    return f"{root}.{catalogue_entry('optimizer-decay-removed').data['schedule']}"


def is_zero(value: ast.AST, ctx: CellContext | None = None) -> bool:
    """A zero decay, dropped as it changes nothing the optimizer computes: a literal ``0``/``0.0``,
    a name the cell binds once to one, or (bound in no line of the cell) whose live value is one."""
    if isinstance(value, ast.Name) and ctx is not None and ctx.cell.tree is not None:
        bound = single_assignment(ctx.cell.tree, value.id)
        if bound is not None:
            return is_zero(bound)
        if not _binds(ctx.cell.tree, value.id):
            live_value = (ctx.live_names or {}).get(value.id)
            return type(live_value) in (int, float) and live_value == 0
    return (
        isinstance(value, ast.Constant) and not isinstance(value.value, bool) and value.value == 0
    )


def _binds(tree: ast.AST, name: str) -> bool:
    """Does the cell bind ``name`` anywhere (an assignment, a parameter, an import …)?"""
    for node in walk(tree):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            return True
        if isinstance(node, ast.arg) and node.arg == name:
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name.split(".")[0]) == name for a in node.names):
                return True
    return False


def default_rate(path_or_class: object) -> float | None:
    """The live optimizer class's default ``learning_rate`` (the class, or its import path)."""
    cls = path_or_class
    if isinstance(path_or_class, str):
        status, cls = live.resolve_path(path_or_class)
        if status != live.OK:
            return None
    try:
        default = inspect.signature(cls).parameters["learning_rate"].default
    except (KeyError, TypeError, ValueError):
        return None
    number = isinstance(default, (int, float)) and not isinstance(default, bool)
    return float(default) if number else None


def bound_schedule(ctx: CellContext, path: str | None) -> tuple[str, str | None] | None:
    """The Keras root of ``path`` (the optimizer class), when its schedule resolves here, and how
    the cells' bindings name that schedule (None: no binding reaches it)."""
    root = root_of(path) if path else None
    if not root or live.resolve_path(schedule_path(root))[0] != live.OK:
        return None
    return root, ctx.scope.expr_for(schedule_path(root))


def schedule_expr(ctx: CellContext, call: ast.Call, path: str) -> tuple[str, list[Edit]] | None:
    """How the cell names the schedule of the Keras that ``path`` (the optimizer class) belongs
    to: through its bindings, else with ``import <top>; `` put before the statement."""
    found = bound_schedule(ctx, path)
    if found is None:
        return None
    root, expr = found
    if expr is not None:
        return expr, []
    imported = _import_before(ctx, call, root.split(".")[0])
    return (schedule_path(root), imported) if imported else None


def decay_edits(ctx: CellContext, call: ast.Call, kw: ast.keyword, path: str) -> list[Edit]:
    """``decay=d`` → the rate given (keyword, positional or the live default) wrapped in the
    schedule, ``decay`` removed; [] when the rate cannot be carried (dropping a non-zero decay
    would change how the model trains)."""
    removal = delete_keyword_edit(ctx.cell, call, kw)
    if removal is None:
        return []
    if is_zero(kw.value, ctx):
        return [removal]
    named = schedule_expr(ctx, call, path)
    decay_text = node_text(ctx.cell, kw.value)
    if named is None or decay_text is None:
        return []
    expr, imported = named
    lr_kw = next((k for k in call.keywords if k.arg in RATE_KEYS), None)
    if lr_kw is not None or call.args:
        rate = lr_kw.value if lr_kw is not None else call.args[0]
        spot = lr_kw if lr_kw is not None else call.args[0]
        lr_text, edit = node_text(ctx.cell, rate), node_edit(ctx.cell, spot, "")
        if lr_text is None or edit is None:
            return []
        new = f"{expr}({lr_text}, decay_steps=1, decay_rate={decay_text})"
        new = f"learning_rate={new}" if lr_kw is not None else new
        return [*imported, Edit(edit.line, edit.col, edit.end_line, edit.end_col, new), removal]
    default = default_rate(path)
    edit = node_edit(ctx.cell, kw, "")
    if default is None or edit is None:
        return []
    new = f"learning_rate={expr}({default!r}, decay_steps=1, decay_rate={decay_text})"
    return [*imported, Edit(edit.line, edit.col, edit.end_line, edit.end_col, new)]


def decay_in_dict(expr: str, default: float | None) -> Transform:
    """The dict unpacked into the optimizer (``{"learning_rate": 0.01, "decay": 1e-6}`` or
    ``dict(lr=…, decay=…)``) with its ``decay`` entry folded into the rate: the rate's value
    becomes ``expr(rate, decay_steps=1, decay_rate=decay)`` (the live default rate when the dict
    has none), the decay entry is removed. A dict made another way is left."""

    def value(text: str, _tail: str | None) -> str | None:
        try:
            node = ast.parse(text, mode="eval").body
        except SyntaxError:
            return None
        if isinstance(node, ast.Name):  # the name bound again from its live dict
            rate = f"{text}.get('learning_rate', {default!r})" if default is not None else f"{text}['learning_rate']"  # fmt: skip
            rest = f"{{k: v for k, v in {text}.items() if k not in ('decay', 'learning_rate')}}"
            schedule = f"{expr}({rate}, decay_steps=1, decay_rate={text}['decay'])"
            return f"{{**{rest}, 'learning_rate': {schedule}}}"
        keys = dict(literal_keys(node) or [])
        if "decay" not in keys:
            return None
        decay_value = _entry_value(node, keys["decay"])
        rate_key = next((k for k in RATE_KEYS if k in keys), None)
        decay_text = ast.get_source_segment(text, decay_value) if decay_value is not None else None
        if decay_text is None:
            return None
        if rate_key is None:
            if default is None:
                return None
            rate_value, rate_text = None, repr(default)
        else:
            rate_value = _entry_value(node, keys[rate_key])
            rate_text = ast.get_source_segment(text, rate_value) if rate_value is not None else None
            if rate_text is None:
                return None
        schedule = f"{expr}({rate_text}, decay_steps=1, decay_rate={decay_text})"
        if rate_value is not None:
            return _replaced(text, [(rate_value, schedule), (_entry_span(node, keys["decay"]), "")])
        key = "'learning_rate': " if isinstance(node, ast.Dict) else "learning_rate="
        return _replaced(text, [(_entry_span(node, keys["decay"]), key + schedule)])

    return Transform("have its `decay` carried by a learning-rate schedule", None, value)


def _entry_value(node: ast.expr, spelled: ast.AST) -> ast.expr | None:
    """The value of a dict display's key (its literal) or of ``dict(k=v)``'s keyword."""
    if isinstance(spelled, ast.keyword):
        return spelled.value
    if isinstance(node, ast.Dict):
        return next((v for k, v in zip(node.keys, node.values) if k is spelled), None)
    return None


def _entry_span(node: ast.expr, spelled: ast.AST) -> ast.AST:
    """What spans one entry: the keyword, or a dict display's key to its value (one node whose
    position runs from the key's start to the value's end)."""
    if isinstance(spelled, ast.keyword) or not isinstance(node, ast.Dict):
        return spelled
    value = _entry_value(node, spelled)
    span = ast.Constant(value=None)
    span.lineno, span.col_offset = spelled.lineno, spelled.col_offset  # type: ignore[attr-defined]
    span.end_lineno, span.end_col_offset = value.end_lineno, value.end_col_offset  # type: ignore[union-attr]
    return span


def _replaced(text: str, changes: list[tuple[ast.AST, str]]) -> str | None:
    """``text`` with each node's span replaced; an emptied entry takes its separating comma."""
    lines = text.splitlines(keepends=True)
    edits = []
    for node, new in changes:
        line, end_line = node.lineno, node.end_lineno  # type: ignore[attr-defined]
        col = len(lines[line - 1].encode()[: node.col_offset].decode())  # type: ignore[attr-defined]
        end = len(lines[end_line - 1].encode()[: node.end_col_offset].decode())  # type: ignore[attr-defined]
        if new == "":
            line, col, end_line, end = _with_comma(lines, line, col, end_line, end)
        edits.append(Edit(line, col, end_line, end, new))
    return apply_edits(text, edits)


def _with_comma(lines: list[str], line: int, col: int, end_line: int, end: int) -> tuple[int, int, int, int]:  # fmt: skip
    """The span of a removed entry widened over the comma after it (and the blanks up to the
    next entry), or over the comma before it when it is the last."""
    rest = lines[end_line - 1][end:]
    stripped = rest.lstrip(" ")
    if stripped.startswith(","):
        after = stripped[1:]
        return line, col, end_line, end + (len(rest) - len(stripped)) + 1 + (len(after) - len(after.lstrip(" ")))  # fmt: skip
    head = lines[line - 1][:col]
    trimmed = head.rstrip(" ")
    if trimmed.endswith(","):
        return line, len(trimmed) - 1, end_line, end
    return line, col, end_line, end


def _import_before(ctx: CellContext, call: ast.Call, top: str) -> list[Edit]:
    """``import <top>; `` in front of the simple statement holding ``call``, so the cell can name
    a path of ``top`` it has not bound; [] when ``top`` means something else in the cell."""
    if top in ctx.scope.user_bound or ctx.scope.bindings.get(top, top) != top:
        return []
    tree = ctx.cell.tree
    inner = None
    for node in walk(tree) if tree is not None else ():
        if (
            isinstance(node, ast.stmt)
            and node.lineno <= call.lineno
            and (node.end_lineno or node.lineno) >= (call.end_lineno or call.lineno)
            and (inner is None or node.lineno >= inner.lineno)
            and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        ):
            inner = node
    if inner is None or isinstance(inner, COMPOUND):
        return []
    at = node_edit(ctx.cell, inner, "")
    if at is None:
        return []
    return [Edit(at.line, at.col, at.line, at.col, f"import {top}; ")]
