"""Error rule: a metric function of the user's meets integer labels and float predictions.

Keras 2's ``MeanMetricWrapper`` cast a metric function's ``y_true`` and ``y_pred`` to the metric's
dtype (float32) before calling it; Keras 3 calls the function with the labels as they come (NumPy's
``int64`` from ``np.random.randint``, a pandas column of ints), so ``y_true * y_pred`` in a
recall or F1 metric written for Keras 2 fails on the two dtypes. The function gets Keras 2's casts
as its first lines, where it is defined (this cell or an earlier one)."""

from __future__ import annotations

import ast
import re
from types import CodeType

from kerasmagic.diagnosis.block_bodies import body_top
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import innermost_cell_frame, innermost_cell_function
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.redefine import definition, is_that_function, placed
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, walk
from kerasmagic.diagnosis.rules import rule

INT = r"u?int(?:8|16|32|64)|bool"
FLOAT = r"b?float(?:16|32|64)|half|float|double"
# TensorFlow's words for two tensors of different dtypes meeting in one op (graph and eager)
MISMATCH = re.compile(
    rf"has type ({INT}|{FLOAT}) that does not match type ({INT}|{FLOAT})"
    rf"|expected to be a ({INT}|{FLOAT}) tensor but is a ({INT}|{FLOAT}) tensor"
    rf"|requested dtype ({INT}|{FLOAT}) for Tensor with dtype ({INT}|{FLOAT})"
)
METRIC_DTYPE = "float32"  # Keras 2's MeanMetricWrapper: the metric's dtype, float32 by default


@rule("metric-function-label-dtype", when=(ERROR,), family="model-methods", errors=("TypeError", "ValueError", "InvalidArgumentError"))  # fmt: skip
def metric_label_dtype(ctx: CellContext) -> list[Problem]:
    """A dtype mismatch of an integer and a float tensor raised in a function of the user's
    (this cell or an earlier one: the live function is the one the source defines) that a
    ``compile(metrics=…)`` of these cells names: its two parameters are cast to float32 first,
    with a ``cast`` of a module the cell has bound (TensorFlow's, or ``keras.ops``)."""
    kinds = MISMATCH.search(ctx.message)
    if kinds is None or ctx.cell.tree is None:
        return []
    found = [k for k in kinds.groups() if k]
    if not any(re.fullmatch(INT, k) for k in found) or not any(
        re.fullmatch(FLOAT, k) for k in found
    ):
        return []
    failing = innermost_cell_function(ctx.exc, ctx.namespace, ctx.filename)
    if failing is None:
        return []
    function = failing[0]
    cast = _cast(ctx)
    sources = cells(ctx)
    if cast is None or not any(_is_metric(parsed, function) for _, parsed in sources):
        return []
    for index, parsed in sources:
        node = definition(parsed, function, index is None)
        if node is None:
            continue
        if not is_that_function(ctx.live_names.get(function) or _raising_code(ctx, node), node):
            return []
        edit = _casts(parsed, node, cast)
        if edit is None:
            return []
        moved = placed(ctx.cell, ctx.namespace, parsed, node, [edit], index)
        if moved is None:  # an earlier cell's function the kernel does not hold as defined
            return []
        edits, across = moved
        problem = from_entry(
            "metric-function-label-dtype",
            ctx.line or node.lineno,
            edits,
            [function],
            ctx.shown_versions,
            function=function,
            kinds=" and ".join(dict.fromkeys(found)),
        )
        problem.across = across
        return [problem]
    return []


def _raising_code(ctx: CellContext, node: ast.FunctionDef) -> CodeType | None:
    """The code of the innermost frame of the cell's code that raised, when it is ``node``'s own
    (a function no name holds any more: one a builder defined, compiled and returned)."""
    frame = innermost_cell_frame(ctx.exc, ctx.namespace, ctx.filename)
    code = getattr(frame, "f_code", None)
    lines = {node.lineno, *(d.lineno for d in node.decorator_list)}
    return code if code is not None and code.co_name == node.name and code.co_firstlineno in lines else None


def _is_metric(parsed: ParsedCell, function: str) -> bool:
    """Does a ``compile(…, metrics=…)`` of ``parsed`` name ``function`` among its metrics?"""
    for call in walk(parsed.tree) if parsed.tree is not None else ():
        if not (isinstance(call, ast.Call) and getattr(call.func, "attr", None) == "compile"):
            continue
        for kw in call.keywords:
            if kw.arg == "metrics" and any(
                isinstance(n, ast.Name) and n.id == function for n in ast.walk(kw.value)
            ):
                return True
    return False


def _cast(ctx: CellContext) -> str | None:
    """TensorFlow's ``cast``, else Keras 3's ``keras.ops.cast``, as the cell can reach it."""
    return ctx.scope.expr_for("tensorflow.cast") or ctx.scope.expr_for("keras.ops.cast")


def _casts(parsed: ParsedCell, node: ast.FunctionDef, cast: str) -> Edit | None:
    """The two casts as the first statements of ``node`` (after its docstring)."""
    params = [a.arg for a in node.args.posonlyargs + node.args.args]
    if len(params) < 2 or not node.body:
        return None
    top = body_top(parsed, node)
    if top is None:
        return None  # a docstring alone, or the body shares its line with the `def`
    line, indent = top
    y_true, y_pred = params[:2]
    text = "".join(f'{indent}{p} = {cast}({p}, "{METRIC_DTYPE}")\n' for p in (y_true, y_pred))
    return Edit(line, 0, line, 0, text)
