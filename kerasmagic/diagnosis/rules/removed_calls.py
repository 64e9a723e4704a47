"""Static rule: calls Keras removed that had no effect left (``K.set_learning_phase``,
``model._make_predict_function``): dropped."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_text, statement_removal, walk
from kerasmagic.diagnosis.rules import rule, words
from kerasmagic.knowledge.catalogue import data_names, entries_with_rule


@rule(
    "removed-call",
    when=(STATIC,),
    family="removed-apis",
    needs=words(data_names("call-remove", "functions")),
)
def removed_calls(ctx: CellContext) -> list[Problem]:
    """Statements calling a Keras function that no longer exists and did nothing."""
    if ctx.cell.tree is None:
        return []
    return list(_removed_calls(ctx))


def _removed_calls(ctx: CellContext) -> Iterator[Problem]:
    for entry in entries_with_rule("call-remove"):
        functions = set(entry.data.get("functions", []))
        for stmt in walk(ctx.cell.tree):
            if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
                continue
            func = stmt.value.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name not in functions:
                continue
            if ctx.scope.callee(func) is not None:
                continue  # it exists here
            if not _keras_call(ctx, func, name):
                continue
            edit = statement_removal(ctx.cell, stmt, ctx.cell.tree)
            if edit is None:
                continue
            problem = from_entry(entry.id, stmt.lineno, [edit], [name], old=name)
            differs = _differs(ctx, entry.data, name, stmt.value)
            if differs:  # the call did something here: what changes is said, never hidden
                problem.fix = f"{problem.fix} {differs}"
            yield problem


def _differs(ctx: CellContext, data: dict, name: str, call: ast.Call) -> str | None:
    """The entry's ``differs`` note when ``call`` is not given the one argument at which removing
    it changes nothing (``exact_with``: ``set_learning_phase(0)``)."""
    if name not in data.get("exact_with", {}):
        return None
    exact = data["exact_with"][name]
    arg = call.args[0] if len(call.args) == 1 and not call.keywords else None
    if isinstance(arg, ast.Constant) and arg.value == exact and type(arg.value) in (int, bool):
        return None
    text = (node_text(ctx.cell, arg) if arg is not None else None) or "…"
    return str(data.get("differs", "")).replace("{value}", text) or None


def _keras_call(ctx: CellContext, func: ast.expr, name: str) -> bool:
    """``func`` is Keras's: spelt from a Keras module, called on a Keras object the namespace
    holds, or the very attribute the failing error says a Keras object lacks."""
    if ctx.scope.refers_to_keras(func):
        return True
    if isinstance(func, ast.Attribute) and ctx.scope.receiver_classes(func.value):
        return True
    exc = ctx.exc
    missing = isinstance(exc, AttributeError) and getattr(exc, "name", None) == name
    return missing and live.is_keras_instance(getattr(exc, "obj", None))
