"""Error rule: a functional model given an input that no layer uses (``Model([a, b], out)`` where
``out`` is computed from ``a`` only, often a typo: ``Dense(60)(input1)`` meant for ``input2``).

Keras 2 built such a model (the unused input is fed and ignored) and so does Keras 3.15
(measured in tf221-k3); Keras 3.13 (Colab's, measured) refuses it in ``Function.__init__``
when the input's ``InputLayer`` has no outbound node: "`inputs` not connected to `outputs`".
The message is the evidence that the installed Keras refuses it; the live inputs say which
one: a ``KerasTensor`` whose ``InputLayer`` feeds no layer. The corrected cell passes each such
input through a layer whose output nothing uses, right before the model is made: the model
Keras 2 built (same inputs in the same order, the same outputs; ``fit`` and ``predict`` take
the same data). The finding names the input, since a typo is the likelier cause."""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_text, statement_of, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-input-feeds-nothing"
MESSAGE = "`inputs` not connected to `outputs`"


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("ValueError",))
def input_feeds_nothing(ctx: CellContext) -> list[Problem]:
    """The failing ``Model(inputs, outputs)`` call's inputs that feed no layer, each passed
    through a layer before the statement that makes the model."""
    tree, names = ctx.cell.tree, ctx.live_names or {}
    if tree is None or ctx.message.strip() != MESSAGE:
        return []
    for call in walk(tree):
        if not (
            isinstance(call, ast.Call) and call.lineno in ctx.failing_lines and makes_model(call)
        ):
            continue
        given = inputs_argument(call)
        unused = _unused_inputs(ctx, given, names) if given is not None else []
        statement = statement_of(tree, call)
        root = keras_root(ctx)
        if not unused or statement is None or root is None:
            continue
        keras, imports = root
        line = ctx.cell.source.splitlines()[statement.lineno - 1]
        indent = line[: statement.col_offset]
        if indent.strip():
            continue  # the statement shares its line with other code
        text = "".join(f"{keras}.layers.Lambda(lambda t: t)({u})  # Keras 3.13 refuses an input no layer uses\n{indent}" for u in unused)  # fmt: skip
        edits = imports + [Edit(statement.lineno, statement.col_offset, statement.lineno, statement.col_offset, text)]  # fmt: skip
        return [from_entry(ENTRY, statement.lineno, edits, unused, ctx.shown_versions,
                           inputs=", ".join(f"`{u}`" for u in unused), keras=ctx.versions.get("keras", "3"))]  # fmt: skip
    return []


def makes_model(call: ast.Call) -> bool:
    """``Model(…)``, ``keras.Model(…)``, ``models.Model(…)``: a functional model's constructor."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("Model", "Functional")


def inputs_argument(call: ast.Call) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == "inputs":
            return kw.value
    return call.args[0] if call.args and not isinstance(call.args[0], ast.Starred) else None


def _unused_inputs(ctx: CellContext, given: ast.expr, names: dict[str, Any]) -> list[str]:
    """The texts of the inputs that feed no layer: elements of a list or tuple written in the
    call, or indexes of a name that holds one."""
    pairs: list[tuple[str, Any]] = []
    if isinstance(given, (ast.List, ast.Tuple)):
        for element in given.elts:
            text = node_text(ctx.cell, element)
            value = names.get(element.id) if isinstance(element, ast.Name) else None
            if text is not None and value is not None:
                pairs.append((text, value))
    elif isinstance(given, ast.Name) and isinstance(names.get(given.id), (list, tuple)):
        pairs = [(f"{given.id}[{i}]", v) for i, v in enumerate(names[given.id])]
    return [text for text, value in pairs if _feeds_nothing(value)]


def _feeds_nothing(value: Any) -> bool:
    """A ``KerasTensor`` made by an ``InputLayer`` that no layer has been called on."""
    history = getattr(value, "_keras_history", None)
    operation = getattr(history, "operation", None)
    if not live.is_keras_tensor(value) or type(operation).__name__ != "InputLayer":
        return False
    return not getattr(operation, "_outbound_nodes", [None])
