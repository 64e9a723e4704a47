"""One loss for a model with several outputs, with a ``loss_weights`` list (a message fact).

Keras 2 applied a single loss to every output; Keras 3 matches the losses to the outputs, so
``compile(loss="mse", loss_weights=[0.9, 0.1])`` raises at the first ``fit`` ("`loss_weights`
must match the number of losses, got 1 losses and 2 weights"). The loss is repeated once per
output in that model's ``compile``, read where it is written (earlier in the cell, or in an
earlier cell: ``compile_calls``; there a name, ``loss=LOSS`` set in a settings cell, is repeated
when the kernel's value of it is still the loss the live model was compiled with). How many
outputs: the live model's ``outputs``; a subclassed model has none before it is called, and then
the message's count of weights is the count of outputs (Keras 2 refused a ``loss_weights`` list
of another length than the outputs).
"""

from __future__ import annotations

import ast
import inspect
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.compile_calls import changed_compile, compile_of
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import signature
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_messages import FAMILY, _fact, _problem, _value

ENTRY = "message-repeat-per-output"


@rule(ENTRY, when=(ERROR,), family=FAMILY, errors=("ValueError",))
def repeat_per_output(ctx: CellContext) -> list[Problem]:
    """The loss of the failing model's ``compile`` repeated as many times as it has outputs."""
    fact = _fact(ctx, "count")
    if fact is None or fact.argument != "loss" or ctx.cell.tree is None or not fact.wanted:
        return []  # a metrics list per output: rules/keras3_models.py's metrics_per_output
    use, model_name, model = _failing_model(ctx)
    if model is None or use is None:
        return []
    try:
        outputs = len(model.outputs)
    except Exception:  # a subclassed model: its outputs are what Keras 2 weighted
        outputs = fact.wanted
    if outputs != fact.wanted or outputs < 2:
        return []
    found = compile_of(ctx, model_name, use)
    if found is None:
        return []
    index, parsed, call = found
    node = _compile_argument(call, signature(type(model).compile), fact.argument)
    if node is None:
        return []
    if index is None:
        text = _repeated(ctx, node, outputs)
    else:
        text = _repeated_elsewhere(parsed, node, outputs) or _repeated_name(ctx, node, model, outputs)
    edit = node_edit(parsed, node, text) if text else None
    here, across = changed_compile(ctx, found, edit) if edit is not None else ([], [])
    if not here:
        return []
    names = ["loss_weights", "compile"]
    problem = _problem(ctx, ENTRY, here, fact, outputs=str(outputs), names=names)
    problem.across = across
    return [problem]


def _failing_model(ctx: CellContext) -> tuple[ast.Call | None, str, Any]:
    """The call on the failing line of a method of a live Keras model (``model.fit(…)``), the
    model's name and the model."""
    for call in walk(ctx.cell.tree):
        if (
            isinstance(call, ast.Call)
            and call.lineno == ctx.line
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
        ):
            obj = (ctx.live_names or {}).get(call.func.value.id)  # a local of the function that raised too
            if live.is_layer_class(type(obj)) and hasattr(obj, "compile"):  # a user's subclass too
                return call, call.func.value.id, obj
    return None, "", None


def _compile_argument(call: ast.Call, sig: inspect.Signature | None, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    if sig is None or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    names = [p for p in sig.parameters if p != "self"]
    index = names.index(name) if name in names else -1
    return call.args[index] if 0 <= index < len(call.args) else None


def _repeated(ctx: CellContext, node: ast.expr, outputs: int) -> str | None:
    """One loss repeated per output: ``[x] * n`` for one loss (a literal, a name holding one, a
    Keras loss), ``list(x) * n`` for a name holding a list of one."""
    text = node_text(ctx.cell, node)
    if text is None:
        return None
    if isinstance(node, (ast.List, ast.Tuple)):
        if len(node.elts) != 1 or node_text(ctx.cell, node.elts[0]) is None:
            return None
        return f"[{node_text(ctx.cell, node.elts[0])}] * {outputs}"
    known, value = _value(ctx, node)
    if not known and isinstance(node, (ast.Call, ast.Attribute)):
        callee = ctx.scope.callee(node.func if isinstance(node, ast.Call) else node)
        known = callee is not None and live.is_keras_object(callee[0])  # a Keras loss
    if not known:
        return None
    if isinstance(value, (list, tuple)):
        return f"list({text}) * {outputs}" if len(value) == 1 else None
    return f"[{text}] * {outputs}"


def _repeated_elsewhere(parsed: Any, node: ast.expr, outputs: int) -> str | None:
    """The loss of an earlier cell's ``compile`` repeated: a string, a Keras loss written there
    (``keras.losses.mse``, ``MeanSquaredError()``: one object for every output, as Keras 2 used
    it), a list of one; a name there is :func:`_repeated_name`'s."""
    text = node_text(parsed, node)
    if isinstance(node, (ast.Constant, ast.Attribute, ast.Call)) and text:
        if isinstance(node, ast.Constant) and not isinstance(node.value, str):
            return None
        return f"[{text}] * {outputs}"
    if isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) == 1:
        inner = node_text(parsed, node.elts[0])
        return f"[{inner}] * {outputs}" if inner else None
    return None


def _repeated_name(ctx: CellContext, node: ast.expr, model: Any, outputs: int) -> str | None:
    """A name given as the loss in an earlier cell's ``compile`` (``loss=LOSS`` with ``LOSS =
    "mse"`` in a settings cell), repeated when the kernel's value of the name is still the loss
    the live model was compiled with (``model.loss``, one loss or a list of one): the name may
    have been bound again since, and then it is not what the model trains with."""
    if not isinstance(node, ast.Name) or node.id not in (ctx.namespace or {}):
        return None
    value, compiled = ctx.namespace[node.id], getattr(model, "loss", None)
    same = value is compiled or (isinstance(value, str) and value == compiled)
    if not same or isinstance(value, dict):
        return None
    if isinstance(value, (list, tuple)):
        return f"list({node.id}) * {outputs}" if len(value) == 1 else None
    return f"[{node.id}] * {outputs}"
