"""Error rules: ``optimizer.lr`` and the guard ``hasattr(optimizer, 'lr')`` — Keras 3 optimizers
only have ``learning_rate`` — and ``optimizer.decay`` and ``optimizer._decayed_lr(dtype)``, which
Keras 3 optimizers do not have."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.frames import innermost_cell_frame
from kerasmagic.diagnosis.keras3_support import keras3_here, keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    node_edit,
    node_text,
    parent_map,
    quoted_like,
    walk,
)
from kerasmagic.diagnosis.rules import rule

MISSING_LR = re.compile(r"'(\w+)' object has no attribute 'lr'")
MISSING_DECAY = re.compile(r"'(\w+)' object has no attribute 'decay'")
MISSING_DECAYED_LR = re.compile(r"'(\w+)' object has no attribute '_decayed_lr'")
SETS_VARIABLE = frozenset({"set_value", "assign", "assign_add", "assign_sub"})


def _optimizer_class(ctx: CellContext, name: str) -> type | None:
    """The live optimizer class the error names: the object's own, else by name in the Keras
    namespaces the cell uses."""
    obj = getattr(ctx.wrapped or ctx.exc, "obj", None)  # the error a layer's call raised
    if obj is not None and live.is_optimizer_class(type(obj)):
        return type(obj)
    for root in ctx.scope.cell_roots():
        status, klass = live.resolve_path(f"{root}.optimizers.{name}")
        if status == live.OK and live.is_optimizer_class(klass):
            return klass
    return None


def _is_optimizer_expr(ctx: CellContext, node: ast.AST) -> bool:
    """``….optimizer``, or a name (or attribute chain) whose live value is an optimizer."""
    if isinstance(node, ast.Attribute) and node.attr == "optimizer":
        return True
    return optimizer_of(ctx, node) is not None


@rule(
    "optimizer-lr-attribute",
    when=(ERROR,),
    family="optimizer-arguments",
    errors=("AttributeError",),
)
def optimizer_lr_attribute(ctx: CellContext) -> list[Problem]:
    """``X.lr`` on an optimizer whose live class has no ``lr`` but has ``learning_rate``: every
    such ``.lr`` of the cell (on an optimizer expression, or on the failing line) is renamed."""
    match = MISSING_LR.search(ctx.message)
    tree = ctx.cell.tree
    if match is None or tree is None:
        return []
    klass = _optimizer_class(ctx, match.group(1))
    if klass is None or hasattr(klass, "lr") or not hasattr(klass, "learning_rate"):
        return []
    edits: list[Edit] = []
    parents = parent_map(tree)
    for node in walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "lr"):
            continue
        if not (_is_optimizer_expr(ctx, node.value) or node.lineno == ctx.line):
            continue
        edit = rate_read_edit(ctx.cell, node, parents)
        if edit is None:
            return []  # an `.lr` on an IPython line: no certain rewrite
        edits.append(edit)
    if not edits:
        return []
    return [
        from_entry(
            "optimizer-lr-attribute",
            ctx.line or edits[0].line,
            edits,
            ["lr", match.group(1)],
            ctx.shown_versions,
            optimizer=match.group(1),
            keras=ctx.versions.get("keras", "3"),
        )
    ]


@rule(
    "optimizer-decay-attribute",
    when=(ERROR,),
    family="optimizer-arguments",
    errors=("AttributeError",),
)
def optimizer_decay_attribute(ctx: CellContext) -> list[Problem]:
    """``X.decay`` on an optimizer without it (Keras 3), read as Keras 2's optimizers kept it: the
    ``decay=`` argument's time-based decay as a float variable, 0.0 when none was given (callbacks
    print the rate in use as ``lr / (1 + decay * iterations)``). Where the live optimizer that
    raised takes its rate as a value, it was built without a decay, so the value Keras 2 read was
    a float zero. Where its rate is a schedule (Keras 2's ``decay=`` as an ``InverseTimeDecay``),
    ``learning_rate`` is already the rate in use, so reading the decay as 0 keeps Keras 2's
    formula's value, but only beside a read of that rate in the cell (alone, the decay read as 0
    would say no decay). Either way every ``.decay`` of an optimizer of the cell (or of the failing
    line) becomes a zero, as Keras (``keras.ops.zeros(())``: a float32 tensor, as the variable)."""
    match = MISSING_DECAY.search(ctx.message)
    tree = ctx.cell.tree
    optimizer = getattr(ctx.wrapped or ctx.exc, "obj", None)
    if match is None or tree is None or optimizer is None:
        return []
    klass = type(optimizer)
    if not live.is_optimizer_class(klass) or hasattr(klass, "decay"):
        return []
    rate = getattr(optimizer, "_learning_rate", None)  # read only: Keras 3 keeps the schedule here
    root = keras_root(ctx) if keras3_here() else None  # the zero is written with Keras 3's ops
    scheduled = callable(rate)  # a schedule (or a function): `learning_rate` is the decayed rate
    if rate is None or root is None:
        return []
    if scheduled and not _reads_rate(ctx, tree):
        return []  # the decay read alone: as 0 it would say the rate does not decay
    keras_name, imports = root
    parents = parent_map(tree)
    edits: list[Edit] = []
    for node in walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "decay"):
            continue
        if not isinstance(node.ctx, ast.Load) or _sets(node, parents):
            return []  # the code sets a decay (a schedule of its own): not a reading of 0.0
        if not (_is_optimizer_expr(ctx, node.value) or node.lineno == ctx.line):
            continue
        edit = node_edit(ctx.cell, node, f"{keras_name}.ops.zeros(())")
        if edit is None:
            return []  # on an IPython line: no certain rewrite
        edits.append(edit)
    if not edits:
        return []
    return [
        from_entry(
            "optimizer-decay-in-schedule" if scheduled else "optimizer-decay-attribute",
            ctx.line or edits[0].line,
            imports + edits,
            ["decay", match.group(1)],
            ctx.shown_versions,
            optimizer=match.group(1),
            keras=ctx.versions.get("keras", "3"),
        )
    ]


@rule(
    "optimizer-decayed-lr",
    when=(ERROR,),
    family="optimizer-arguments",
    errors=("AttributeError",),
)
def optimizer_decayed_lr(ctx: CellContext) -> list[Problem]:
    """``X._decayed_lr(dtype)`` (TensorFlow 2's private reading of the rate in use) on an
    optimizer whose live class has no ``_decayed_lr`` and has ``learning_rate`` (Keras 3's
    property: the schedule evaluated at ``iterations``, or the rate variable): every such call of
    the cell with one argument, on an optimizer expression or on the failing line, becomes
    ``keras.ops.cast(X.learning_rate, dtype)``, the same value in the same dtype."""
    match = MISSING_DECAYED_LR.search(ctx.message)
    tree = ctx.cell.tree
    optimizer = getattr(ctx.wrapped or ctx.exc, "obj", None)
    if match is None or tree is None or optimizer is None:
        return []
    klass = type(optimizer)
    if not live.is_optimizer_class(klass) or hasattr(klass, "_decayed_lr") or not hasattr(klass, "learning_rate"):  # fmt: skip
        return []
    root = keras_root(ctx) if keras3_here() else None
    if root is None:
        return []
    keras_name, imports = root
    edits: list[Edit] = []
    for call in walk(tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == "_decayed_lr"):
            continue
        if not (_is_optimizer_expr(ctx, func.value) or call.lineno == ctx.line):  # type: ignore[union-attr]
            continue
        owner, dtype = node_text(ctx.cell, func.value), call.args[0] if len(call.args) == 1 and not call.keywords else None  # type: ignore[union-attr]  # fmt: skip
        dtype_text = node_text(ctx.cell, dtype) if dtype is not None else None
        edit = node_edit(ctx.cell, call, f"{keras_name}.ops.cast({owner}.learning_rate, {dtype_text})") if owner and dtype_text else None  # fmt: skip
        if edit is None:
            return []  # another signature, or an IPython line: no certain rewrite
        edits.append(edit)
    if not edits:
        return []
    return [
        from_entry(
            "optimizer-decayed-lr",
            ctx.line or edits[0].line,
            imports + edits,
            ["_decayed_lr", match.group(1)],
            ctx.shown_versions,
            optimizer=match.group(1),
            keras=ctx.versions.get("keras", "3"),
        )
    ]


def _reads_rate(ctx: CellContext, tree: ast.AST) -> bool:
    """Does the cell read the rate in use of an optimizer (``….learning_rate``, or ``….lr``, which
    its own rule renames to it): of an optimizer expression, or of the expression whose
    ``.decay`` the failing line reads (``optimizer.decay`` of a callback's local name)?"""
    attributes = [n for n in walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)]  # fmt: skip
    owners = {ast.dump(n.value) for n in attributes if n.attr == "decay" and n.lineno == ctx.line}
    return any(
        n.attr in ("learning_rate", "lr")
        and (_is_optimizer_expr(ctx, n.value) or ast.dump(n.value) in owners)
        for n in attributes
    )


def _sets(node: ast.Attribute, parents: dict[int, ast.AST]) -> bool:
    """Is ``node`` (``….decay``) a variable the code sets: ``K.set_value(….decay, v)`` or
    ``….decay.assign(v)``?"""
    parent = parents.get(id(node))
    if isinstance(parent, ast.Attribute) and parent.attr in SETS_VARIABLE:
        return True
    if isinstance(parent, ast.Call) and parent.args and parent.args[0] is node:
        func = parent.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in SETS_VARIABLE
    return False


MEMBER_BUILTINS = ("hasattr", "getattr", "setattr")


@rule("optimizer-lr-guard", when=(ERROR,), family="optimizer-arguments")
def optimizer_lr_guard(ctx: CellContext) -> list[Problem]:
    """``hasattr(self.model.optimizer, 'lr')`` (Keras 2's custom schedule callback, checking
    before it reads the rate) is False on a Keras 3 optimizer, and the code raises its own error
    or skips the schedule. Where the frame that raised holds, under the guarded expression, an
    optimizer whose live class has ``learning_rate`` and no ``lr``: the name in every
    ``hasattr``/``getattr``/``setattr`` of an optimizer of the cell becomes ``'learning_rate'``,
    and every ``.lr`` of one with it (the error the next line would raise)."""
    tree = ctx.cell.tree
    frame = innermost_cell_frame(ctx.exc, ctx.namespace, ctx.filename)
    if tree is None or frame is None:
        return []
    proven = False
    for node in lr_guards(ctx):
        optimizer = value_in(frame.f_locals, node.args[0])
        klass = type(optimizer) if optimizer is not None else None
        if klass is not None and live.is_optimizer_class(klass):
            if not learning_rate_only(klass):
                return []  # this Keras still has `lr`: the guard is not the problem
            proven = True
    edits = guard_edits(ctx)
    if not proven or not edits:
        return []
    return [from_entry("optimizer-lr-guard", ctx.line or edits[0].line, edits, ["lr"], ctx.shown_versions)]  # fmt: skip


def imports_missing_keras(ctx: CellContext) -> bool:
    """Does the cell import a Keras package (or TensorFlow) that is not installed here? Its
    optimizers are then none of the live ones."""
    for node in walk(ctx.cell.tree):  # type: ignore[arg-type]
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        tops = {n.split(".")[0] for n in names} & {"tensorflow", "keras", "tf_keras"}
        if any(not live.top_exists(top) for top in tops):
            return True
    return False


def learning_rate_only(klass: type) -> bool:
    return not hasattr(klass, "lr") and hasattr(klass, "learning_rate")


def lr_guards(ctx: CellContext) -> list[ast.Call]:
    """``hasattr``/``getattr``/``setattr`` of ``'lr'`` on an optimizer expression of the cell."""
    return [
        node
        for node in walk(ctx.cell.tree)  # type: ignore[arg-type]
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in MEMBER_BUILTINS
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and node.args[1].value == "lr"
        and _is_optimizer_expr(ctx, node.args[0])
    ]


def lr_stores(ctx: CellContext) -> list[ast.Attribute]:
    """``optimizer.lr = …`` (or ``+=`` …) of the cell: an ``.lr`` set on an optimizer expression."""
    return [
        node
        for node in walk(ctx.cell.tree)  # type: ignore[arg-type]
        if isinstance(node, ast.Attribute)
        and node.attr == "lr"
        and isinstance(node.ctx, ast.Store)
        and _is_optimizer_expr(ctx, node.value)
    ]


def optimizer_of(ctx: CellContext, node: ast.AST) -> object | None:
    """The live optimizer an expression of the cell names: a name or an attribute chain whose
    value in the namespace is one (``opt``, ``model.optimizer`` of a compiled model)."""
    value = value_in(ctx.namespace or {}, node)
    return value if value is not None and live.is_optimizer_class(type(value)) else None


def guard_edits(ctx: CellContext) -> list[Edit]:
    """``'learning_rate'`` for the name of every guard, and ``.learning_rate`` for every ``.lr``
    of an optimizer expression of the cell."""
    edits: list[Edit] = []
    for node in lr_guards(ctx):
        text = node_text(ctx.cell, node.args[1])
        edit = node_edit(ctx.cell, node.args[1], quoted_like(text, "learning_rate"))
        if edit is not None:
            edits.append(edit)
    parents = parent_map(ctx.cell.tree)  # type: ignore[arg-type]
    for node in walk(ctx.cell.tree):  # type: ignore[arg-type]
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "lr"
            and _is_optimizer_expr(ctx, node.value)
        ):
            edit = rate_read_edit(ctx.cell, node, parents)
            if edit is not None:
                edits.append(edit)
    return edits


def rate_read_edit(cell: ParsedCell, node: ast.Attribute, parents: dict[int, ast.AST]) -> Edit | None:  # fmt: skip
    """The edit making ``R.lr`` Keras 3's ``R.learning_rate`` (only the attribute's name: the
    expression before the dot stays byte for byte); where it is called at the optimizer's own
    step, ``R.lr(R.iterations)`` (tf.keras 2's schedule read at the step in use), the whole call
    becomes ``R.learning_rate``, which Keras 3 evaluates so. None on an IPython line."""
    call = parents.get(id(node))
    if isinstance(call, ast.Call) and at_own_step(call):
        owner = node_text(cell, node.value)
        return node_edit(cell, call, f"{owner}.learning_rate") if owner else None
    whole = node_edit(cell, node, "")
    if whole is None:
        return None
    return Edit(whole.end_line, whole.end_col - 2, whole.end_line, whole.end_col, "learning_rate")


def at_own_step(call: ast.Call) -> bool:
    """``R.<rate>(R.iterations)``: a rate attribute called with the same optimizer's step."""
    func, args = call.func, call.args
    if not (isinstance(func, ast.Attribute) and len(args) == 1 and not call.keywords):
        return False
    step = args[0]
    return isinstance(step, ast.Attribute) and step.attr == "iterations" and ast.dump(step.value) == ast.dump(func.value)  # fmt: skip


NOT_CALLABLE = re.compile(r"object is not callable")


@rule("optimizer-schedule-at-step", when=(ERROR,), family="optimizer-arguments", errors=("TypeError",), needs="iterations")  # fmt: skip
def optimizer_schedule_at_step(ctx: CellContext) -> list[Problem]:
    """``R.learning_rate(R.iterations)`` on the failing line: tf.keras 2's ``learning_rate`` of an
    optimizer built with a schedule was the schedule, read here at the step in use; a Keras 3
    optimizer's is that rate already (it keeps the schedule, read live, in ``_learning_rate`` and
    evaluates it at ``iterations``), so the call becomes ``R.learning_rate``, the same value."""
    tree = ctx.cell.tree
    if tree is None or not NOT_CALLABLE.search(ctx.message):
        return []
    frame = innermost_cell_frame(ctx.exc, ctx.namespace, ctx.filename)  # a callback's locals
    scopes = [*([frame.f_locals] if frame is not None else []), ctx.namespace or {}]
    edits: list[Edit] = []
    for call in walk(tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == "learning_rate" and call.lineno in ctx.failing_lines):  # fmt: skip
            continue
        found = [value_in(scope, func.value) for scope in scopes] if at_own_step(call) else []  # type: ignore[arg-type]
        optimizer = next((v for v in found if live.is_optimizer_class(type(v))), None)
        if optimizer is None or not callable(getattr(optimizer, "_learning_rate", None)):
            continue  # no schedule held (read as stored: evaluating the rate would run it)
        edit = rate_read_edit(ctx.cell, func, {id(func): call})
        if edit is None:
            return []
        edits.append(edit)
    if not edits:
        return []
    problem = from_entry("optimizer-schedule-at-step", ctx.line or edits[0].line, edits, ["learning_rate", "iterations"], ctx.shown_versions, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    problem.certain = True  # Keras 3's property is the schedule at `iterations`
    return [problem]
