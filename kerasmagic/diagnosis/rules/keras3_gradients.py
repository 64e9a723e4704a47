"""Static rule: ``K.gradients(loss, model.input)``, a symbolic gradient (filter visualisation).

    loss = K.mean(layer_output[:, :, :, filter_index])
    grads = K.gradients(loss, model.input)[0]
    grads /= K.sqrt(K.mean(K.square(grads))) + 1e-5
    iterate = K.function([model.input], [loss, grads])

Keras 2 over TensorFlow 1 built the gradient as a tensor of the graph, which later statements
transformed and ``K.function`` ran. Under TensorFlow 2's eager execution ``K.gradients`` fails
("tf.gradients is not supported when eager execution is enabled", Keras 2.15 included), and
Keras 3's backend has no ``gradients``. The corrected cell keeps the gradient a symbolic tensor
of the model's graph, so every later statement (in this cell or another) and the model that
``K.function`` becomes (rules/keras3_backend_function.py) work as written:

    loss_model = keras.Model(model.input, loss)
    def loss_gradient(inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            value = loss_model(inputs)
        return tape.gradient(value, inputs)
    grads = [keras.layers.Lambda(loss_gradient)(model.input)][0]

``loss_model`` computes the loss from the input, the ``Lambda`` layer takes its gradient with a
``tf.GradientTape`` whenever the graph runs; the list is the one ``K.gradients`` returned. Only a
gradient with respect to a model's input is rewritten, on the TensorFlow backend (a
``Sequential`` model's intermediate tensors cannot start a new model in Keras 3), and not inside
a function the cell gives ``compile`` as a loss or metric (or calls to make one): that code runs
on each batch's values in training, where no layer can join the model's graph.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.compiled import code_of, own_functions
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.keras2_names import LEGACY_BACKEND
from kerasmagic.diagnosis.keras3_support import keras3_here, keras_root, tensorflow_name
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.sequential_graph import one_tensor_list
from kerasmagic.probes.keras_setup import keras_backend

ENTRY = "keras3-gradients"


@rule(ENTRY, when=(STATIC,), family="backend", needs=r"\.gradients\(")
def symbolic_gradients(ctx: CellContext) -> list[Problem]:
    """Each ``K.gradients(loss, x)`` of a Keras 3 backend, ``x`` a model's input: the gradient
    as a ``Lambda`` layer of the graph, computed with a ``tf.GradientTape``."""
    calls = gradient_calls(ctx)
    if not calls:
        return []
    keras, tf = keras_root(ctx), tensorflow_name(ctx)
    if keras is None or tf is None:
        return []
    (k, imports), (t, tf_imports) = keras, tf
    problems: list[Problem] = []
    used: set[str] = set()
    for statement, call in calls:
        prefix = _prefix(call.args[0], used)
        edits = _edits(ctx, statement, call, k, t, prefix)
        if edits is None:
            continue
        used.add(prefix)
        problem = from_entry(ENTRY, call.lineno, [*imports, *tf_imports, *edits], ["gradients"],
                             ctx.shown_versions, keras=ctx.versions.get("keras", "3"))  # fmt: skip
        problem.certain = True
        problems.append(problem)
        imports, tf_imports = [], []  # the imports, once
    return problems


def gradient_calls(ctx: CellContext) -> list[tuple[ast.stmt, ast.Call]]:
    """``(statement, call)`` of each ``K.gradients(target, wrt)`` this rule rewrites: Keras 3 on
    TensorFlow, ``K`` a Keras backend without ``gradients``, ``wrt`` a model's input (or a list
    of them), the call inside a statement that starts its line."""
    tree = ctx.cell.tree
    if tree is None or "gradients" not in ctx.cell.source or not keras3_here():
        return []
    if keras_backend() != "tensorflow":
        return []
    functional = not _sequential_here(ctx)  # a layer's output starts a new model there
    inputs = _names_bound_to(ctx, _input_attribute)
    if functional:
        inputs |= _names_bound_to(ctx, _output_attribute)
    found: list[tuple[ast.stmt, ast.Call]] = []
    training = _training_functions(tree, ctx.namespace)
    for statement in walk(tree):
        if not isinstance(statement, (ast.Assign, ast.AugAssign, ast.Expr, ast.Return)):
            continue
        if any(any(n is statement for n in walk(f)) for f in training):
            continue  # runs on each batch's values in training: no graph to add a layer to
        for call in walk(statement):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                continue
            if call.func.attr != "gradients" or len(call.args) != 2 or call.keywords:
                continue
            if not ctx.scope.refers_to_keras(call.func) or _still_symbolic(ctx.scope.callee(call.func)):
                continue  # not Keras's, or still there (Keras 2, tf_keras)
            wrt = call.args[1]
            wanted = wrt.elts if isinstance(wrt, (ast.List, ast.Tuple)) else [wrt]
            outputs = functional and all(_output_attribute(w) for w in wanted)
            if wanted and (outputs or all(_is_model_input(ctx, w, inputs) for w in wanted)):
                found.append((statement, call))
    return found


def _still_symbolic(callee: tuple[object, str] | None) -> bool:
    """Does the backend's ``gradients`` still give a graph's gradient here? Not when it is
    missing, nor when it is the copy Keras 3 keeps for ``tf.keras.backend`` (``LEGACY_BACKEND``):
    that one calls ``tf.compat.v1.gradients``, which eager execution refuses ("tf.gradients is
    not supported when eager execution is enabled")."""
    return callee is not None and getattr(callee[0], "__module__", None) != LEGACY_BACKEND


def _training_functions(tree: ast.AST, namespace: dict | None) -> list[ast.FunctionDef]:
    """The cell's functions that a ``loss=`` or ``metrics=`` argument names, or calls (a loss
    made by a function: ``loss=custom_loss(inputs, outputs)``), and those a live model of the
    namespace was compiled with (the ``compile`` in another cell; matched by the function's
    name): Keras calls the loss on each batch's values, where a gradient taken with respect to a
    model's input cannot become a layer of the model's graph."""
    named: set[str] = set()
    for node in walk(tree):
        if isinstance(node, ast.keyword) and node.arg in ("loss", "metrics"):
            named |= {n.id for n in walk(node.value) if isinstance(n, ast.Name)}
    for value in (namespace or {}).values():
        if live.is_layer_class(type(value)):  # a model: its loss and metrics as compiled
            named |= {getattr(code_of(f), "co_name", "") for f in own_functions(value)}
    return [f for f in walk(tree) if isinstance(f, ast.FunctionDef) and f.name in named]


def handled_lines(ctx: CellContext) -> set[int]:
    """The lines of the ``K.gradients`` calls this rule rewrites (backend_ops leaves them)."""
    return {call.lineno for _, call in gradient_calls(ctx)}


def _names_bound_to(ctx: CellContext, kind: Callable[[ast.AST], bool]) -> set[str]:
    """Names the cell binds to a value ``kind`` accepts (``dream = model.input``,
    ``conv_output = layer.output``)."""
    names: set[str] = set()
    for node in walk(ctx.cell.tree):  # type: ignore[arg-type]
        if isinstance(node, ast.Assign) and kind(node.value):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _output_attribute(node: ast.AST) -> bool:
    """``X.output`` (a layer's output tensor, Grad-CAM's ``last_conv_layer.output``)."""
    return isinstance(node, ast.Attribute) and node.attr == "output"


def _sequential_here(ctx: CellContext) -> bool:
    """Does the cell or the namespace hold a ``Sequential`` model? Keras 3 cannot start a new
    model at one of its intermediate tensors, so only its inputs are taken gradients of."""
    if "Sequential" in ctx.cell.source:
        return True
    return any(type(v).__name__ == "Sequential" for v in (ctx.namespace or {}).values())


def _input_attribute(node: ast.AST) -> bool:
    """``X.input`` or ``X.inputs[i]``."""
    if isinstance(node, ast.Subscript):
        node = node.value
        return isinstance(node, ast.Attribute) and node.attr == "inputs"
    return isinstance(node, ast.Attribute) and node.attr == "input"


def _is_model_input(ctx: CellContext, node: ast.expr, names: set[str]) -> bool:
    """A model's input: ``X.input``, ``X.inputs[i]``, a name the cell binds to one, or a name
    whose live value is the input tensor of a Keras graph."""
    if _input_attribute(node):
        return True
    if not isinstance(node, ast.Name):
        return False
    if node.id in names:
        return True
    value = ctx.live_names.get(node.id)
    history = getattr(value, "_keras_history", None)
    operation = getattr(history, "operation", None)
    return type(value).__name__ == "KerasTensor" and type(operation).__name__ == "InputLayer"


def _prefix(target: ast.expr, used: set[str]) -> str:
    """The stem of the names the rewrite defines: the loss's own name, else ``gradient``."""
    stem = target.id if isinstance(target, ast.Name) else "gradient"
    prefix, n = stem, 2
    while prefix in used:
        prefix, n = f"{stem}{n}", n + 1
    return prefix


def model_input_text(ctx: CellContext, node: ast.expr) -> str | None:
    """``X.input`` of a live model with one input as ``X.inputs[0]`` (a ``Sequential`` model
    built from ``input_shape=`` has no ``input`` in Keras 3, and the same tensor in ``inputs``)."""
    owner = node.value if isinstance(node, ast.Attribute) else None
    if (
        isinstance(owner, ast.Name)
        and node.attr == "input"  # type: ignore[attr-defined]
        and one_tensor_list(ctx.live_names.get(owner.id), "inputs")
        and not _has_input(ctx.live_names.get(owner.id))
    ):
        return f"{owner.id}.inputs[0]"
    return node_text(ctx.cell, node)


def _has_input(model: object) -> bool:
    """Does reading the live model's ``input`` work (it raises for a ``Sequential`` model never
    called)?"""
    try:
        getattr(model, "input")  # noqa: B009  (a property that may raise)
    except Exception:
        return False
    return True


def _edits(ctx: CellContext, statement: ast.stmt, call: ast.Call, keras: str, tf: str, prefix: str) -> list[Edit] | None:  # fmt: skip
    """The model and gradient function before ``statement``, and the ``Lambda`` in place of the
    call."""
    lines = ctx.cell.source.splitlines()
    if lines[statement.lineno - 1][: statement.col_offset].strip():
        return None  # shares its line with another statement
    wrt = call.args[1]
    several = isinstance(wrt, (ast.List, ast.Tuple))
    parts = [model_input_text(ctx, w) for w in (wrt.elts if several else [wrt])]  # type: ignore[attr-defined]
    target = node_text(ctx.cell, call.args[0])
    if target is None or None in parts or "\n" in target:
        return None
    inputs = f"[{', '.join(parts)}]" if several else parts[0]  # type: ignore[arg-type]
    indent = indent_of(ctx.cell, statement)
    model, function = f"{prefix}_model", f"{prefix}_gradient"
    definitions = (
        f"{model} = {keras}.Model({inputs}, {target})\n"
        f"{indent}def {function}(inputs):\n"
        f"{indent}    with {tf}.GradientTape() as tape:\n"
        f"{indent}        tape.watch(inputs)\n"
        f"{indent}        value = {model}(inputs)\n"
        f"{indent}    return tape.gradient(value, inputs)\n"
        f"{indent}"
    )
    layer = f"{keras}.layers.Lambda({function})({inputs})"
    replacement = node_edit(ctx.cell, call, layer if several else f"[{layer}]")
    if replacement is None:
        return None
    at = statement.lineno
    return [Edit(at, statement.col_offset, at, statement.col_offset, definitions), replacement]
