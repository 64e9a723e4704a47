"""Static rule: Keras 2's ``K.in_train_phase(x, alt)`` (and ``K.in_test_phase``) inside a layer's
``call``, where the backend no longer has it.

Keras 2 chose ``x`` while training (the global learning phase, or ``training=``) and ``alt``
otherwise, calling either when it was a function. Keras 3 has no learning phase: it passes
``training=True``/``False`` to the ``call`` of a layer whose ``call`` names that parameter
(``fit`` trains; ``predict`` and ``evaluate`` infer). The choice becomes ``x if training else
alt`` with the call's own ``training``, which the method gets as ``training=None`` when it has
none (a keyword ``training=`` given to the old call is used instead). Only a ``call`` method
of a class, and a function of the cell a ``Lambda`` layer wraps (Keras's ``Lambda`` passes
``training`` to a function that names it, in Keras 2 and 3), are changed: elsewhere no
``training`` reaches the code."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-in-train-phase"
CHOOSERS = {"in_train_phase": False, "in_test_phase": True}  # name: its arguments swapped


@rule(ENTRY, when=(STATIC,), family="backend", needs=tuple(CHOOSERS))
def train_phase_choice(ctx: CellContext) -> list[Problem]:
    """Each ``call`` method that chooses with a backend function this Keras lacks."""
    if ctx.cell.tree is None:
        return []
    problems = []
    wrapped = _lambda_functions(ctx.cell.tree)
    for node in walk(ctx.cell.tree):
        if isinstance(node, ast.ClassDef):
            methods = [m for m in node.body if isinstance(m, ast.FunctionDef) and m.name == "call"]
        else:
            methods = [node] if isinstance(node, ast.FunctionDef) and node.name in wrapped else []
        for method in methods:
            problem = _rewrite(ctx, method)
            if problem is not None:
                problems.append(problem)
    return problems


def _lambda_functions(tree: ast.AST) -> set[str]:
    """The names of the functions the cell gives a ``Lambda`` layer (``Lambda(sampling, …)``)."""
    names = set()
    for call in walk(tree):
        if isinstance(call, ast.Call) and _name(call.func) == "Lambda":
            given = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "function"), None)  # fmt: skip
            if isinstance(given, ast.Name):
                names.add(given.id)
    return names


def _rewrite(ctx: CellContext, method: ast.FunctionDef) -> Problem | None:
    calls = [n for n in walk(method) if _chooser(ctx, n)]
    calls = [c for c in calls if not any(c is not o and c in list(walk(o)) for o in calls)]
    if not calls:
        return None
    functions = {n.name for n in walk(method) if isinstance(n, ast.FunctionDef) and n is not method}
    edits: list[Edit] = []
    needs_parameter = False
    for call in calls:
        name = _name(call.func)
        given = next((k.value for k in call.keywords if k.arg == "training"), None)
        if len(call.args) != 2 or any(k.arg != "training" for k in call.keywords):
            return None
        chosen, other = call.args if not CHOOSERS[name] else call.args[::-1]  # type: ignore[index]
        texts = [_value(ctx, arg, functions) for arg in (chosen, other)]
        flag = node_text(ctx.cell, given) if given is not None else "training"
        edit = node_edit(ctx.cell, call, f"({texts[0]} if {flag} else {texts[1]})")
        if edit is None or None in texts or flag is None:
            return None
        edits.append(edit)
        needs_parameter = needs_parameter or given is None
    if needs_parameter and not _has_training(method):
        parameter = _training_parameter(ctx, method)
        if parameter is None:
            return None
        edits.append(parameter)
    old = _name(calls[0].func)
    return from_entry(ENTRY, calls[0].lineno, edits, [old], old=old)


def _chooser(ctx: CellContext, node: ast.AST) -> bool:
    """A call of ``in_train_phase``/``in_test_phase`` spelt from Keras, which this Keras lacks."""
    if not isinstance(node, ast.Call) or _name(node.func) not in CHOOSERS:
        return False
    return ctx.scope.refers_to_keras(node.func) and ctx.scope.callee(node.func) is None


def _name(func: ast.expr) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _value(ctx: CellContext, arg: ast.expr, functions: set[str]) -> str | None:
    """The argument's text; called when it is a function (a ``lambda``, or a ``def`` of the
    method), as Keras 2 called it."""
    text = node_text(ctx.cell, arg)
    if text is None:
        return None
    if isinstance(arg, ast.Lambda):
        return f"({text})()"
    if isinstance(arg, ast.Name) and arg.id in functions:
        return f"{text}()"
    return text


def _has_training(method: ast.FunctionDef) -> bool:
    args = method.args
    return any(a.arg == "training" for a in [*args.posonlyargs, *args.args, *args.kwonlyargs])


def _training_parameter(ctx: CellContext, method: ast.FunctionDef) -> Edit | None:
    """``training=None`` added to the method's parameters: before ``**kwargs``, else last."""
    args = method.args
    if args.kwarg is not None:
        at = args.kwarg
        return Edit(at.lineno, at.col_offset - 2, at.lineno, at.col_offset - 2, "training=None, ")
    last = (args.kwonlyargs or [None])[-1] or args.vararg or (args.args or [None])[-1]
    if last is None:
        return None
    end = node_edit(ctx.cell, last, "")
    if end is None:
        return None
    return Edit(end.end_line, end.end_col, end.end_line, end.end_col, ", training=None")
