"""Error rule: a method Keras 2 kept under an old name, called on a Keras 3 object that has only
the new one (``metric.reset_states()`` → ``reset_state()``). The object is the live one the
``AttributeError`` carries (``exc.obj``); the renames are catalogue data per Keras base class.
A list of layers a layer holds lost TensorFlow 2's ``.layers`` (``layer_list_layers``); a member
Keras 2.15 kept only to return a fixed value (``layer.updates``: ``[]``) becomes that value."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, statement_removal, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

RENAMED = "keras3-renamed-member"
PRIVATE = "keras2-private-tensor-member"


@rule(RENAMED, when=(ERROR,), family="model-methods", errors=("AttributeError",))
def renamed_member(ctx: CellContext) -> list[Problem]:
    """``obj.old`` where the live ``obj`` (a Keras object: its class or a base named in the
    catalogue) lacks ``old`` and has ``new``: every ``X.old`` of the cell whose ``X`` is bound to
    an object of that base (or is on the failing line) becomes ``X.new``."""
    return _renamed(ctx, RENAMED, methods=True)


@rule(PRIVATE, when=(ERROR,), family="model-methods", errors=("AttributeError",))
def private_member(ctx: CellContext) -> list[Problem]:
    """``x._keras_shape`` where the live ``x`` (a Keras 3 ``KerasTensor``) lacks the private
    member Keras 2.0-2.2 set on its tensors and has its public name: read as that name."""
    return _renamed(ctx, PRIVATE, methods=False)


def _renamed(ctx: CellContext, entry_id: str, *, methods: bool) -> list[Problem]:
    """Every read of the member the ``AttributeError`` names, on objects of the Keras base the
    catalogue entry ``entry_id`` renames it for, under its new name (``methods``: the new member
    must be callable)."""
    entry = find_entry(entry_id)
    exc = ctx.wrapped or ctx.exc  # a layer's call re-raised by Keras loses name and obj
    name, obj = getattr(exc, "name", None), getattr(exc, "obj", None)
    if entry is None or ctx.cell.tree is None or not isinstance(name, str) or obj is None:
        return []
    base = _renaming_base(obj, name, entry.data.get("members", {}), methods)
    if base is None:
        return []
    new = entry.data["members"][base.__name__][name]
    edits = [e for node, value in member_reads(ctx, name, base) if (e := node_edit(ctx.cell, node, f"{value}.{new}")) is not None]  # fmt: skip
    if not edits:
        return []
    return [
        from_entry(
            entry_id,
            ctx.line or edits[0].line,
            edits,
            [name, new],
            ctx.shown_versions,
            old=name,
            new=new,
            base=base.__name__,
            keras=ctx.versions.get("keras", "3"),
        )
    ]


def _renaming_base(obj: object, name: str, members: dict, methods: bool = True) -> type | None:
    """The Keras base class of ``obj`` whose catalogue renames say what ``name`` became, where
    the live object lacks ``name`` and has the new member (``methods``: a callable one)."""
    klass = _member_base(obj, name, members)
    new = members[klass.__name__][name] if klass is not None else None
    if new is None or not hasattr(obj, new):
        return None
    return klass if callable(getattr(obj, new)) or not methods else None


def _member_base(obj: object, name: str, members: dict) -> type | None:
    """The Keras base class of ``obj`` (its class or a base) whose catalogue table ``members``
    names ``name``, where the live object lacks ``name``."""
    try:
        mro = type(obj).__mro__
    except Exception:
        return None
    for klass in mro:
        if name not in members.get(klass.__name__, {}) or not live.is_keras_object(klass):
            continue
        return None if hasattr(obj, name) else klass
    return None


def member_reads(ctx: CellContext, name: str, base: type) -> list[tuple[ast.Attribute, str]]:
    """Each read ``X.name`` of the cell whose ``X`` is bound to a ``base`` (or is on the failing
    line), with the text of ``X``."""
    namespace = ctx.namespace or {}
    found = []
    for node in walk(ctx.cell.tree):
        if not (isinstance(node, ast.Attribute) and node.attr == name and isinstance(node.ctx, ast.Load)):  # fmt: skip
            continue
        bound = isinstance(node.value, ast.Name) and isinstance(namespace.get(node.value.id), base)
        value = node_text(ctx.cell, node.value) if bound or node.lineno == ctx.line else None
        if value:
            found.append((node, value))
    return found


FIXED = "keras3-removed-fixed-member"


@rule(FIXED, when=(ERROR,), family="model-methods", errors=("AttributeError",))
def removed_fixed_member(ctx: CellContext) -> list[Problem]:
    """``layer.updates`` on a live Keras 3 layer, which has no ``updates``: Keras 2.15 returned
    ``[]`` whatever the layer held (the catalogue's value per base class and member). Each read
    of it in the cell on an object of that base (or on the failing line) becomes the value."""
    entry = find_entry(FIXED)
    exc = ctx.wrapped or ctx.exc
    name, obj = getattr(exc, "name", None), getattr(exc, "obj", None)
    if entry is None or ctx.cell.tree is None or not isinstance(name, str) or obj is None:
        return []
    members = entry.data.get("members", {})
    base = _member_base(obj, name, members)
    if base is None:
        return []
    value, why = members[base.__name__][name]
    edits = [e for node, _ in member_reads(ctx, name, base) if (e := node_edit(ctx.cell, node, value)) is not None]  # fmt: skip
    if not edits:
        return []
    return [from_entry(FIXED, ctx.line or edits[0].line, edits, [name], ctx.shown_versions, name=name,
                       value=value, why=why, base=base.__name__, keras=ctx.versions.get("keras", "3"))]  # fmt: skip


NODE_ZERO = "keras3-node-accessor"


@rule(NODE_ZERO, when=(ERROR,), family="model-methods", errors=("AttributeError",))
def node_accessor(ctx: CellContext) -> list[Problem]:
    """``layer.get_output_at(0)`` (``get_input_at``, ``get_output_shape_at``…) on a live Keras 3
    layer, which has only the ``output`` (``input``) property: Keras 3's property is the tensor of
    the layer's first node, what ``get_output_at(0)`` returned (its ``.shape``, or a model's
    ``output_shape``, what ``get_output_shape_at(0)`` did); each such call of the cell with the literal index 0 on an
    object of that class (or on the failing line) becomes the property."""
    entry = find_entry(NODE_ZERO)
    exc = ctx.wrapped or ctx.exc
    name, obj = getattr(exc, "name", None), getattr(exc, "obj", None)
    accessors = entry.data.get("accessors", {}) if entry is not None else {}
    if ctx.cell.tree is None or name not in accessors or obj is None:
        return []
    spellings = [p for p in accessors[name] if isinstance(getattr(type(obj), p.split(".")[0], None), property)]  # fmt: skip
    if hasattr(obj, name) or not spellings:
        return []
    prop = spellings[0]
    namespace = ctx.namespace or {}
    edits = []
    for call in walk(ctx.cell.tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == name and not call.keywords):  # type: ignore[union-attr]
            continue
        if not (len(call.args) == 1 and isinstance(call.args[0], ast.Constant) and call.args[0].value == 0):  # type: ignore[union-attr]  # fmt: skip
            continue
        owner = func.value
        bound = isinstance(owner, ast.Name) and isinstance(namespace.get(owner.id), type(obj))
        if not (bound or call.lineno == ctx.line):
            continue
        value = node_text(ctx.cell, owner)
        edit = node_edit(ctx.cell, call, f"{value}.{prop}") if value else None
        if edit is not None:
            edits.append(edit)
    if not edits:
        return []
    return [
        from_entry(
            NODE_ZERO,
            ctx.line or edits[0].line,
            edits,
            [name, prop],
            ctx.shown_versions,
            old=name,
            new=prop,
            keras=ctx.versions.get("keras", "3"),
        )  # fmt: skip
    ]


LAYER_LIST = "keras3-layer-list-layers"


@rule(LAYER_LIST, when=(ERROR,), family="model-methods", errors=("AttributeError",), needs=".layers")  # fmt: skip
def layer_list_layers(ctx: CellContext) -> list[Problem]:
    """``self.blocks.layers`` where ``self.blocks`` is a list of layers a layer holds: TensorFlow
    2's ``ListWrapper`` gave its layers under ``layers``; Keras 3's ``TrackedList`` is the plain
    list of them. The live list the ``AttributeError`` carries holds only layers: each ``X.layers``
    of the failing lines whose ``X`` is that very list (read from the frame) becomes ``X``."""
    exc = ctx.wrapped or ctx.exc
    name, obj = getattr(exc, "name", None), getattr(exc, "obj", None)
    if name != "layers" or not isinstance(obj, list) or not obj or ctx.cell.tree is None:
        return []
    if not live.from_keras(type(obj)) or not all(live.is_layer_class(type(x)) for x in obj):
        return []
    scope = ctx.live_names  # the namespace under the failing frame's locals
    edits = []
    for node in walk(ctx.cell.tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "layers"):
            continue
        if node.lineno not in ctx.failing_lines or value_in(scope, node.value) is not obj:
            continue
        text = node_text(ctx.cell, node.value)
        edit = node_edit(ctx.cell, node, text) if text else None
        if edit is not None:
            edits.append(edit)
    if not edits:
        return []
    keras = ctx.versions.get("keras", "3")
    return [from_entry(LAYER_LIST, edits[0].line, edits, ["layers"], ctx.shown_versions, keras=keras)]  # fmt: skip


ADD_UPDATE = "keras3-add-update-removed"
ASSIGNS = ("assign", "assign_add", "assign_sub")
NO_ADD_UPDATE = re.compile(r"'(\w+)' object has no attribute 'add_update'")


@rule(ADD_UPDATE, when=(ERROR,), family="model-methods", errors=("AttributeError",), needs="add_update")  # fmt: skip
def add_update_removed(ctx: CellContext) -> list[Problem]:
    """``self.add_update(v.assign(x))`` on a live Keras 3 layer, which has no ``add_update``:
    the assignment ran where it is written (TensorFlow 2 assigns when ``assign`` runs), and Keras
    2's ``add_update`` ignored an update that was not callable. Each such statement of the cell
    whose update is provably an assignment (written there, or a name bound to one in the same
    function) goes."""
    exc = ctx.wrapped or ctx.exc
    klass = type(getattr(exc, "obj", None)) if getattr(exc, "name", None) == "add_update" else None
    if klass is None:  # re-raised by a tf.function's AutoGraph: the class the message names
        found = NO_ADD_UPDATE.search(ctx.message)
        value = (ctx.live_names or {}).get(found.group(1)) if found else None  # a class main() defines too
        klass = value if isinstance(value, type) else None
    if klass is None or ctx.cell.tree is None:
        return []
    if not live.is_layer_class(klass) or hasattr(klass, "add_update"):
        return []
    edits = []
    for klass in walk(ctx.cell.tree):
        if not isinstance(klass, ast.ClassDef):
            continue
        methods = _assigning_methods(klass)
        for function in klass.body:
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            assigned = _assignment_names(function, methods)
            for stmt in walk(function):
                call = stmt.value if isinstance(stmt, ast.Expr) else None
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                    continue
                if call.func.attr != "add_update" or len(call.args) != 1 or call.keywords:
                    continue
                if not _is_assignment(call.args[0], assigned, methods):
                    continue
                edit = statement_removal(ctx.cell, stmt, ctx.cell.tree)  # type: ignore[arg-type]
                if edit is not None:
                    edits.append(edit)
    if not edits:
        return []
    return [from_entry(ADD_UPDATE, ctx.line or edits[0].line, edits, ["add_update"], ctx.shown_versions,
                       keras=ctx.versions.get("keras", "3"))]  # fmt: skip


def _assigning_methods(klass: ast.ClassDef) -> set[str]:
    """The class's methods every ``return`` of which returns an assignment's result
    (``return variable.assign(delta)``), read from their bodies."""
    out: set[str] = set()
    for method in klass.body:
        if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            returns = [n.value for n in walk(method) if isinstance(n, ast.Return)]
            if returns and all(r is not None and _is_assignment(r, _assignment_names(method, set()), set()) for r in returns):  # fmt: skip
                out.add(method.name)
    return out


def _assignment_names(function: ast.AST, methods: set[str]) -> set[str]:
    """The names the function binds, each only to an assignment's result (``u = v.assign(x)``)."""
    made: dict[str, bool] = {}
    for node in walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    only = _is_assignment(node.value, set(), methods)
                    made[target.id] = made.get(target.id, True) and only
    return {n for n, only in made.items() if only}


def _is_assignment(node: ast.expr | None, assigned: set[str], methods: set[str]) -> bool:
    """A variable's ``assign``/``assign_add``/``assign_sub`` call, a method of the class that
    returns one (``self.assign_moving_average(v, x)``), a name bound only to one, or a list of
    them."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return bool(node.elts) and all(_is_assignment(e, assigned, methods) for e in node.elts)
    if isinstance(node, ast.Name):
        return node.id in assigned
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr in ASSIGNS:
        return True
    receiver = node.func.value
    return isinstance(receiver, ast.Name) and receiver.id == "self" and node.func.attr in methods
