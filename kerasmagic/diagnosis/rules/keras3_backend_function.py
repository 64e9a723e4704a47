"""Static rule: ``F = K.function(inputs, outputs)``, gone from Keras 3's backend.

Keras 2's FAQ read a layer's output with ``F = K.function([model.input], [layer.output])`` and
``F([x])[0]``. Under TensorFlow 2, Keras 2.15's own ``K.function`` was a model of those inputs and
outputs, called on the inputs, its outputs made NumPy (a one-element output list kept as a list);
Keras 3 removed it. The corrected cell writes exactly that: ``F_model = keras.Model(inputs,
outputs)`` and a function ``F`` that calls it and returns NumPy arrays, so ``F([x])[0]`` gives
what it gave. ``updates=`` or session keywords (TF 1 graphs, which Keras 2.15 refused under
TensorFlow 2 too) are left alone.

Keras 2's FAQ added ``K.learning_phase()`` to the inputs when the model behaves differently in
training (``F([x, 0])``: test mode, ``F([x, 1])``: train mode). Keras 3 has no learning phase: the
model takes the other inputs and is called with ``training=`` the flag the call passes.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import keras3_here, keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.keras3_gradients import model_input_text

ENTRY = "keras3-backend-function"


@rule(ENTRY, when=(STATIC,), family="backend", needs=r"\.function\(")
def backend_function(ctx: CellContext) -> list[Problem]:
    """Each ``NAME = K.function(inputs, outputs)`` statement of a Keras backend without
    ``function``: a model of the same inputs and outputs, and ``NAME`` calling it."""
    tree = ctx.cell.tree
    if tree is None or not keras3_here():
        return []
    problems: list[Problem] = []
    root = None
    for stmt in walk(tree):
        parts = _function_assignment(ctx, stmt)
        if parts is None:
            continue
        name, inputs, outputs = parts
        wrap = _one_element_list(ctx, outputs)
        phase = _learning_phase_at(ctx, inputs)
        if phase is not None:
            kept = [model_input_text(ctx, e) for i, e in enumerate(inputs.elts) if i != phase]
            ins = None if None in kept else f"[{', '.join(kept)}]"  # type: ignore[arg-type]
        elif isinstance(inputs, (ast.List, ast.Tuple)):
            texts = [model_input_text(ctx, e) for e in inputs.elts]
            ins = None if None in texts else f"[{', '.join(texts)}]"  # type: ignore[arg-type]
        else:
            ins = node_text(ctx.cell, inputs)
        outs = node_text(ctx.cell, outputs)
        if wrap is None or ins is None or outs is None or "\n" in ins + outs:
            continue
        root = root or keras_root(ctx)
        if root is None:
            return []
        keras, imports = root
        edit = node_edit(
            ctx.cell,
            stmt,
            _replacement(
                keras, name, ins, outs, wrap, stmt.col_offset, _model_call(name, inputs, phase)
            ),
        )
        if edit is None:
            continue
        problem = from_entry(ENTRY, stmt.lineno, [*imports, edit], ["function"], ctx.shown_versions, name=name)  # fmt: skip
        problem.certain = True
        problems.append(problem)
        root = (keras, [])  # the import, once
    return problems


def _function_assignment(ctx: CellContext, stmt: Any) -> tuple[str, ast.expr, ast.expr] | None:
    """``(NAME, inputs, outputs)`` of ``NAME = K.function(inputs, outputs)`` where ``K`` is a
    Keras backend this Keras lacks ``function`` in."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return None
    target, call = stmt.targets[0], stmt.value
    if not (isinstance(target, ast.Name) and isinstance(call, ast.Call)):
        return None
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "function"):
        return None
    if not ctx.scope.refers_to_keras(func) or ctx.scope.callee(func) is not None:
        return None  # not Keras's, or still there (Keras 2, tf_keras)
    given = dict(zip(("inputs", "outputs"), call.args))
    for kw in call.keywords:
        if kw.arg not in ("inputs", "outputs") or kw.arg in given:
            return None  # updates=, name=, session keywords
        given[kw.arg] = kw.value
    if len(call.args) > 2 or set(given) != {"inputs", "outputs"}:
        return None
    return target.id, given["inputs"], given["outputs"]


def _learning_phase_at(ctx: CellContext, inputs: ast.expr) -> int | None:
    """The index of ``K.learning_phase()`` in a list of inputs, when one element is that."""
    if not isinstance(inputs, (ast.List, ast.Tuple)):
        return None
    for i, element in enumerate(inputs.elts):
        if (
            isinstance(element, ast.Call)
            and isinstance(element.func, ast.Attribute)
            and element.func.attr == "learning_phase"
            and ctx.scope.refers_to_keras(element.func)
        ):
            return i
    return None


def _one_element_list(ctx: CellContext, outputs: ast.expr) -> bool | None:
    """Keras 2.15 kept a one-element output list a list (Keras's model returns its element):
    True / False from a list display or a live list; None when unknown."""
    if isinstance(outputs, (ast.List, ast.Tuple)):
        return isinstance(outputs, ast.List) and len(outputs.elts) == 1
    if isinstance(outputs, ast.Name):
        value = (ctx.namespace or {}).get(outputs.id)
        if value is None:
            return None
        return isinstance(value, list) and len(value) == 1
    return False  # one tensor (``layer.output``): one array


def _model_call(name: str, inputs: ast.expr, phase: int | None) -> str:
    """The model called on the function's inputs; where the learning phase was one of them, on
    the others, with ``training=`` the flag passed in its place."""
    if phase is None:
        return f"{name}_model(model_inputs)"
    if phase == len(inputs.elts) - 1:  # type: ignore[attr-defined]  # the last input
        others = f"model_inputs[:{phase}]"
    elif phase == 0:
        others = "model_inputs[1:]"
    else:
        others = f"model_inputs[:{phase}] + model_inputs[{phase + 1}:]"
    return f"{name}_model({others}, training=bool(model_inputs[{phase}]))"


def _replacement(keras: str, name: str, ins: str, outs: str, wrap: bool, col: int, call: str) -> str:  # fmt: skip
    indent = " " * col
    body = f"{keras}.tree.map_structure({keras}.ops.convert_to_numpy, {call})"
    if wrap:
        body = f"[{keras}.ops.convert_to_numpy({call})]"
    return (
        f"{name}_model = {keras}.Model({ins}, {outs})\n"
        f"{indent}def {name}(model_inputs):\n"
        f"{indent}    return {body}"
    )
