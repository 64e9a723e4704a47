"""Error rule: a ``Sequential`` model that standalone Keras (up to 2.3) saved to ``.h5``, loaded by
Keras 3 with one axis too many in its input.

Those Kerases recorded the input on the first layer's config as ``batch_input_shape`` (batch axis
first, ``[null, 13]``); Keras 3's legacy loader passes it to the layer as ``input_shape`` (batch
axis left out), so the model it rebuilds expects ``(None, None, 13)`` and refuses the data it was
trained on: "Invalid input shape … Expected shape (None, None, 13), but input has incompatible
shape (None, 13)". The layers and their weights are loaded as saved.

Evidence: Keras's message (the shape expected, the shape received); the live model whose input
has the shape expected; the ``load_model`` that bound it, in this cell or an earlier one, of a file
whose first layer records the shape expected without its first axis. The fix puts the loaded
layers in a ``Sequential`` that starts from the recorded batch shape, right after the load (the
corrected cell does it at its top when the load is in an earlier cell; ``migrate`` after the load
itself): the same layers with the same weights, called on the data they were trained on.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.reload_fix import keras_alias, load_calls
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    after_statement,
    insertion_line,
    statement_of,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.probes.saved_files import read_h5_model

ENTRY = "keras2-h5-sequential-input"
SHAPES = re.compile(r"Expected shape \(([^)]*)\), but input has incompatible shape \(([^)]*)\)")


def _shape(text: str) -> tuple[int | None, ...] | None:
    try:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        return tuple(None if p == "None" else int(p) for p in parts)
    except ValueError:
        return None


@rule(ENTRY, when=(ERROR,), family="saving", errors=("ValueError",))
def sequential_input_axis(ctx: CellContext) -> list[Problem]:
    """The loaded model rebuilt from its recorded batch shape, after the load that bound it."""
    found = SHAPES.search(ctx.message)
    expected = _shape(found.group(1)) if found else None
    received = _shape(found.group(2)) if found else None
    if expected is None or received is None or len(expected) != len(received) + 1:
        return []
    for index, parsed in cells(ctx):
        for call, root, target in load_calls(parsed, ctx.namespace):
            model = ctx.live_names.get(target) if target else None
            if target is None or _input_shape(model) != expected:
                continue
            saved = read_h5_model(_path(ctx, call))
            if saved is None or saved.first_batch_shape is None:
                continue
            if (None, *saved.first_batch_shape) != expected:
                continue
            problem = _problem(ctx, index, parsed, call, root, target, saved.first_batch_shape)
            return [problem] if problem is not None else []
    return []


def _input_shape(model: object) -> tuple | None:
    """The live model's one input shape (read, not computed); None for anything else."""
    if type(model).__name__ != "Sequential" or not type(model).__module__.startswith("keras"):
        return None
    try:
        inputs = model.inputs  # type: ignore[attr-defined]
    except Exception:
        return None
    if not isinstance(inputs, list) or len(inputs) != 1:
        return None
    shape = getattr(inputs[0], "shape", None)
    return tuple(shape) if isinstance(shape, tuple) else None


def _path(ctx: CellContext, call: ast.Call) -> str | None:
    """The file the load read: a literal, or the live value of what the call passes."""
    return string_value(ctx, call.args[0]) if call.args else None


def _problem(ctx: CellContext, index: int | None, parsed: ParsedCell, call: ast.Call, root: str,
             target: str, shape: tuple) -> Problem | None:  # fmt: skip
    spelt = keras_alias(parsed, root) or keras_alias(ctx.cell, root, ctx.namespace) or "keras"
    rebuild = f"{target} = {spelt}.Sequential([{spelt}.Input(batch_shape={shape!r}), *{target}.layers], name={target}.name)"  # fmt: skip
    statement = statement_of(parsed.tree, call)
    if statement is None:
        return None
    after = after_statement(parsed, statement, rebuild)
    line = insertion_line(ctx.cell)
    here = after if index is None else Edit(line, 0, line, 0, rebuild + "\n")
    problem = from_entry(ENTRY, ctx.line or call.lineno, [here], ["load_model", target],
                         ctx.shown_versions, model=target, shape=str(shape))  # fmt: skip
    if index is not None:
        problem.across = [Edit(after.line, after.col, after.end_line, after.end_col, after.text, index)]
    problem.certain = True  # the live model has the axis the file does not record
    return problem
