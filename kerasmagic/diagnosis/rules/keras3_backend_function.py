"""Static rule: ``K.function(inputs, outputs)``, gone from Keras 3's backend.

Keras 2's FAQ read a layer's output with ``F = K.function([model.input], [layer.output])`` and
``F([x])[0]``. Under TensorFlow 2, Keras 2.15's own ``K.function`` was a model of those inputs and
outputs, called on the inputs, its outputs made NumPy (a one-element output list kept as a list);
Keras 3 removed it. The corrected cell writes exactly that: ``F_model = keras.Model(inputs,
outputs)`` and a function ``F`` that calls it and returns NumPy arrays, so ``F([x])[0]`` gives
what it gave. Multi-backend Keras fed each input through a feed dict, which made it an array, so
an input given as a nested list (``F([[x]])``, ``F([rows, 1.])``) was one array: each input is
made an array the same way (``keras.ops.convert_to_numpy``) before the model is called. A ``K.function(...)`` that is no such assignment (one per layer in a
comprehension, called at once) becomes the same function as one expression: a model made once,
and a ``lambda`` calling it. Inputs joined with ``+`` (``[inp] + [K.learning_phase()]``) count
as one list; a list of unknown length joined to the learning phase (``inp + [K.learning_phase()]``)
gives the phase its place from the end. ``updates=`` or session keywords (TF 1 graphs, which Keras 2.15 refused under
TensorFlow 2 too) are left alone.

Keras 2's FAQ added ``K.learning_phase()`` to the inputs when the model behaves differently in
training (``F([x, 0])``: test mode, ``F([x, 1])``: train mode). Keras 3 has no learning phase: the
model takes the other inputs and is called with ``training=`` the flag the call passes.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.array_reading import ArraySpelling, array_spelling, keras2_here
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.keras3_support import keras3_here
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    node_edit,
    node_text,
    single_assignment,
    statement_removal,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.keras3_gradients import model_input_text

ENTRY = "keras3-backend-function"
ENTRY_KERAS2 = "keras2-backend-function-learning-phase"


@rule(ENTRY, when=(STATIC,), family="backend", needs=r"\.function\(")
def backend_function(ctx: CellContext) -> list[Problem]:
    """Each ``NAME = K.function(inputs, outputs)`` statement of a Keras backend without
    ``function``: a model of the same inputs and outputs, and ``NAME`` calling it. Under Keras
    2.x, whose ``K.function`` is such a model already, only one fed ``K.learning_phase()``: no
    model takes that number as an input (``ENTRY_KERAS2``)."""
    tree = ctx.cell.tree
    keras2 = tree is not None and keras2_here()
    if tree is None or not (keras2 or keras3_here()):
        return []
    problems: list[Problem] = []
    spelling = None
    added: set[str] = set()  # the imports written so far
    fed_in: set[int] = set()  # the ids of the inputs rewritten
    assigned = {id(stmt.value) for stmt in walk(tree) if _function_assignment(ctx, stmt, keras2)}
    for node in walk(tree):
        parts = _function_assignment(ctx, node, keras2) or _function_expression(ctx, node, assigned, keras2)  # fmt: skip
        if parts is None:
            continue
        name, inputs, outputs = parts
        elements = _elements(inputs)
        wrap = _one_element_list(ctx, outputs)
        phase = _learning_phase_at(ctx, elements)
        if keras2 and phase is None:
            continue  # Keras 2's own function does this already
        if elements is not None:
            kept = [model_input_text(ctx, e) for i, e in enumerate(elements) if i != phase]
            ins = None if None in kept else f"[{', '.join(kept)}]"  # type: ignore[arg-type]
            fed = _model_inputs(len(elements), phase)
        else:
            ins, fed = _joined_inputs(ctx, inputs)
        outs = node_text(ctx.cell, outputs)
        if wrap is None or ins is None or outs is None or "\n" in ins + outs:
            continue
        spelling = spelling or array_spelling(ctx)
        if spelling is None:
            return []
        call = _model_call(spelling, name or "f", *fed)
        if name is None:  # an expression: the same function, made where the call was
            text = _function_value(spelling, ins, outs, wrap, call)
        else:
            text = _replacement(spelling, name, ins, outs, wrap, indent_of(ctx.cell, node), call)
        edit = node_edit(ctx.cell, node, text)
        if edit is None:
            continue
        shown = name or f"{node_text(ctx.cell, node.func)}(...)"
        needed = [*spelling.imports, *spelling.to_array_imports, *(spelling.mapper_imports if not wrap else [])]  # fmt: skip
        imports = [e for e in needed if e.text not in added]  # each import once
        added |= {e.text for e in imports}
        problem = from_entry(ENTRY_KERAS2 if keras2 else ENTRY, node.lineno, [*imports, edit], ["function"], ctx.shown_versions, name=shown)  # fmt: skip
        problem.certain = True
        problems.append(problem)
        fed_in |= {id(e) for e in elements or _segments_elements(inputs)}
    return _without_phase_names(ctx, tree, problems, fed_in)


def _without_phase_names(ctx: CellContext, tree: ast.Module, problems: list[Problem], fed_in: set[int]) -> list[Problem]:  # fmt: skip
    """The problems, the statements naming ``K.learning_phase()`` removed by the first; none
    when such a name is read elsewhere (the learning phase is gone: nothing could stand in)."""
    removed = _phase_bindings(ctx, tree, fed_in) if problems else []
    if removed is None:
        return []
    edits = [statement_removal(ctx.cell, stmt, tree) for stmt in removed]
    if None in edits:
        return []
    for edit in edits:
        problems[0].edits.append(edit)  # type: ignore[arg-type]
    if removed:  # it explains the failure of ``K.learning_phase()`` too
        problems[0].names.append("learning_phase")
    return problems


def _function_expression(ctx: CellContext, node: Any, assigned: set[int], present: bool = False) -> tuple[None, ast.expr, ast.expr] | None:  # fmt: skip
    """``(None, inputs, outputs)`` of a ``K.function(inputs, outputs)`` call anywhere else (in a
    comprehension, called at once, passed on), where ``K`` is a Keras backend without it (or,
    ``present``, with it)."""
    if not isinstance(node, ast.Call) or id(node) in assigned:
        return None
    parts = _function_call(ctx, node, present)
    return None if parts is None else (None, *parts)


def _function_assignment(ctx: CellContext, stmt: Any, present: bool = False) -> tuple[str, ast.expr, ast.expr] | None:  # fmt: skip
    """``(NAME, inputs, outputs)`` of ``NAME = K.function(inputs, outputs)`` where ``K`` is a
    Keras backend this Keras lacks ``function`` in (or, ``present``, has it)."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return None
    target, call = stmt.targets[0], stmt.value
    if not (isinstance(target, ast.Name) and isinstance(call, ast.Call)):
        return None
    parts = _function_call(ctx, call, present)
    return None if parts is None else (target.id, *parts)


def _function_call(ctx: CellContext, call: ast.Call, present: bool = False) -> tuple[ast.expr, ast.expr] | None:  # fmt: skip
    """``(inputs, outputs)`` of ``K.function(inputs, outputs)`` where ``K`` is a Keras backend
    this Keras lacks ``function`` in (or, ``present``: Keras 2.x's, which has it)."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "function"):
        return None
    if not ctx.scope.refers_to_keras(func) or (ctx.scope.callee(func) is not None) != present:
        return None  # not Keras's, or still there (Keras 2, tf_keras)
    given = dict(zip(("inputs", "outputs"), call.args))
    for kw in call.keywords:
        if kw.arg not in ("inputs", "outputs") or kw.arg in given:
            return None  # updates=, name=, session keywords
        given[kw.arg] = kw.value
    if len(call.args) > 2 or set(given) != {"inputs", "outputs"}:
        return None
    return given["inputs"], given["outputs"]


def _elements(inputs: ast.expr) -> list[ast.expr] | None:
    """The elements of a list of inputs: a list or tuple display, or displays joined with
    ``+`` (``[model.input] + [K.learning_phase()]``); None otherwise."""
    if isinstance(inputs, (ast.List, ast.Tuple)):
        return list(inputs.elts)
    if isinstance(inputs, ast.BinOp) and isinstance(inputs.op, ast.Add):
        left, right = _elements(inputs.left), _elements(inputs.right)
        return None if left is None or right is None else left + right
    return None


def _segments(inputs: ast.expr) -> list[tuple[bool, ast.expr]]:
    """The inputs as ``+``-joined parts: ``(True, element)`` for each element of a list display,
    ``(False, part)`` for a part of unknown length (``inp + [K.learning_phase()]``: ``inp``)."""
    if isinstance(inputs, (ast.List, ast.Tuple)):
        return [(True, e) for e in inputs.elts]
    if isinstance(inputs, ast.BinOp) and isinstance(inputs.op, ast.Add):
        return _segments(inputs.left) + _segments(inputs.right)
    return [(False, inputs)]


def _segments_elements(inputs: ast.expr) -> list[ast.expr]:
    return [node for known, node in _segments(inputs) if known]


def _joined_inputs(ctx: CellContext, inputs: ast.expr) -> tuple[str | None, tuple[str, str | None]]:  # fmt: skip
    """Inputs a list of unknown length begins (``inp + [K.learning_phase()]``): the model's
    inputs without the learning phase, and what the call feeds (``_model_inputs``), the phase
    counted from the end (only elements of list displays may follow it)."""
    whole = node_text(ctx.cell, inputs)
    segments = _segments(inputs)
    elements = [node for known, node in segments if known]
    phase = _learning_phase_at(ctx, elements)
    if phase is None:
        return whole, ("model_inputs", None)
    at = next(i for i, (known, node) in enumerate(segments) if node is elements[phase])
    if not all(known for known, _ in segments[at + 1 :]):
        return None, ("", None)
    parts, display = [], []
    for known, node in segments[:at] + segments[at + 1 :]:
        text = model_input_text(ctx, node) if known else node_text(ctx.cell, node)
        if text is None:
            return None, ("", None)
        if known:
            display.append(text)
            continue
        if display:
            parts.append(f"[{', '.join(display)}]")
            display = []
        parts.append(text)
    if display:
        parts.append(f"[{', '.join(display)}]")
    back = len(segments) - at  # the phase's place from the end: model_inputs[-back]
    others = "model_inputs[:-1]" if back == 1 else f"model_inputs[:-{back}] + model_inputs[-{back - 1}:]"  # fmt: skip
    return " + ".join(parts), (others, f"model_inputs[-{back}]")


def _learning_phase_at(ctx: CellContext, elements: list[ast.expr] | None) -> int | None:
    """The index of ``K.learning_phase()`` among the inputs, when one element is that, or a name
    the cell binds once to it (``phase = K.learning_phase()``, see :func:`_phase_bindings`)."""
    for i, element in enumerate(elements or ()):
        if isinstance(element, ast.Name):
            element = single_assignment(ctx.cell.tree, element.id)
        if _is_learning_phase(ctx, element):
            return i
    return None


def _is_learning_phase(ctx: CellContext, node: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "learning_phase"
        and ctx.scope.refers_to_keras(node.func)
    )


def _phase_bindings(ctx: CellContext, tree: ast.AST, inputs: set[int]) -> list[ast.stmt] | None:
    """The statements binding a name to ``K.learning_phase()`` (gone with the function in Keras
    3), to remove: each name read only as an element of the ``K.function`` inputs rewritten
    (``inputs``: their ids); None when one is read anywhere else (the name would be missing)."""
    found = []
    for stmt in walk(tree):
        if not (isinstance(stmt, ast.Assign) and _is_learning_phase(ctx, stmt.value)):
            continue
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            return None
        name = stmt.targets[0].id
        reads = [n for n in walk(tree) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]  # fmt: skip
        if any(id(n) not in inputs for n in reads):
            return None
        found.append(stmt)
    return found


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


def _model_inputs(count: int, phase: int | None) -> tuple[str, str | None]:
    """What the call feeds the model, of the function's inputs (``count`` of them): all of them,
    or where the learning phase was one of them, the others and the flag passed in its place."""
    if phase is None:
        return "model_inputs", None
    if phase == count - 1:  # the last input
        return f"model_inputs[:{phase}]", f"model_inputs[{phase}]"
    if phase == 0:
        return "model_inputs[1:]", "model_inputs[0]"
    return f"model_inputs[:{phase}] + model_inputs[{phase + 1}:]", f"model_inputs[{phase}]"


def _model_call(spelling: ArraySpelling, name: str, inputs: str, phase: str | None) -> str:
    """The model called on ``inputs``, each made an array as multi-backend Keras's feed dict
    made it (an input given as a nested list, ``F([[x]])``, is one array), with ``training=``
    the learning phase's flag where one was passed."""
    fed = f"[{spelling.to_array}(x) for x in {inputs}]"
    return f"{name}_model({fed})" if phase is None else f"{name}_model({fed}, training=bool({phase}))"


def _numpy_outputs(spelling: ArraySpelling, call: str, wrap: bool) -> str:
    if wrap:
        return f"[{spelling.read_one}({call})]"
    return f"{spelling.mapper}({spelling.read_one}, {call})"


def _function_value(spelling: ArraySpelling, ins: str, outs: str, wrap: bool, call: str) -> str:
    """The function as one expression: a model of the inputs and outputs, made once, and a
    function of the inputs that calls it."""
    body = _numpy_outputs(spelling, call, wrap)
    return f"(lambda f_model: lambda model_inputs: {body})({spelling.keras}.Model({ins}, {outs}))"


def _replacement(spelling: ArraySpelling, name: str, ins: str, outs: str, wrap: bool, indent: str, call: str) -> str:  # fmt: skip
    body = _numpy_outputs(spelling, call, wrap)
    return (
        f"{name}_model = {spelling.keras}.Model({ins}, {outs})\n"
        f"{indent}def {name}(model_inputs):\n"
        f"{indent}    return {body}"
    )
