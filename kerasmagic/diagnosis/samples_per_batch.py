"""Keras 1's sample counts (``samples_per_epoch=N``) as the batch counts Keras 2 and later take
(``steps_per_epoch=N // generator.batch_size``): where the generator's batch size comes from."""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.provenance import origins
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text

FLOWS = ("flow", "flow_from_directory", "flow_from_dataframe")
VALIDATION_COUNTS = ("nb_val_samples",)  # samples of the ``validation_data=`` generator


def batch_size_expr(ctx: Any, call: ast.Call, keyword: str | None = None) -> str | None:
    """How the call's generator gives its batch size: the first argument's, or for the count of
    validation samples (``nb_val_samples``, ``keyword``) the ``validation_data=`` generator's:
    ``NAME.batch_size`` of a live object that has one (a name, or an attribute chain on one, read
    live) or a name bound to an ``ImageDataGenerator.flow*`` call (in this cell or an earlier one:
    ``provenance``), or the ``batch_size=`` written in such a call; None when it is not known."""
    generator = call.args[0] if call.args else None
    if keyword in VALIDATION_COUNTS:
        generator = next((k.value for k in call.keywords if k.arg == "validation_data"), None)
    if isinstance(generator, (ast.Name, ast.Attribute)):  # a name, or a chain on one (self.train)
        text = node_text(ctx.cell, generator)
        live = live_value(generator, ctx.live_names)
        if text is not None and isinstance(getattr(live, "batch_size", None), int):
            return f"{text}.batch_size"
    if isinstance(generator, ast.Name):
        found = origins(ctx, generator, terms=False)
        made = len(found) == 1 and _is_flow(found[0].value)
        return f"{generator.id}.batch_size" if made else None
    if _is_flow(generator):
        size = next((k.value for k in generator.keywords if k.arg == "batch_size"), None)
        return node_text(ctx.cell, size) if size is not None else None
    return None


def _is_flow(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "attr", None) in FLOWS


def per_batch_edit(ctx: Any, kw: ast.keyword, batch: str) -> Edit | None:
    """``samples_per_epoch=N`` → ``… N // batch`` (its value, divided by the batch size)."""
    value = node_text(ctx.cell, kw.value) or ""
    plain = (ast.Name, ast.Constant, ast.Call, ast.Attribute, ast.Subscript)  # bind tighter than //
    value = value if isinstance(kw.value, plain) else f"({value})"
    return node_edit(ctx.cell, kw.value, f"{value} // {batch}")


def samples_note(old: str, new: str, batch: str | None) -> str:
    """What the fix says when a keyword counting samples becomes one counting batches."""
    if batch is not None:
        return f"`{old}` counted samples, `{new}` counts batches: the corrected call divides by the generator's batch size (`{batch}`), as Keras 2.0 did."  # fmt: skip
    return f"`{old}` counted samples, `{new}` counts batches: divide it by your generator's batch size, or each epoch draws that many times more batches."  # fmt: skip
