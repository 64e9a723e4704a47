"""``tf.reset_default_graph()``, TensorFlow 1's way to start afresh before building a model: in
TensorFlow 2 it is gone from the main namespace (its ``tf.compat.v1`` copy resets a graph that
eager Keras never uses). What it reset for Keras 2, the models' state and the automatic layer
names, Keras keeps itself and resets with ``keras.backend.clear_session()``: each such
statement of the cell becomes that call."""

from __future__ import annotations

import ast
import sys

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "tf1-reset-default-graph"
NAME = "reset_default_graph"


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("AttributeError",))
def tf1_reset_default_graph(ctx: CellContext) -> list[Problem]:
    """Every ``tf.reset_default_graph()`` statement of the cell, on the live TensorFlow that lacks
    it: ``clear_session()`` of the Keras the code uses, ``tf.keras``'s (with ``TF_USE_LEGACY_KERAS``
    that is ``tf_keras``) unless the code imports the ``keras`` package, then ``keras``'s."""
    tf = sys.modules.get("tensorflow")
    if f"has no attribute '{NAME}'" not in (ctx.message or "") or tf is None or hasattr(tf, NAME):
        return []
    if ctx.cell.tree is None:
        return []
    uses_keras = any(p == "keras" or p.startswith("keras.") for p in ctx.scope.bindings.values())
    root = keras_root(ctx) if uses_keras else None
    if uses_keras and root is None:
        return []
    imports = root[1] if root else []
    edits = []
    for stmt in walk(ctx.cell.tree):
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not (isinstance(call, ast.Call) and not call.args and not call.keywords):
            continue
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == NAME and isinstance(func.value, ast.Name)):  # fmt: skip
            continue
        if ctx.live_names.get(func.value.id) is not tf:
            continue
        keras = root[0] if root else f"{func.value.id}.keras"
        edit = node_edit(ctx.cell, call, f"{keras}.backend.clear_session()")
        if edit is None:
            return []
        edits.append(edit)
    if not edits:
        return []
    problem = from_entry(ENTRY, edits[0].line, imports + edits, [NAME], ctx.shown_versions)
    problem.certain = True
    return [problem]
