"""Error rules on Keras 2's ``Input(tensor=…)`` of a value computed from the model's tensors.

Keras 2 wrapped an existing tensor into an input with ``Input(tensor=t)``; a VAE written for it
makes its noise so: ``eps = Input(tensor=K.random_normal(shape=(K.shape(x)[0], latent_dim)))``,
then ``Model(inputs=[x, eps], …)``. Such an input is fed by its tensor, never by data: ``fit``
gets ``x`` alone. Keras 3's ``Input(tensor=…)`` makes a new input fed by data (an
``InputLayer`` over a placeholder of the tensor's shape), and the expression on ``x``, a
``KerasTensor``, fails while the model is built.

1. ``keras3-input-tensor``: the failing statement ``eps = Input(tensor=EXPR)`` (the live
   Keras ``Input``; ``EXPR`` reads the model's symbolic tensors) becomes ``EXPR`` run
   in a ``Lambda`` on those tensors, the computation Keras 2's graph made; its ``name=`` goes to
   the layer. The ``Model(inputs=[…])`` calls of the cell drop it from their inputs.
2. ``keras3-computed-model-input``: a model made elsewhere still lists such a tensor as an input;
   Keras 3 builds it (over a copy made an input), and ``fit``/``predict`` then want data for it
   ("expects 2 input(s), but it received 1"). The live values of the names its ``inputs`` list
   gives say which are computed (made by no ``InputLayer``); they are dropped where the model is
   made, cells earlier included.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import origins
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    apply_within,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_symbolic_tf import (
    lambda_call,
    lambda_path,
    loaded_names,
    symbolic_names,
)
from kerasmagic.diagnosis.rules.error_unused_input import inputs_argument, makes_model
from kerasmagic.diagnosis.value_change import origin_edit, rewrite_origins
from kerasmagic.diagnosis.value_transforms import Transform

INPUT = "keras3-input-tensor"
COMPUTED = "keras3-computed-model-input"
KEPT = {"tensor", "name", "shape", "batch_shape", "dtype"}  # Keras 2 took the rest from the tensor
EXPECTS = re.compile(r"expects (\d+) (?:named )?input\(s\)")


@rule(INPUT, when=(ERROR,), family="layer-arguments")
def input_of_tensor(ctx: CellContext) -> list[Problem]:
    """The failing ``NAME = Input(tensor=EXPR)``, ``EXPR`` in a ``Lambda``; the cell's models
    made after it without ``NAME`` among their inputs."""
    tree, line = ctx.cell.tree, ctx.line
    layers = lambda_path(ctx)
    if tree is None or line is None or layers is None:
        return []
    path, imports = layers
    for stmt in getattr(tree, "body", []):
        if not (isinstance(stmt, ast.Assign) and stmt.lineno <= line <= (stmt.end_lineno or 0)):
            continue
        call, target = stmt.value, stmt.targets[0]
        if not (
            isinstance(call, ast.Call)
            and isinstance(target, ast.Name)
            and _wraps_a_tensor(ctx, call)
        ):
            continue
        given = {k.arg: k.value for k in call.keywords}
        symbolic = [n for n in loaded_names(given["tensor"]) if n in symbolic_names(ctx)]
        text = node_text(ctx.cell, given["tensor"])
        name = node_text(ctx.cell, given["name"]) if "name" in given else None
        if text is None or not symbolic or set(given) - KEPT or call.args:
            return []
        edit = node_edit(ctx.cell, call, lambda_call(path, symbolic, text, f", name={name}" if name else ""))  # fmt: skip
        if edit is None:
            return []
        dropped = [e for m in _models_after(tree, stmt) for e in _without(ctx.cell, m, {target.id})]
        edits = [*imports, edit, *[e for e in dropped if e is not None]]
        return [from_entry(INPUT, stmt.lineno, edits, [target.id], ctx.shown_versions,
                           name=target.id, keras=ctx.versions.get("keras", "3"))]  # fmt: skip
    return []


@rule(COMPUTED, when=(ERROR,), family="model-methods", errors=("ValueError",))
def computed_model_input(ctx: CellContext) -> list[Problem]:
    """The model of the failing call, made with computed tensors among its inputs, made again
    without them where it is made."""
    wanted = EXPECTS.search(ctx.message)
    tree = ctx.cell.tree
    if wanted is None or tree is None or not ctx.failing_lines:
        return []
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and call.lineno in ctx.failing_lines and isinstance(call.func, ast.Attribute)):  # fmt: skip
            continue
        model = call.func.value
        held = (ctx.namespace or {}).get(model.id) if isinstance(model, ast.Name) else None
        inputs = (
            list(getattr(held, "inputs", None) or []) if live.is_keras_object(type(held)) else []
        )
        if len(inputs) != int(wanted.group(1)):
            continue
        found = origins(ctx, model, terms=False)
        if len(found) != 1 or not isinstance(found[0].value, ast.Call) or not makes_model(found[0].value):  # fmt: skip
            continue
        origin = found[0]
        names = _names_of(ctx, origin.value)  # the model keeps a copy: the names' values decide
        if not names or len(names) >= len(inputs):
            continue
        new = _without_text(origin.parsed, origin.value, names)
        change = Transform("drop its computed inputs", value=lambda _t, _tail, new=new: new)
        edit = origin_edit(origin, change) if new else None
        here = rewrite_origins(ctx, found, change) if edit is not None else None
        if edit is None or here is None:
            continue
        # made again where it is made, so what that cell does to it (its compile) is done again:
        # migrate changes that cell (Problem.across); the cell alone makes it again at its top
        problem = from_entry(COMPUTED, call.lineno, here.edits, [model.id], ctx.shown_versions,
                             model=model.id, inputs=", ".join(f"`{n}`" for n in names))  # fmt: skip
        problem.across = None if origin.here else [edit]
        return [problem]
    return []


def _wraps_a_tensor(ctx: CellContext, call: ast.Call) -> bool:
    """``Input(…, tensor=…)`` of the live Keras ``Input``: Keras 3 makes of it a new input fed by
    data (an ``InputLayer`` over a placeholder of the tensor's shape), Keras 2's was fed by its
    tensor."""
    callee = ctx.scope.callee(call.func)
    if callee is None or getattr(callee[0], "__name__", "") != "Input":
        return False
    return live.is_keras_object(callee[0]) and any(k.arg == "tensor" for k in call.keywords)


def _models_after(tree: ast.AST, stmt: ast.stmt) -> list[ast.Call]:
    return [c for c in walk(tree) if isinstance(c, ast.Call) and makes_model(c) and c.lineno > (stmt.end_lineno or 0)]  # fmt: skip


def _without(cell: ParsedCell, call: ast.Call, names: set[str]) -> list[Edit | None]:
    """The edit of a model call's ``inputs`` list written without ``names`` (none to make)."""
    listed = inputs_argument(call)
    if not isinstance(listed, (ast.List, ast.Tuple)):
        return []
    kept = [e for e in listed.elts if not (isinstance(e, ast.Name) and e.id in names)]
    if len(kept) == len(listed.elts) or not kept:
        return []
    texts = [node_text(cell, e) for e in kept]
    if any(t is None for t in texts):
        return []
    return [node_edit(cell, listed, "[" + ", ".join(texts) + "]")]  # type: ignore[arg-type]


def _without_text(cell: ParsedCell, call: ast.Call, names: list[str]) -> str | None:
    """The model call's text with ``names`` left out of its ``inputs`` list."""
    edits = _without(cell, call, set(names))
    whole, text = node_edit(cell, call, ""), node_text(cell, call)
    if len(edits) != 1 or edits[0] is None or whole is None or text is None:
        return None
    return apply_within(text, whole, [edits[0]])


def _names_of(ctx: CellContext, call: ast.Call) -> list[str]:
    """The names in the model call's inputs list whose live values are computed tensors."""
    listed = inputs_argument(call)
    elements = listed.elts if isinstance(listed, (ast.List, ast.Tuple)) else []
    namespace = ctx.namespace or {}
    held = [(e.id, namespace.get(e.id)) for e in elements if isinstance(e, ast.Name)]
    return [n for n, v in held if live.is_keras_tensor(v) and not _from_input_layer(v)]


def _from_input_layer(tensor: Any) -> bool:
    history = getattr(tensor, "_keras_history", None)
    return type(getattr(history, "operation", None)).__name__ == "InputLayer"
