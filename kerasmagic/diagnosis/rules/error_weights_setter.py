"""Error rule: a custom layer that assigns its own weight lists (``self.trainable_weights = […]``).

Keras 2.0-2.2 layers declared their weights by assigning the list in ``build``
(``self.trainable_weights = [self.gamma, self.beta]``); tf.keras 2.x and Keras 3 compute the lists
from the variables the layer tracks, and the property has no setter ("property
'trainable_weights' of 'Scale' object has no setter"; Python ≤ 3.10: "can't set attribute";
tf.keras 2.x: "Can't set the attribute …"). A variable assigned to an attribute of the layer (``self.gamma = K.variable(…)``, ``add_weight``)
is tracked already, so the assignment only restated what the layer holds. The evidence is the
live layer of the frame that raised: each listed ``self.X`` is one of its ``trainable_weights``
(a ``non_trainable_weights`` list: one of its weights, then marked ``X.trainable = False``, as the
list said). The assignment is removed, or becomes those marks. A layer that hands over the
lists of a layer it holds (``self.trainable_weights = self.attention.trainable_weights``, a
``Sequential`` made in ``build``) restates what Keras tracks too: the sublayer is an attribute of
the live layer, and the two lists hold the same variables; the assignment is removed.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import innermost_cell_frame
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, statement_removal, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "layer-weight-lists-assigned"
MESSAGES = (
    r"property '(trainable_weights|non_trainable_weights)' of '[\w.<>]+' object has no setter",  # main.<locals>.C too
    r"can't set attribute '(trainable_weights|non_trainable_weights)'",
    r"Can't set the attribute \"(trainable_weights|non_trainable_weights)\"",  # tf.keras 2.x
)


@rule(ENTRY, when=(ERROR,), family="custom-layers", errors=("AttributeError",), needs="_weights")
def weight_lists_assigned(ctx: CellContext) -> list[Problem]:
    """``self.trainable_weights = [self.a, …]`` on the failing line of a layer method."""
    found = next((m for p in MESSAGES if (m := re.search(p, ctx.message))), None)
    frame = innermost_cell_frame(ctx.exc, ctx.namespace, ctx.filename)
    if found is None or frame is None or ctx.cell.tree is None:
        return []
    prop = found.group(1)
    lines = {frame.f_lineno, frame.f_lineno + ctx.stripped_lines}
    for stmt, target in _list_assignments(ctx.cell.tree, prop):
        if stmt.lineno not in lines:
            continue
        owner = frame.f_locals.get(target.value.id)
        names = _listed_attributes(stmt.value, target.value.id)
        if owner is not None and _sublayers_list(owner, stmt.value, frame.f_locals, prop):
            edit = statement_removal(ctx.cell, stmt, ctx.cell.tree)  # the sublayer's, tracked
        elif owner is None or not names or not _tracked(owner, names, prop):
            continue
        else:
            edit = _edit(ctx, stmt, target.value.id, names, prop)
        if edit is None:
            continue
        edits = [edit, *_later_restatements(ctx, stmt, target.value.id, prop)]
        problem = from_entry(ENTRY, ctx.line or stmt.lineno, edits, [prop], ctx.shown_versions,
                             prop=prop, layer=type(owner).__name__)  # fmt: skip
        problem.certain = True  # the live layer tracks exactly these variables already
        return [problem]
    return []


def _list_assignments(tree: ast.AST, prop: str) -> list[tuple[ast.Assign | ast.AugAssign, ast.Attribute]]:  # fmt: skip
    """``X.prop = …`` and ``X.prop += …`` statements of the cell, with their target."""
    out = []
    for stmt in walk(tree):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Add):
            target = stmt.target  # ``self.trainable_weights += [self.b]``: the same restatement
        else:
            continue
        if isinstance(target, ast.Attribute) and target.attr == prop and isinstance(target.value, ast.Name):  # fmt: skip
            out.append((stmt, target))
    return out


def _later_restatements(ctx: CellContext, first: ast.stmt, owner: str, prop: str) -> list[Edit]:
    """The removals of the trainable list's later restatements in the same method, not run yet
    (``self.trainable_weights += [self.b]`` after the failing one): those whose every listed
    attribute the method makes as a weight before them, with ``add_weight`` or a Keras 1 call
    the corrected cell makes one (``keras1_layer_weights.weight_calls``)."""
    from kerasmagic.diagnosis.rules.keras1_layer_weights import weight_calls

    tree = ctx.cell.tree
    holding = [f for f in walk(tree) if isinstance(f, ast.FunctionDef) and first in ast.walk(f)] if tree is not None else []  # fmt: skip
    if not holding or prop != "trainable_weights":
        return []
    method = holding[-1]  # the innermost (walk goes outside in)
    made_by = {id(c) for c, *_ in weight_calls(ctx)}
    made: dict[str, int] = {}  # attribute -> line where the method makes it a weight
    for node in ast.walk(method):
        value = node.value if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        target = node.targets[0] if value is not None else None  # type: ignore[union-attr]
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == owner and isinstance(value, ast.Call):  # fmt: skip
            if getattr(value.func, "attr", None) == "add_weight" or id(value) in made_by:
                made[target.attr] = node.lineno
    edits = []
    for stmt, _ in _list_assignments(method, prop):
        names = _listed_attributes(stmt.value, owner)
        if stmt.lineno > first.lineno and names and all(made.get(n, stmt.lineno) < stmt.lineno for n in names):
            edit = statement_removal(ctx.cell, stmt, tree)  # type: ignore[arg-type]
            if edit is not None:
                edits.append(edit)
    return edits


def _listed_attributes(value: ast.expr, owner: str) -> list[str]:
    """``[self.a, self.b]`` → ``["a", "b"]``; [] for any other list."""
    if not isinstance(value, (ast.List, ast.Tuple)) or not value.elts:
        return []
    names = []
    for elt in value.elts:
        if not (isinstance(elt, ast.Attribute) and isinstance(elt.value, ast.Name) and elt.value.id == owner):  # fmt: skip
            return []
        names.append(elt.attr)
    return names


def _sublayers_list(owner: Any, value: ast.expr, local: dict, prop: str) -> bool:
    """``self.attention.trainable_weights``: the same list of a layer the owner tracks (an
    attribute of it), holding exactly the variables the owner's own list holds, live."""
    if not (isinstance(value, ast.Attribute) and value.attr == prop):
        return False
    sub = live_value(value.value, local)
    if sub is None or sub is owner or not live.is_keras_object(type(sub)):
        return False
    try:
        tracked = any(sub is layer for layer in owner._flatten_layers(include_self=False))
        theirs, ours = list(getattr(sub, prop)), list(getattr(owner, prop))
    except Exception:
        return False
    return tracked and {id(v) for v in theirs} == {id(v) for v in ours}


def _tracked(owner: Any, names: list[str], prop: str) -> bool:
    """Is each ``owner.<name>`` a variable the live layer already tracks (trainable, for the
    trainable list)?"""
    pool = "trainable_weights" if prop == "trainable_weights" else "weights"
    try:
        tracked = list(getattr(owner, pool))
        values = [getattr(owner, n) for n in names]
    except Exception:
        return False
    if prop != "trainable_weights" and not all(_settable_trainable(v) for v in values):
        return False  # tf.Variable (Keras 2): its trainability is fixed when it is made
    return all(any(v is w for w in tracked) for v in values)


def _settable_trainable(variable: Any) -> bool:
    """Can ``variable.trainable`` be set (a Keras 3 ``Variable``)?"""
    spec = getattr(type(variable), "trainable", None)
    return isinstance(spec, property) and spec.fset is not None


def _edit(ctx: CellContext, stmt: ast.Assign | ast.AugAssign, owner: str, names: list[str], prop: str) -> Edit | None:  # fmt: skip
    if prop == "trainable_weights":
        return statement_removal(ctx.cell, stmt, ctx.cell.tree)  # type: ignore[arg-type]
    marks = "; ".join(f"{owner}.{n}.trainable = False" for n in names)
    return node_edit(ctx.cell, stmt, marks)
