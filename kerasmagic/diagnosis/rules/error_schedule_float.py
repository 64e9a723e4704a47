"""Error rule: a ``LearningRateScheduler`` schedule of the user's that returns a tensor.

Keras 2's ``LearningRateScheduler`` took a float or a float tensor from the schedule and set the
optimizer's rate to its value (``backend.get_value``); Keras 3 takes only a Python or NumPy float
("The output of the `schedule` function should be a float. Got: 0.0090…"), so a schedule written
as TensorFlow's own tutorials wrote it (``return lr * tf.math.exp(-0.1)``) stops the first epoch.
The message is read as a fact (``keras_messages``, kind ``returned-float``); the evidence is the
live callback in the traceback (Keras's frame that raised holds it as ``self``), its ``schedule``
the function the source defines (this cell's lambda, or a ``def`` of this cell or an earlier one),
and the value refused a tensor or array of a float dtype. Each ``return`` of the function (a
lambda's body) is given to ``float(…)``: the number Keras 2 set, so training is the same.
"""

from __future__ import annotations

import ast
import linecache
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.compiled_cell import code_lines
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras_messages import parse
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.redefine import definition, is_that_function, placed
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "schedule-output-float"


@rule(ENTRY, when=(ERROR,), family="optimizers", errors=("ValueError",))
def schedule_output_float(ctx: CellContext) -> list[Problem]:
    """The schedule of the ``LearningRateScheduler`` that refused a float tensor: its returns in
    ``float(…)``, where it is defined."""
    fact = parse(ctx.error_type, ctx.message)
    if fact is None or fact.kind != "returned-float" or ctx.cell.tree is None:
        return []
    found = _refusing_callback(ctx.exc)
    if found is None:
        return []
    schedule, refused = found
    if not _float_tensor(refused):
        return []
    code = getattr(schedule, "__code__", None)
    if code is None:
        return []
    if schedule.__name__ == "<lambda>":
        edits = _lambda_edits(ctx, code)
        return [_problem(ctx, "lambda", edits, None)] if edits else []
    for index, parsed in cells(ctx):
        node = definition(parsed, schedule.__name__, index is None)
        if node is None:
            continue
        if not is_that_function(schedule, node):
            return []
        edits = _return_edits(parsed, node)
        moved = placed(ctx.cell, ctx.namespace, parsed, node, edits, index) if edits else None
        if moved is None:
            return []
        return [_problem(ctx, schedule.__name__, *moved)]
    return []


def _refusing_callback(exc: BaseException | None) -> tuple[Any, Any] | None:
    """``(schedule, the value it returned)`` from the frame of Keras's ``LearningRateScheduler``
    that raised (its ``self``; the refused value is the one local the message is about)."""
    tb = getattr(exc, "__traceback__", None)
    found = None
    while tb is not None:
        local = tb.tb_frame.f_locals
        owner = local.get("self")
        klass = type(owner)
        if klass.__name__ == "LearningRateScheduler" and live.is_keras_object(klass):
            values = [v for k, v in local.items() if k not in ("self", "epoch", "optimizer")]
            refused = [v for v in values if _float_tensor(v)]
            schedule = getattr(owner, "schedule", None)
            if schedule is not None and len(refused) == 1:
                found = (schedule, refused[0])
        tb = tb.tb_next
    return found


def _float_tensor(value: Any) -> bool:
    """A tensor or array (not a Python or NumPy scalar float) of a floating dtype."""
    if isinstance(value, float) or value is None:
        return False
    dtype = getattr(value, "dtype", None)
    name = str(getattr(dtype, "name", dtype) or "")
    return name.startswith(("float", "bfloat", "half", "double")) and hasattr(value, "shape")


def _wrapped(parsed: ParsedCell, node: ast.expr, params: tuple[str, ...] = ()) -> Edit | None:
    """``float(node)``; None for what is a float already (a number, a ``float(…)`` call, the
    rate Keras passes in: a parameter returned as it came)."""
    if isinstance(node, ast.Name) and node.id in params:
        return None
    if isinstance(node, ast.Constant) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float"
    ):
        return None
    text = node_text(parsed, node)
    return node_edit(parsed, node, f"float({text})") if text is not None else None


def _return_edits(parsed: ParsedCell, function: ast.FunctionDef) -> list[Edit]:
    """``float(…)`` around each value the function (not a function nested in it) returns."""
    edits: list[Edit] = []
    params = tuple(a.arg for a in function.args.args)
    todo: list[ast.AST] = list(function.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            edit = _wrapped(parsed, node.value, params)
            if edit is not None:
                edits.append(edit)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return sorted(edits, key=lambda e: (e.line, e.col))


def _lambda_edits(ctx: CellContext, code: Any) -> list[Edit]:
    """The cell's lambda the live schedule is (compiled from this cell, on its line, with its
    parameters): its body in ``float(…)``."""
    if not _compiled_from_cell(ctx, code) or ctx.cell.tree is None:
        return []
    params = list(code.co_varnames[: code.co_argcount])
    for node in walk(ctx.cell.tree):
        if (
            isinstance(node, ast.Lambda)
            and node.lineno == code.co_firstlineno
            and [a.arg for a in node.args.args] == params
        ):
            edit = _wrapped(ctx.cell, node.body)
            return [edit] if edit is not None else []
    return []


def _compiled_from_cell(ctx: CellContext, code: Any) -> bool:
    """Was ``code`` compiled from this cell: its file (when the cell has a known one), else the
    text the kernel compiled under the code's file name (``migrate`` gives its cells none)."""
    if ctx.filename is not None:
        return code.co_filename == ctx.filename
    ran = code_lines(linecache.getlines(code.co_filename))
    return bool(ran) and ran == code_lines(ctx.source.splitlines())


def _problem(ctx: CellContext, function: str, edits: list[Edit], across: list[Edit] | None) -> Problem:  # fmt: skip
    problem = from_entry(ENTRY, ctx.line or 1, edits, [function], ctx.shown_versions,
                         function=function, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    problem.across = across
    return problem
