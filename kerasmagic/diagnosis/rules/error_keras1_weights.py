"""Error rule: a layer's weight read by its Keras 1 attribute (``layer.W``, ``layer.b``,
``bn.running_mean``…), which Keras 2.0 renamed (``kernel``, ``bias``, ``moving_mean``…). The
layer is the live one the ``AttributeError`` carries (``exc.obj``); the new name is the first of
the catalogue's candidates that the live layer, or the cell a recurrent layer keeps its weights in
since Keras 2.1.3, holds as a variable."""

from __future__ import annotations

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_members import member_reads
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "keras1-weight-attribute"


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("AttributeError",))
def keras1_weight_attribute(ctx: CellContext) -> list[Problem]:
    """``X.W`` where the live ``X`` is a Keras layer without ``W`` that holds a variable under one
    of the catalogue's new names (itself or its ``cell``): every such read of the cell (``X``
    bound to a layer of that class, or on the failing line) reads the new member."""
    entry = find_entry(ENTRY)
    exc = ctx.wrapped or ctx.exc
    name, obj = getattr(exc, "name", None), getattr(exc, "obj", None)
    candidates = entry.data.get("attributes", {}).get(name) if entry is not None else None
    if not candidates or ctx.cell.tree is None or obj is None or not live.is_layer_class(type(obj)):
        return []
    new = held_variable(obj, candidates)
    if new is None or hasattr(obj, name):
        return []
    edits = [e for node, value in member_reads(ctx, name, type(obj)) if (e := node_edit(ctx.cell, node, f"{value}.{new}")) is not None]  # fmt: skip
    if not edits:
        return []
    return [from_entry(ENTRY, ctx.line or edits[0].line, edits, [name], ctx.shown_versions,
                       old=name, new=new, layer=type(obj).__name__,
                       keras=ctx.versions.get("keras", "3"))]  # fmt: skip


def held_variable(layer: object, candidates: list[str]) -> str | None:
    """The first of ``candidates`` (``kernel``, ``cell.kernel``…) that ``layer`` holds as a
    variable: read through Keras's own attributes, never a call."""
    for path in [*candidates, *(f"cell.{c}" for c in candidates)]:
        value: object = layer
        for part in path.split("."):
            value = getattr(value, part, None)
        if value is not None and not callable(value) and hasattr(value, "shape") and hasattr(value, "assign"):  # fmt: skip
            return path
    return None
