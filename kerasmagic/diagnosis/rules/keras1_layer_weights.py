"""Static rule: a Keras 1 custom layer that makes a weight by calling its initializer
(``self.W = self.init((d, k), name='{}_W'.format(self.name))``, with ``self.init =
initializations.get('glorot_uniform')`` where the layer is made).

Keras 1's initializers were functions that returned a variable (keras/initializations.py,
1.2.2), so calling one in ``build`` made the layer's weight. Since Keras 2 an initializer is an
object that returns the initial values, a tensor, and refuses ``name=``; the layer makes its
weight with ``add_weight``, giving the same initializer. The evidence: the call is in a method
of a class whose bases are live Keras layers, assigned to an attribute of ``self``, and what it
calls is an attribute of ``self`` set from ``M.get(…)`` with ``M`` Keras's initializers module
(Keras 1's name ``initializations``, or ``initializers``), in this cell or an earlier one. The
bias Keras 1 layers made with ``K.zeros(shape, name=…)`` is a weight the same way, made with
``add_weight(initializer='zeros')`` where the live backend module has no ``zeros`` (Keras 3), or
only Keras 3's legacy copy of it (``tf.keras.backend``: a TensorFlow variable no layer tracks).
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import (
    LEGACY_BACKEND,
    backend_module,
    enclosing_keras_classes,
)
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import origins
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras1-initializer-weight"
KERAS1_KEYWORDS = ("name", "dim_ordering")  # what Keras 1's initializer functions took
# Keras 1's backend functions that made a variable of a shape (``K.zeros((n,), name=…)``, a bias)
BACKEND_WEIGHTS = {"zeros": "'zeros'", "ones": "'ones'"}
MODULES = ("initializations", "initializers")


@rule(ENTRY, when=(STATIC,), family="custom-layers", needs=r"self\.\w+\s*=")
def initializer_weights(ctx: CellContext) -> list[Problem]:
    """``self.W = self.init(shape, name=…)`` in a Keras layer's method →
    ``self.W = self.add_weight(shape=shape, initializer=self.init, name=…)``; Keras 1's
    ``self.b = K.zeros(shape, name=…)`` under a Keras whose backend has no ``zeros`` (or only
    Keras 3's legacy copy) →
    ``self.add_weight(shape=shape, initializer='zeros', name=…)``."""
    edits = [e for found in weight_calls(ctx) if (e := _add_weight(ctx, *found)) is not None]
    if not edits:
        return []
    problem = from_entry(ENTRY, edits[0].line, edits, ["initializer", "add_weight"], ctx.shown_versions,
                         keras=ctx.versions.get("keras", "2"))  # fmt: skip
    problem.certain = True  # a variable of the same shape, initializer and name; verified by running
    return [problem]


def weight_calls(ctx: CellContext) -> list[tuple[ast.Call, str, tuple[str, ...]]]:
    """``(call, the initializer it stands for, its positional parameters)`` of each Keras 1 way
    of making a weight assigned to an attribute of ``self`` in a method of a class whose bases
    are live Keras layers (read by ``backend_ops``, which leaves these calls to this rule)."""
    tree = ctx.cell.tree
    if tree is None:
        return []
    classes = enclosing_keras_classes(ctx, tree)
    found: list[tuple[ast.Call, str, tuple[str, ...]]] = []
    for stmt in walk(tree):
        call = stmt.value if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
        if not isinstance(call, ast.Call) or not _on_self(stmt.targets[0]):  # type: ignore[union-attr]
            continue
        if not any(live.is_layer_class(b) for b in classes.get(id(call), [])):
            continue
        func = call.func
        if _on_self(func) and _holds_initializer(ctx, func):
            found.append((call, node_text(ctx.cell, func) or "", ("shape", "name")))
        elif isinstance(func, ast.Attribute) and func.attr in BACKEND_WEIGHTS:
            module = backend_module(ctx, func.value)
            if (module is not None and not hasattr(module, func.attr)) or _legacy_copy(ctx, func):
                found.append((call, BACKEND_WEIGHTS[func.attr], ("shape", "dtype", "name")))
    return found


def _legacy_copy(ctx: CellContext, func: ast.expr) -> bool:
    """Does ``func`` call Keras 3's legacy copy of a Keras 2 backend function
    (``tf.keras.backend.zeros`` over Keras 3, the live callee as ``backend_legacy`` reads it),
    which makes a TensorFlow variable a Keras 3 layer does not track as its weight?"""
    callee = ctx.scope.callee(func)
    return callee is not None and getattr(callee[0], "__module__", None) == LEGACY_BACKEND


def _on_self(node: ast.AST) -> bool:
    """``self.x``."""
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"  # fmt: skip


def _holds_initializer(ctx: CellContext, member: ast.expr) -> bool:
    """Is every value ``self.x`` is given ``M.get(…)`` of Keras's initializers module?"""
    found = origins(ctx, member, terms=False)
    return bool(found) and all(_keras_initializer_get(ctx, o.value) for o in found)


def _keras_initializer_get(ctx: CellContext, value: ast.expr) -> bool:
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "get"):  # fmt: skip
        return False
    module = value.func.value
    path = ctx.scope.bindings.get(module.id, "") if isinstance(module, ast.Name) else ""
    root, _, last = path.rpartition(".")
    return last in MODULES and root.split(".")[0] in live.KERAS_TOPS


def _add_weight(ctx: CellContext, call: ast.Call, initializer: str, order: tuple[str, ...]) -> Edit | None:  # fmt: skip
    """The call as ``self.add_weight(shape=…, initializer=…, dtype=…, name=…)``: the shape given
    first (then the backend function's ``dtype`` and ``name``), Keras 1's ``name`` kept and its
    ``dtype`` passed on, ``dim_ordering`` left out (the layer's weights take no ordering); None
    for any other argument."""
    given = dict(zip(order, call.args))
    if not call.args or len(call.args) > len(order):
        return None
    for k in call.keywords:
        if k.arg not in (*KERAS1_KEYWORDS, "dtype") or k.arg in given:
            return None
        given[k.arg] = k.value
    texts = {k: node_text(ctx.cell, v) for k, v in given.items() if k != "dim_ordering"}
    if None in texts.values() or not initializer:
        return None
    rest = "".join(f", {k}={texts[k]}" for k in ("dtype", "name") if k in texts)
    return node_edit(ctx.cell, call, f"self.add_weight(shape={texts['shape']}, initializer={initializer}{rest})")
