"""Error rule: ``optimizer.lr`` — Keras 3 optimizers only have ``learning_rate``."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, walk
from kerasmagic.diagnosis.rules import rule

MISSING_LR = re.compile(r"'(\w+)' object has no attribute 'lr'")


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
    """``….optimizer``, or a name the namespace binds to an optimizer instance."""
    if isinstance(node, ast.Attribute) and node.attr == "optimizer":
        return True
    if isinstance(node, ast.Name):
        value = (ctx.namespace or {}).get(node.id)
        return value is not None and live.is_optimizer_class(type(value))
    return False


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
    for node in walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "lr"):
            continue
        if not (_is_optimizer_expr(ctx, node.value) or node.lineno == ctx.line):
            continue
        whole = node_edit(ctx.cell, node, "")
        if whole is None:
            return []  # an `.lr` on an IPython line: no certain rewrite
        # only the attribute name: the expression before the dot stays byte for byte
        edits.append(
            Edit(whole.end_line, whole.end_col - 2, whole.end_line, whole.end_col, "learning_rate")
        )
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
