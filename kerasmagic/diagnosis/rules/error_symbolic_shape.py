"""Error rule: the shape of a Keras 3 symbolic tensor computed on as a tensor, while a functional
model is built (``scaling = K.prod(K.cast(K.shape(activation), 'float32'))`` of a deep-dream or
style-transfer loss, ``K.shape`` now ``keras.ops.shape``).

Keras 2's ``K.shape`` gave a graph tensor holding the dynamic shape, the batch size included.
Keras 3's ``keras.ops.shape`` of a ``KerasTensor`` gives the static tuple, ``None`` for the sizes
not known yet, and the op computing on it fails: "Attempt to convert a value (None) with an
unsupported type (<class 'NoneType'>) to a Tensor" (TensorFlow), "None is not a valid
value for jnp.array" (JAX). Inside a ``Lambda`` layer the expression runs
on the real tensors (and, while the model is built, on placeholders whose unknown sizes are
tensors), so it computes what Keras 2 computed. The repair wraps the failing statement's
outermost op holding such a shape in a ``Lambda``, the symbolic tensors it reads as its input,
the expression itself unchanged. A symbolic tensor is known by the live value of its name.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_symbolic_tf import (
    lambda_path,
    loaded_names,
    model_statements,
    statements_on_line,
    symbolic_names,
    within,
)

ENTRY = "symbolic-shape-as-tensor"
# the message of the op converting the tuple: TensorFlow's, JAX's
NONE_VALUE = (
    "Attempt to convert a value (None) with an unsupported type",
    "None is not a valid value for jnp.array",
)
OP_PACKAGES = ("keras.ops", "keras.backend", "keras.src", "tensorflow")


@rule(ENTRY, when=(ERROR,), family="layer-arguments", errors=("ValueError",), needs="shape")
def symbolic_shape(ctx: CellContext) -> list[Problem]:
    """The failing statement's outermost op reading the ``shape`` of a symbolic tensor, in a
    ``Lambda`` layer."""
    if not any(m in ctx.message for m in NONE_VALUE) or ctx.cell.tree is None or ctx.line is None:
        return []
    layers = lambda_path(ctx)
    statement = _failing_statement(ctx)
    if layers is None or statement is None:
        return []
    path, imports = layers
    symbolic = symbolic_names(ctx)
    edits: list[Edit] = []
    shown: list[str] = []
    found: list[ast.Call] = []
    for node in ast.walk(statement):
        if not isinstance(node, ast.Call) or any(within(node, f) for f in found):
            continue
        if not _is_op(ctx, node) or not _reads_symbolic_shape(ctx, node, symbolic):
            continue
        found.append(node)
        names = [n for n in loaded_names(node) if n in symbolic]
        text = node_text(ctx.cell, node)
        if text is None or len(names) != 1:
            return []
        edit = node_edit(ctx.cell, node, f"{path}(lambda {names[0]}: {text})({names[0]})")
        if edit is None:
            return []
        edits.append(edit)
        shown.append(text.split("(", 1)[0])
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line, [*imports, *edits], shown, ctx.shown_versions,
                         keras=ctx.versions.get("keras", "3"),
                         expression=", ".join(f"`{s}`" for s in dict.fromkeys(shown)))  # fmt: skip
    problem.certain = True
    return [problem]


def _failing_statement(ctx: CellContext) -> ast.stmt | None:
    """The innermost simple statement of the model-building statements holding the failing line."""
    kinds = (ast.Assign, ast.AugAssign, ast.Expr, ast.AnnAssign)
    found = statements_on_line(model_statements(ctx), ctx.line or 0, kinds)
    return found[-1] if found else None


def _bound(ctx: CellContext, func: ast.expr) -> str:
    return ctx.scope.bound_path(func) or ""


def _is_op(ctx: CellContext, call: ast.Call) -> bool:
    """A function of ``keras.ops``/``keras.backend``/TensorFlow (not a layer or a model)."""
    bound = _bound(ctx, call.func)
    return bound.startswith(OP_PACKAGES) and ".layers." not in f"{bound}." and not bound.startswith("tensorflow.keras.layers")  # fmt: skip


def _reads_symbolic_shape(ctx: CellContext, call: ast.Call, symbolic: set[str]) -> bool:
    """Does ``call`` hold ``….shape(t)`` of a symbolic tensor ``t`` (an op's ``shape``)?"""
    for node in ast.walk(call):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Name) and arg.id in symbolic and _bound(ctx, node.func).endswith(".shape") and _is_op(ctx, node):  # fmt: skip
            return True
    return False
