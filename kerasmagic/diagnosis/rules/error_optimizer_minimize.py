"""Error rule: ``optimizer.minimize(loss, var_list, tape=tape)``, gone from Keras 3's optimizers.

TensorFlow 2 training loops wrote ``opt.minimize(loss, model.trainable_variables, tape=tape)``
(or a loss function without a tape). Keras 2's ``minimize`` was, in its own words, "simply
computes gradient using tf.GradientTape and calls apply_gradients()": with a tape, the gradients
of the loss tensor from that tape; without one, the loss callable run under a new tape. Keras 3's
optimizers keep ``apply_gradients`` only. The corrected cell writes those two steps; the variables'
expression is read twice, so it must be a name, an attribute chain or a list of them.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-optimizer-minimize"


@rule(ENTRY, when=(ERROR,), family="optimizers", errors=("AttributeError",), needs="minimize")
def optimizer_minimize(ctx: CellContext) -> list[Problem]:
    """Every ``R.minimize(loss, var_list, tape=T)`` of the cell (one on the failing line), ``R`` a
    live Keras optimizer without ``minimize``: ``R.apply_gradients(zip(T.gradient(loss, var_list), var_list))``; a
    loss callable without a tape, as a statement: a tape around the call of the loss first."""
    tree = ctx.cell.tree
    if tree is None or ctx.line is None or "'minimize'" not in ctx.message:
        return []
    edits, on_failing_line = [], False
    for node in walk(tree):
        func = node.func if isinstance(node, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == "minimize"):
            continue
        if not _optimizer_without_minimize(ctx, func.value):
            continue
        args = _arguments(node)  # type: ignore[arg-type]
        new = _rewrite(ctx, tree, node, *args) if args is not None else None  # type: ignore[arg-type]
        edit = node_edit(ctx.cell, new[0], new[1]) if new is not None else None
        if edit is None:
            return []  # every call of the cell, or none: the next one would fail the same way
        edits.append(edit)
        on_failing_line = on_failing_line or node.lineno in ctx.failing_lines
    if not edits or not on_failing_line:
        return []
    return [from_entry(ENTRY, ctx.line, edits, ["minimize"], ctx.shown_versions)]


def _optimizer_without_minimize(ctx: CellContext, receiver: ast.expr) -> bool:
    """Is the receiver (a name, or ``self.optimizer``-like chain of live names) a Keras optimizer
    that has ``apply_gradients`` and no ``minimize``?"""
    value: Any = None
    if isinstance(receiver, ast.Name):
        value = ctx.live_names.get(receiver.id)
    elif isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name):
        owner = ctx.live_names.get(receiver.value.id)
        value = getattr(owner, receiver.attr, None) if owner is not None else None
    klass = type(value)
    module = str(getattr(klass, "__module__", ""))
    return (
        module.split(".")[0] == "keras"
        and hasattr(klass, "apply_gradients")
        and not hasattr(klass, "minimize")
    )


def _arguments(call: ast.Call) -> tuple[ast.expr, ast.expr, ast.expr | None] | None:
    """``(loss, var_list, tape)`` of the call, by position or keyword."""
    given = dict(zip(("loss", "var_list", "tape"), call.args))
    for kw in call.keywords:
        if kw.arg not in ("loss", "var_list", "tape") or kw.arg in given:
            return None
        given[kw.arg] = kw.value
    if len(call.args) > 3 or "loss" not in given or "var_list" not in given:
        return None
    return given["loss"], given["var_list"], given.get("tape")


def _pure(node: ast.expr) -> bool:
    """A name, an attribute chain of one, or a list or tuple of those (``[w, b]``): read twice
    without doing anything."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return bool(node.elts) and all(_pure(e) for e in node.elts)
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _rewrite(ctx: CellContext, tree: ast.AST, call: ast.Call, loss: ast.expr, variables: ast.expr, tape: ast.expr | None) -> tuple[ast.AST, str] | None:  # fmt: skip
    """What replaces what: the call (with a tape), or its statement (a loss callable)."""
    texts = [node_text(ctx.cell, n) for n in (call.func.value, loss, variables)]  # type: ignore[attr-defined]
    if None in texts or not _pure(variables):
        return None
    receiver, loss_text, var_text = texts
    if tape is not None:
        tape_text = node_text(ctx.cell, tape)
        if tape_text is None or isinstance(loss, ast.Lambda):
            return None
        return call, f"{receiver}.apply_gradients(zip({tape_text}.gradient({loss_text}, {var_text}), {var_text}))"  # fmt: skip
    defined = {n.name for n in walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if isinstance(loss, ast.Name) and not (
        loss.id in defined or callable(ctx.live_names.get(loss.id))
    ):
        return None  # a tensor without a tape: Keras 2 refused it too
    statement = next((s for s in walk(tree) if isinstance(s, ast.Expr) and s.value is call), None)
    tf = ctx.scope.expr_for("tensorflow")
    if statement is None or tf is None:
        return None
    called = f"({loss_text})()" if isinstance(loss, ast.Lambda) else f"{loss_text}()"
    indent = indent_of(ctx.cell, statement)
    return statement, (
        f"with {tf}.GradientTape() as _tape:\n"
        f"{indent}    _loss = {called}\n"
        f"{indent}{receiver}.apply_gradients(zip(_tape.gradient(_loss, {var_text}), {var_text}))"
    )
