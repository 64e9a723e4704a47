"""Error rule: a Keras 2 callback that stores its model itself (``self.model = model``).

Keras 2's ``Callback.model`` was a plain attribute that ``set_model`` assigned; Keras 3 makes it a
read-only property over what ``set_model`` stores, so the assignment a Keras 2 callback makes
(in its own ``set_model``, or in ``__init__`` to keep a model it is given) fails. The assignment
becomes the base class's ``set_model``, which stores the model where the property reads it."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-callback-model-property"
NO_SETTER = re.compile(r"property '(?P<attr>model)' of '(?P<cls>[\w.<>]+)' object has no setter|can't set attribute '?model'?")  # fmt: skip


@rule(ENTRY, when=(ERROR,), family="callbacks", errors=("AttributeError",))
def callback_model_property(ctx: CellContext) -> list[Problem]:
    """``self.model = value`` on the failing line, in a class of these cells whose live class is
    a Keras ``Callback`` with a read-only ``model``: inside its ``set_model``,
    ``super().set_model(value)``; elsewhere ``self.set_model(value)`` (Keras's own, where the
    class does not define ``set_model``)."""
    found = NO_SETTER.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or tree is None or ctx.line is None:
        return []
    for klass_node in walk(tree):
        if not isinstance(klass_node, ast.ClassDef):
            continue
        klass = ctx.live_names.get(klass_node.name)  # a class a function defines: its locals
        if not _keras3_callback(klass):
            continue
        for method in klass_node.body:
            if not isinstance(method, ast.FunctionDef):
                continue
            problem = _assignment_fix(ctx, klass, method)
            if problem is not None:
                return [problem]
    return []


def _keras3_callback(klass: object) -> bool:
    """A class whose Keras ``Callback`` base has ``model`` as a property without a setter."""
    if not isinstance(klass, type):
        return False
    for base in klass.__mro__:
        if base.__name__ == "Callback" and str(base.__module__).startswith("keras"):
            prop = base.__dict__.get("model")
            return isinstance(prop, property) and prop.fset is None
    return False


def _assignment_fix(ctx: CellContext, klass: type, method: ast.FunctionDef) -> Problem | None:
    for stmt in walk(method):
        if not (
            isinstance(stmt, ast.Assign)
            and stmt.lineno == ctx.line
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Attribute)
            and stmt.targets[0].attr == "model"
            and isinstance(stmt.targets[0].value, ast.Name)
            and stmt.targets[0].value.id == "self"
        ):
            continue
        value = node_text(ctx.cell, stmt.value)
        if value is None:
            return None
        if method.name == "set_model":
            call = f"super().set_model({value})"
        elif "set_model" not in klass.__dict__:
            call = f"self.set_model({value})"
        else:
            return None
        edit = node_edit(ctx.cell, stmt, call)
        if edit is None:
            return None
        return from_entry(
            ENTRY,
            stmt.lineno,
            [edit],
            ["model", klass.__name__],
            ctx.shown_versions,
            callback=klass.__name__,
            call=call,
            keras=ctx.versions.get("keras", "3"),
        )
    return None
