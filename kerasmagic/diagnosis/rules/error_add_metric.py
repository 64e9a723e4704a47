"""Error rule: ``self.add_metric(…)`` in a layer's or a model's ``call`` (removed in Keras 3).

Keras 2 logged what ``add_metric`` was given as a metric of that name, averaged over the epoch
(a ``Mean``), or, given the result of a metric object's call, that metric itself. Keras 3 raises
"Layer `add_metric()` method is deprecated" and reports instead every metric object a layer or
model holds as an attribute (measured in TF 2.21 / Keras 3.15: a ``Mean`` set in ``__init__``
of a layer or a model appears in ``fit``'s logs under its name). So, in the function that raised
(read from the traceback, with its live ``self``):

- ``self.add_metric(self.m(x))`` where ``self.m`` is a live metric object → ``self.m(x)``: the
  metric is updated as before and reported by Keras 3 itself;
- ``r = self.m(x)`` then ``self.add_metric(r)`` → the ``add_metric`` line goes;
- ``self.add_metric(value, name="kl")`` (a value, ``aggregation`` absent or ``"mean"``) → a
  ``Mean(name="kl")`` set in the class's ``__init__`` after its ``super().__init__(…)``, updated
  with the value in place of ``add_metric``: the same name, the same epoch average. A class
  that inherits its ``__init__`` gets one that passes every argument on to it, then sets the
  ``Mean``.

A value with another aggregation, no name, or an ``__init__`` that never calls
``super().__init__`` is left.
Under the JAX backend a metric object updated in ``call`` fails too (Keras 3.15, measured in
``k3-jax``: "'NoneType' object is not callable"), so there the finding has no rewrite.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, safe_str
from kerasmagic.diagnosis.frames import innermost_cell_frame
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.known_values import known_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    node_edit,
    node_text,
    statement_removal,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_logs_key import _function
from kerasmagic.diagnosis.rules.error_super_init import _is_super_init

ENTRY = "keras3-add-metric"


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("NotImplementedError",))
def add_metric(ctx: CellContext) -> list[Problem]:
    """Each ``self.add_metric(…)`` of the function that raised, as the module docstring says."""
    tree = ctx.cell.tree
    exc = ctx.wrapped or ctx.exc
    if tree is None or exc is None or "add_metric()" not in safe_str(exc):
        return []
    frame = innermost_cell_frame(exc, ctx.namespace, ctx.filename)
    if frame is None:
        return []
    lines = {frame.f_lineno, frame.f_lineno + ctx.stripped_lines}
    raising = _function(tree, frame.f_code.co_name, lines)
    if raising is None or _class_of(tree, raising) is None:
        return []
    edits: list[Edit] = []
    for klass in (n for n in walk(tree) if isinstance(n, ast.ClassDef)):
        for function in (n for n in klass.body if isinstance(n, ast.FunctionDef)):
            live_self = frame.f_locals.get("self") if function is raising else None
            metrics = _Metrics(ctx, klass, live_self)
            for stmt in walk(function):
                call = _add_metric_call(stmt)
                if call is None:
                    continue
                edit = _metric_object_edit(ctx, function, stmt, call, metrics)
                more = [edit] if edit is not None else _tracker_edits(ctx, klass, stmt, call)
                if not more:
                    return []  # one left as it was: the cell would fail on it again
                edits += more
    if not edits:
        return []
    if live.imported_keras_backend() == "jax":  # measured (Keras 3.15): a metric updated in `call` fails there
        edits = []
    line = ctx.line or (edits[0].line if edits else 1)
    return [from_entry(ENTRY, line, edits, ["add_metric"], ctx.shown_versions)]


class _Metrics:
    """Which ``self.<attr>`` of a class are metric objects: the live ``self`` of the frame that
    raised says so; for the class's other methods, an ``__init__``/``build`` assignment
    ``self.<attr> = <a Keras metric class>(…)`` does."""

    def __init__(self, ctx: CellContext, klass: ast.ClassDef, live_self: Any) -> None:
        self.ctx, self.klass, self.live_self = ctx, klass, live_self

    def __contains__(self, attr: str) -> bool:
        if self.live_self is not None:
            return _is_metric(getattr(self.live_self, attr, None))
        for node in walk(self.klass):
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            if any(_is_self_attr(t, attr) for t in node.targets):
                callee = self.ctx.scope.callee(node.value.func)
                return callee is not None and isinstance(callee[0], type) and _is_metric(callee[0])
        return False


def _is_self_attr(node: ast.AST, attr: str | None = None) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
        and (attr is None or node.attr == attr)
    )


def _class_of(tree: ast.AST, function: ast.AST) -> ast.ClassDef | None:
    for node in walk(tree):
        if isinstance(node, ast.ClassDef) and function in node.body:
            return node
    return None


def _add_metric_call(stmt: ast.AST) -> ast.Call | None:
    """The call of an expression statement ``self.add_metric(…)``."""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return None
    func = stmt.value.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "add_metric"
        and isinstance(func.value, ast.Name)
        and func.value.id == "self"
    ):
        return stmt.value
    return None


def _is_metric(value: Any) -> bool:
    return all(callable(getattr(value, m, None)) for m in ("update_state", "result", "reset_state"))


def _metric_attribute_call(node: ast.AST | None, metrics: _Metrics) -> bool:
    """Is ``node`` a call of ``self.<attr>`` that is a metric object?"""
    return (
        isinstance(node, ast.Call) and _is_self_attr(node.func) and node.func.attr in metrics  # type: ignore[attr-defined]
    )


def _metric_object_edit(ctx: CellContext, function: ast.AST, stmt: ast.stmt, call: ast.Call, metrics: _Metrics) -> Edit | None:  # fmt: skip
    value = call.args[0] if call.args else next(
        (k.value for k in call.keywords if k.arg == "value"), None
    )  # fmt: skip
    if _metric_attribute_call(value, metrics):
        text = node_text(ctx.cell, value)  # type: ignore[arg-type]
        return node_edit(ctx.cell, stmt, text) if text else None
    if isinstance(value, ast.Name) and _assigned_from_metric(function, value.id, metrics):
        return statement_removal(ctx.cell, stmt, ctx.cell.tree)  # type: ignore[arg-type]
    return None


def _assigned_from_metric(function: ast.AST, name: str, metrics: _Metrics) -> bool:
    """Is every assignment of ``name`` in ``function`` a call of a live metric attribute?"""
    values = [
        n.value
        for n in walk(function)
        if isinstance(n, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
    ]
    return bool(values) and all(_metric_attribute_call(v, metrics) for v in values)


def _tracker_edits(ctx: CellContext, klass: ast.ClassDef, stmt: ast.stmt, call: ast.Call) -> list[Edit]:  # fmt: skip
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    value = call.args[0] if call.args else keywords.get("value")
    name = call.args[1] if len(call.args) > 1 else keywords.get("name")
    aggregation = call.args[2] if len(call.args) > 2 else keywords.get("aggregation")
    known_name = known_value(ctx, name)  # written there, or a name set before (`name=metric_name`)
    if not (isinstance(known_name, str) and value is not None):
        return []
    if aggregation is not None and known_value(ctx, aggregation) not in ("mean", None):
        return []
    root = keras_root(ctx)
    value_text = node_text(ctx.cell, value)
    name_text = node_text(ctx.cell, name)
    if root is None or value_text is None or name_text is None:
        return []
    attr = "_" + re.sub(r"\W", "_", known_name) + "_tracker"
    create = _tracker_creation(ctx.cell, klass, f"self.{attr} = {root[0]}.metrics.Mean(name={name_text})")
    update = node_edit(ctx.cell, stmt, f"self.{attr}.update_state({value_text})")
    return [*root[1], create, update] if create is not None and update is not None else []


def _tracker_creation(cell: ParsedCell, klass: ast.ClassDef, statement: str) -> Edit | None:
    """``statement`` placed after the ``super().__init__(…)`` of the class's ``__init__``; a class
    that inherits its ``__init__`` gets one that passes every argument on, as the inherited one
    took them, then runs ``statement``. An ``__init__`` without that call is left (None)."""
    init = next((n for n in klass.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)  # fmt: skip
    if init is None:
        first = klass.body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and len(klass.body) > 1:
            first = klass.body[1]  # after the docstring
        indent = indent_of(cell, first)
        text = (
            f"{indent}def __init__(self, *args, **kwargs):\n"
            f"{indent}    super().__init__(*args, **kwargs)\n"
            f"{indent}    {statement}\n\n"
        )
        line = first.decorator_list[0].lineno if getattr(first, "decorator_list", None) else first.lineno  # type: ignore[attr-defined]
        return Edit(line, 0, line, 0, text)
    for stmt in init.body:
        if isinstance(stmt, ast.Expr) and _is_super_init(stmt.value):
            line = (stmt.end_lineno or stmt.lineno) + 1
            return Edit(line, 0, line, 0, f"{indent_of(cell, stmt)}{statement}\n")
    return None
