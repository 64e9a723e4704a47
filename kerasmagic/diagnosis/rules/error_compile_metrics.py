"""Error rule: a compiled metric read by its place in ``model.metrics``, which Keras 3 groups.

Keras 2's ``model.metrics`` listed the loss tracker and then each compiled metric object
(``model.metrics[-1]`` was the last metric given to ``compile``). Keras 3 lists the loss tracker
and one ``CompileMetrics`` container holding them (its own ``metrics``), so an attribute of the
user's metric read there fails: "'CompileMetrics' object has no attribute 'threshold'". Evidence:
that message, and on the failing line an index of ``M.metrics`` with ``M`` a live Keras model.
The repair reads the list Keras 2 had, each container opened in place:
``[m for g in M.metrics for m in getattr(g, "metrics", [g])]`` (for a model with one output the
same order: the loss tracker, then the compiled metrics).
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-compile-metrics-container"


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("AttributeError",), needs="metrics")
def compile_metrics(ctx: CellContext) -> list[Problem]:
    """``M.metrics[i]`` of a live Keras model on the failing line: the list Keras 2 had."""
    if "'CompileMetrics' object has no attribute" not in ctx.message or ctx.cell.tree is None:
        return []
    edits: list[Edit] = []
    models: list[str] = []
    for node in walk(ctx.cell.tree):
        if not isinstance(node, ast.Subscript) or getattr(node, "lineno", None) not in ctx.failing_lines:  # fmt: skip
            continue
        listed = node.value
        if not (isinstance(listed, ast.Attribute) and listed.attr == "metrics"):
            continue
        if not live.is_layer_class(type(value_in(ctx.live_names, listed.value))):
            continue
        model = node_text(ctx.cell, listed.value)
        edit = node_edit(ctx.cell, listed, f'[m for g in {model}.metrics for m in getattr(g, "metrics", [g])]') if model else None  # fmt: skip
        if edit is not None:
            edits.append(edit)
            models.append(model or "")
    if not edits:
        return []
    return [from_entry(ENTRY, ctx.line or edits[0].line, edits, models, ctx.shown_versions,
                       model=models[0], keras=ctx.versions.get("keras", "3"))]  # fmt: skip
