"""Static rule: a Keras 1 custom layer that makes a weight by calling its initializer
(``self.W = self.init((d, k), name='{}_W'.format(self.name))``, with ``self.init =
initializations.get('glorot_uniform')`` where the layer is made).

Keras 1's initializers were functions that returned a variable (keras/initializations.py,
1.2.2), so calling one in ``build`` made the layer's weight. Since Keras 2 an initializer is an
object that returns the initial values, a tensor, and refuses ``name=``; the layer makes its
weight with ``add_weight``, giving the same initializer. The evidence: the call is in a method
of a class whose bases are live Keras layers, assigned to an attribute of ``self``, and what it
calls is an attribute of ``self`` set from ``M.get(…)`` with ``M`` Keras's initializers module
(Keras 1's name ``initializations``, or ``initializers``), in this cell or an earlier one.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import enclosing_keras_classes
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import origins
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras1-initializer-weight"
KERAS1_KEYWORDS = ("name", "dim_ordering")  # what Keras 1's initializer functions took
MODULES = ("initializations", "initializers")


@rule(ENTRY, when=(STATIC,), family="custom-layers", needs=r"self\.\w+\(")
def initializer_weights(ctx: CellContext) -> list[Problem]:
    """``self.W = self.init(shape, name=…)`` in a Keras layer's method →
    ``self.W = self.add_weight(shape=shape, initializer=self.init, name=…)``."""
    tree = ctx.cell.tree
    if tree is None:
        return []
    classes = enclosing_keras_classes(ctx, tree)
    edits: list[Edit] = []
    for stmt in walk(tree):
        call = stmt.value if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
        if not isinstance(call, ast.Call) or not _on_self(stmt.targets[0]) or not _on_self(call.func):  # type: ignore[union-attr]
            continue
        if not any(live.is_layer_class(b) for b in classes.get(id(call), [])):
            continue
        if not _holds_initializer(ctx, call.func):
            continue
        edit = _add_weight(ctx, call)
        if edit is not None:
            edits.append(edit)
    if not edits:
        return []
    problem = from_entry(ENTRY, edits[0].line, edits, ["initializer", "add_weight"], ctx.shown_versions,
                         keras=ctx.versions.get("keras", "2"))  # fmt: skip
    problem.certain = True  # a variable of the same shape, initializer and name; verified by running
    return [problem]


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


def _add_weight(ctx: CellContext, call: ast.Call) -> Edit | None:
    """The call as ``self.add_weight(shape=…, initializer=self.x, name=…)``: the shape given
    first, Keras 1's ``name`` kept and its ``dim_ordering`` left out (the layer's weights take
    no ordering); None for any other argument."""
    if len(call.args) != 1 or any(k.arg not in KERAS1_KEYWORDS for k in call.keywords):
        return None
    shape = node_text(ctx.cell, call.args[0])
    initializer = node_text(ctx.cell, call.func)
    name = next((node_text(ctx.cell, k.value) for k in call.keywords if k.arg == "name"), None)
    if shape is None or initializer is None:
        return None
    named = f", name={name}" if name is not None else ""
    return node_edit(ctx.cell, call, f"self.add_weight(shape={shape}, initializer={initializer}{named})")
