"""Keras 3 rule: one model method given data of two ranks. Keras 3 compiles ``predict`` (``fit``,
``evaluate``) into a ``tf.function`` with ``reduce_retracing=True``: data of another rank than
the first call's makes it trace once more with a shape of unknown rank, which a functional
model's input check cannot read ("as_list() is not defined on an unknown TensorShape"; a
``Sequential``'s call: "Cannot take the length of shape with unknown rank").

The first call passed data one axis short of the model's input (``(batch,)`` for an input of
shape ``(None, 1)``): Keras 2 expanded it (``data_adapter.expand_1d``), Keras 3 adjusts the
missing last axis of size 1 inside the traced function. That earlier call, found in the cell or an
earlier one on the same live model, gets ``np.expand_dims(x, -1)``, the data Keras 2 gave the
model, so every call traces the one rank. Its data is proved one axis short from the live array
it names, or from the numbers of a literal ``np.array([...])``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import Any

from kerasmagic.diagnosis.array_inputs import numpy_name, plain_value, with_numpy_import
from kerasmagic.diagnosis.compiled import failing_model_calls
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    insertion_line,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.source_bindings import bindings

# a functional model's input check, and a Sequential's own call, on the retraced shape
UNKNOWN_RANK = re.compile(
    r"as_list\(\) is not defined on an unknown TensorShape|Cannot take the length of shape with unknown rank"
)
# each data method → the compiled function it runs (calls of one function share its traces)
TRACED = {
    "predict": "predict",
    "predict_on_batch": "predict",
    "fit": "train",
    "train_on_batch": "train",
    "evaluate": "test",
    "test_on_batch": "test",
}
ARRAY_MAKERS = ("array", "asarray")


@rule("keras3-data-rank-retraced", when=(ERROR,), family="model-methods", errors=("ValueError",))
def data_rank_retraced(ctx: CellContext) -> list[Problem]:
    """A model method failing on a shape of unknown rank, where an earlier call of the same
    compiled method on the same live model passed data one axis short of its input."""
    if not UNKNOWN_RANK.search(ctx.message) or ctx.cell.tree is None:
        return []
    names = ctx.live_names or {}
    for call, receiver, model in failing_model_calls(ctx, tuple(TRACED)):
        ranks = _input_ranks(model)
        if not ranks or "." in receiver:
            continue
        edits = _short_calls(ctx, call, receiver, TRACED[call.func.attr], ranks, names)  # type: ignore[attr-defined]
        if not edits:
            continue
        here = [e for e in edits if e.cell is None]
        maker = f"make_{TRACED[call.func.attr]}_function"  # type: ignore[attr-defined]
        if len(here) < len(edits) and hasattr(model, maker):
            # the kernel's model keeps the earlier cell's trace: this cell traces it anew
            at = insertion_line(ctx.cell)
            note = "  # traced before for data one axis short: trace it anew\n"
            here = [Edit(at, 0, at, 0, f"{receiver}.{maker}(force=True){note}")]
        problem = from_entry(
            "keras3-data-rank-retraced",
            call.lineno,
            here,
            ["x"],
            ctx.shown_versions,
            method=call.func.attr,  # type: ignore[attr-defined]
            keras=ctx.versions.get("keras", "3"),
        )
        if any(e.cell is not None for e in edits):
            problem.across = edits  # migrate: the earlier call itself, the cell left as it is
        return [problem]
    return []


def _input_ranks(model: Any) -> list[int] | None:
    """The rank of each input of a live functional model (``(None, 1)``: 2), else None."""
    try:
        inputs = list(model.inputs)
        return [len(tuple(t.shape)) for t in inputs] or None
    except Exception:
        return None


def _short_calls(
    ctx: CellContext,
    failing: ast.Call,
    receiver: str,
    traced: str,
    ranks: list[int],
    names: dict,
) -> list[Edit]:
    """``np.expand_dims(x, -1)`` for each input one axis short of the model's in the calls of
    the same compiled method on ``receiver`` made before the failing one, since the name was
    last bound (in this cell, then earlier cells, newest first)."""
    edits: list[Edit] = []
    for index, parsed in cells(ctx):
        tree = parsed.tree
        if tree is None:
            continue
        bound = [s.lineno for s, _ in bindings(tree, receiver)]
        limit = failing.lineno if index is None else None
        start = max([n for n in bound if limit is None or n < limit], default=0)
        for call in walk(tree):
            if not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name)
                and call.func.value.id == receiver
                and TRACED.get(call.func.attr) == traced
                and call.lineno > start
                and (limit is None or call.lineno < limit)
            ):
                continue
            edits += _expanded(parsed, call, ranks, names, index)
        if start:
            break  # the name was bound in this cell: older calls were on another model
    return edits


def _expanded(
    parsed: ParsedCell, call: ast.Call, ranks: list[int], names: dict, index: int | None
) -> list[Edit]:
    x = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "x"), None)
    if x is None:
        return []
    inputs = x.elts if isinstance(x, (ast.List, ast.Tuple)) and len(ranks) > 1 else [x]
    if len(inputs) != len(ranks):
        return []
    numpy = numpy_name(parsed, names)
    if numpy is None:
        return []
    alias, needs_import = numpy
    out: list[Edit] = []
    for node, rank in zip(inputs, ranks):
        text = node_text(parsed, node)
        if text is None or _rank(node, names) != rank - 1:
            continue
        edit = node_edit(parsed, node, f"{alias}.expand_dims({text}, -1)")
        if edit is not None:
            out.append(replace(edit, cell=index))
    return with_numpy_import(parsed, out, needs_import, index)


def _rank(node: ast.expr, names: dict) -> int | None:
    """The rank of the array ``node`` makes, where provable: a name of a live NumPy array, or
    ``np.array`` / ``np.asarray`` of a list of numbers written out."""
    if isinstance(node, ast.Name):
        shape = getattr(names.get(node.id), "shape", None)
        return len(shape) if isinstance(shape, tuple) else None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ARRAY_MAKERS
        and len(node.args) == 1
        and not node.keywords
    ):
        return _list_rank(plain_value(node.args[0], names))
    return None


def _list_rank(value: Any) -> int | None:
    """The rank of a regular nested list of numbers, else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return 0
    if not isinstance(value, (list, tuple)) or not value:
        return None
    inner = {_list_rank(v) for v in value}
    return inner.pop() + 1 if len(inner) == 1 and None not in inner else None
