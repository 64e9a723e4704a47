"""Error rule: a stateful recurrent layer fed batches of a size the graph does not know.

A stateful layer keeps its state in variables of a fixed batch size (``batch_shape=(1, …)``).
Keras 3's TensorFlow backend runs the recurrence in a ``tf.while_loop`` that starts from that
state, and a ``tf.data`` pipeline batched without ``drop_remainder=True`` gives batches of unknown
size, so TensorFlow refuses the loop ("enters the loop with shape (1, 100), but has shape (None,
100) after one iteration"); Keras 2's loop accepted it. The repair is ``drop_remainder=True`` at
the ``.batch(n)`` that makes the data, found by following the data argument to where it is made:
a chain in this cell, a name bound earlier, or the ``return`` of a function of this cell or of an
earlier one. Batches of ``n`` are what a stateful layer of batch size ``n`` took before; only a
last, shorter batch, which it could not take, is left out.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.array_inputs import DATA_METHODS
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells, origins
from kerasmagic.diagnosis.redefine import definition, redefined
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.source_bindings import before, bindings

LOOP = re.compile(r"enters the loop with shape \((\d+),[^)]*\), but has shape \(None\b")
DATA_KEYWORDS = ("x", "validation_data")
MAX_STEPS = 12


@rule("stateful-rnn-unknown-batch", when=(ERROR,), family="model-methods", errors=("ValueError", "OperatorNotAllowedInGraphError"))  # fmt: skip
def stateful_unknown_batch(ctx: CellContext) -> list[Problem]:
    """The failing ``fit``/``evaluate``/``predict`` of a live model with a stateful layer, its
    message naming the state's batch size: ``drop_remainder=True`` at each ``.batch(…)`` that
    makes its data (and its ``validation_data``)."""
    found = LOOP.search(ctx.message)
    call = _failing_data_call(ctx)
    if call is None or not _has_stateful_layer(ctx, call):
        return []
    # the size the message states (TF's while_loop), else the live facts: the model's fixed batch
    # size and data of unknown batch size (Keras 3.13 fails elsewhere in the RNN's call)
    size = int(found.group(1)) if found is not None else _unknown_batch(ctx, call)
    if size is None:
        return []
    here: list[Edit] = []
    across: list[Edit] = []
    sites: list[str] = []
    for data in _data_arguments(call):
        for index, parsed, batch, function in _batch_calls(ctx, data):
            edit = _drop_remainder_edit(parsed, batch, size)
            if edit is None:
                return []  # a batching this rule cannot mend: explain nothing half-way
            text = node_text(parsed, batch) or ".batch(…)"
            if text in sites:
                continue
            sites.append(text)
            if index is None:
                here.append(edit)
                continue
            if function is None:
                return []  # made by an earlier cell's statement: the kernel keeps the old data
            moved = redefined(ctx.cell, ctx.namespace, parsed, function, [edit], index)
            if moved is None:
                return []
            here += moved[0]
            across += moved[1]
    if not sites:
        return []
    problem = from_entry(
        "stateful-rnn-unknown-batch",
        ctx.line or call.lineno,
        here,
        ["drop_remainder"],
        ctx.shown_versions,
        size=str(size),
        batch=sites[0],
    )
    problem.across = across or None
    return [problem]


def _failing_data_call(ctx: CellContext) -> ast.Call | None:
    """The ``obj.fit(…)`` (``evaluate``, ``predict``, …) of the failing line."""
    if ctx.cell.tree is None or ctx.line is None:
        return None
    for node in walk(ctx.cell.tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in DATA_METHODS
            and node.lineno <= ctx.line <= (node.end_lineno or node.lineno)
        ):
            return node
    return None


def _has_stateful_layer(ctx: CellContext, call: ast.Call) -> bool:
    """The live receiver is a model one of whose layers is stateful (read, nothing called)."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if not isinstance(receiver, ast.Name):
        return False
    model = ctx.live_names.get(receiver.id)
    try:
        layers = list(getattr(model, "layers", None) or [])
    except Exception:
        return False
    return any(getattr(layer, "stateful", False) is True for layer in layers)


def _unknown_batch(ctx: CellContext, call: ast.Call) -> int | None:
    """The live model's fixed batch size, when the data the call passes is a ``tf.data``
    dataset whose batch size is unknown (read from ``element_spec``; nothing is iterated)."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    model = ctx.live_names.get(receiver.id) if isinstance(receiver, ast.Name) else None
    data = call.args[0] if call.args else None
    dataset = ctx.live_names.get(data.id) if isinstance(data, ast.Name) else None
    try:
        spec = getattr(dataset, "element_spec", None)
        first = spec[0] if isinstance(spec, (tuple, list)) else spec
        batch = tuple(model.inputs[0].shape)[0]  # type: ignore[union-attr]
        unknown = tuple(first.shape)[0] is None  # type: ignore[union-attr]
    except Exception:
        return None
    return batch if unknown and isinstance(batch, int) else None


def _data_arguments(call: ast.Call) -> list[ast.expr]:
    out = [call.args[0]] if call.args else []
    out += [k.value for k in call.keywords if k.arg in DATA_KEYWORDS]
    return out


def _batch_calls(ctx: CellContext, data: ast.expr) -> list[tuple[int | None, ParsedCell, ast.Call, ast.FunctionDef | None]]:  # fmt: skip
    """Each ``.batch(…)`` call that makes ``data``: ``(cell, parsed, call, the earlier cell's
    function it is in or None)``; [] when the value's making is not followed to one."""
    out = []
    for origin in origins(ctx, data, terms=False):
        if not origin.here:
            return []  # made by an earlier cell: the corrected cell alone cannot make it again
        found = _in_chain(ctx, origin.cell, origin.parsed, origin.value, None, 0)
        if found is None:
            return []
        out.append(found)
    return out


def _in_chain(
    ctx: CellContext,
    index: int | None,
    parsed: ParsedCell,
    value: ast.expr,
    function: ast.FunctionDef | None,
    steps: int,
) -> tuple[int | None, ParsedCell, ast.Call, ast.FunctionDef | None] | None:
    """Down a method chain (``….batch(1).prefetch(1)``) to its ``.batch`` call, through a
    function's ``return`` and the assignments of its locals."""
    while steps < MAX_STEPS:
        steps += 1
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            if value.func.attr == "batch":
                return index, parsed, value, function
            value = value.func.value
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and function is None:
            return _in_function(ctx, index, value.func.id, steps)
        elif isinstance(value, ast.Name) and function is not None:
            bound = [(s, v) for s, v in bindings(function, value.id) if before(s, value)]
            if not bound or bound[-1][1] is None:
                return None
            value = bound[-1][1]  # type: ignore[assignment]
        else:
            return None
    return None


def _in_function(ctx: CellContext, index: int | None, name: str, steps: int):  # noqa: ANN202
    """The ``.batch`` call of the value the user's function ``name`` returns (one ``return``),
    the function defined in the cell ``index`` reads from or an earlier one."""
    for at, parsed in cells(ctx):
        if index is not None and (at is None or at > index):
            continue
        node = definition(parsed, name, at is None)
        if node is None:
            continue
        returns = [n for n in walk(node) if isinstance(n, ast.Return) and n.value is not None]
        if len(returns) != 1:
            return None
        return _in_chain(ctx, at, parsed, returns[0].value, node, steps)  # type: ignore[arg-type]
    return None


def _drop_remainder_edit(parsed: ParsedCell, batch: ast.Call, size: int) -> Edit | None:
    """``, drop_remainder=True`` after ``batch``'s one argument, the stateful batch size when it
    is a number; None when it already says how to treat the remainder."""
    if len(batch.args) != 1 or batch.keywords:
        return None
    given = batch.args[0]
    if isinstance(given, ast.Constant) and given.value != size:
        return None  # batches of another size: dropping the last would not mend it
    end = node_edit(parsed, given, "")
    if end is None:
        return None
    return Edit(end.end_line, end.end_col, end.end_line, end.end_col, ", drop_remainder=True")
