"""Error rule: a ``Lambda`` function that reads, from outside, a symbolic tensor it is also given.

Keras-2-era VAEs wrote the sampling step as ``Lambda(sample)([self.mu, self.log_variance])`` with
``sample`` reading ``self.mu`` (or a module-level ``z_mean``) instead of its own argument. Keras
2 in graph mode built one graph, where the tensor read from outside was the very tensor the
layer was given. Keras 3 calls the function with its inputs alone: while the model is built, on
placeholders, so the outer ``KerasTensor`` beside them cannot be computed with ("We could not
automatically infer the shape of the Lambda's output"), and when the model runs, on the batch,
where the outer tensor is still the symbolic one.

Evidence: the function (a ``def`` of the cell or, at the top level, of an earlier one, or a
``lambda``) takes one argument and is the
function of a ``Lambda`` the failing lines call on a list of read-only expressions (names,
attribute chains); the traceback passes through that function or the message names ``Lambda``;
an expression of the function's body is written as one of those inputs, is not a name the
function binds itself, and is live a Keras symbolic tensor (read from the namespace or the
traceback's frames: ``self`` of the method that built the layer). Each such read becomes the
function's own view of that input: the name its first statement unpacks it to (``mu,
log_variance = args``), else ``args[i]``; the same tensor Keras 2's graph used. A ``def`` of an
earlier cell is changed there (``migrate``) and defined again, changed, at the top of the
corrected cell (``redefine.redefined``), when the kernel's function is that ``def``.
"""

from __future__ import annotations

import ast
from typing import Any, Union

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.call_sites import binds
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.member_values import reads_only
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.redefine import definition, redefined
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-lambda-outer-input"


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("NotImplementedError", "ValueError", "TypeError"))  # fmt: skip
def lambda_outer_input(ctx: CellContext) -> list[Problem]:
    """Each outer read of a ``Lambda``'s own input in its function, as its argument."""
    tree = ctx.cell.tree
    if tree is None or not ctx.failing_lines:
        return []
    frames = [f for e in (ctx.exc, ctx.wrapped) for f in traceback_frames(e)]
    problems: list[Problem] = []
    for call in walk(tree):
        layer = _lambda_layer(ctx, call)
        if layer is None or call.lineno not in ctx.failing_lines:
            continue
        found = _function(ctx, layer, call)
        if found is None:
            continue
        index, parsed, function = found
        raised_here = "Lambda" in ctx.message or any(f.f_code.co_name == getattr(function, "name", "") for f in frames)  # fmt: skip
        if not raised_here:
            continue
        inputs = call.args[0] if call.args else None  # type: ignore[attr-defined]
        edits = _edits(ctx, parsed, function, inputs, frames)
        across = None
        if edits and index is not None:
            moved = redefined(ctx.cell, ctx.namespace, parsed, function, edits, index)  # type: ignore[arg-type]
            edits, across = moved if moved is not None else ([], None)
        if edits:
            problem = from_entry(ENTRY, call.lineno, edits, ["Lambda"], ctx.shown_versions)
            problem.across = across
            problems.append(problem)
    return problems


def _lambda_layer(ctx: CellContext, node: ast.AST) -> ast.Call | None:
    """The ``Lambda(f, …)`` of a call ``Lambda(f, …)(inputs)`` of the live Keras class."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Call) and node.func.args):
        return None
    callee = ctx.scope.callee(node.func.func)
    ok = callee is not None and isinstance(callee[0], type) and callee[0].__name__ == "Lambda"
    return node.func if ok and live.is_keras_object(callee[0]) else None  # type: ignore[index]


Function = Union[ast.FunctionDef, ast.Lambda]


def _function(ctx: CellContext, layer: ast.Call, call: ast.Call) -> tuple[int | None, ParsedCell, Function] | None:  # fmt: skip
    """``(earlier cell index or None, its parsed source, the function the layer runs)``: a
    ``lambda`` written there, the nearest ``def`` of that name before the call, else the newest
    earlier cell's top-level ``def`` of it."""
    given = layer.args[0]
    if isinstance(given, ast.Lambda):
        return None, ctx.cell, given
    if not isinstance(given, ast.Name) or ctx.cell.tree is None:
        return None
    defined = [n for n in walk(ctx.cell.tree) if isinstance(n, ast.FunctionDef) and n.name == given.id and n.lineno < call.lineno]  # fmt: skip
    if defined:
        return None, ctx.cell, max(defined, key=lambda n: n.lineno)
    if any(isinstance(n, ast.FunctionDef) and n.name == given.id for n in walk(ctx.cell.tree)):
        return None  # defined again after the call: not the function the layer got
    for index, parsed in cells(ctx)[1:]:
        node = definition(parsed, given.id, False)
        if node is not None:
            return index, parsed, node
    return None


def _edits(ctx: CellContext, parsed: ParsedCell, function: Function, inputs: ast.expr | None, frames: list[Any]) -> list[Edit]:  # fmt: skip
    args = function.args
    if inputs is None or len(args.posonlyargs + args.args) != 1 or args.vararg or args.kwonlyargs:
        return []
    parameter = (args.posonlyargs + args.args)[0].arg
    elements = inputs.elts if isinstance(inputs, (ast.List, ast.Tuple)) else None
    views = _views(function, parameter, elements)
    outer = elements if elements is not None else [inputs]
    body = function.body if isinstance(function, ast.FunctionDef) else [function.body]
    edits: list[Edit] = []
    for index, element in enumerate(outer):
        if not reads_only(element) or (
            isinstance(element, ast.Name) and binds(function, element.id)
        ):
            continue
        if not live.is_keras_tensor(_live(ctx, element, frames)):
            continue
        view = views[index] if elements is not None else parameter
        wanted = ast.dump(element)
        for node in (n for stmt in body for n in walk(stmt)):
            if isinstance(node, ast.expr) and ast.dump(node) == wanted and node is not element:
                edit = node_edit(parsed, node, view)
                edits += [edit] if edit is not None and node_text(parsed, node) is not None else []
    return edits


def _views(function: ast.AST, parameter: str, elements: list[ast.expr] | None) -> list[str]:
    """How the function names each input: the names its first statement unpacks the argument
    to (``mu, log_variance = args``), else ``args[i]``."""
    count = len(elements or [])
    first = function.body[0] if isinstance(function, ast.FunctionDef) and function.body else None
    if (
        isinstance(first, ast.Assign)
        and isinstance(first.value, ast.Name)
        and first.value.id == parameter
        and len(first.targets) == 1
        and isinstance(first.targets[0], (ast.Tuple, ast.List))
        and len(first.targets[0].elts) == count
        and all(isinstance(t, ast.Name) for t in first.targets[0].elts)
    ):
        return [t.id for t in first.targets[0].elts]  # type: ignore[attr-defined]
    return [f"{parameter}[{i}]" for i in range(count)]


def _live(ctx: CellContext, node: ast.expr, frames: list[Any]) -> Any:
    """The value of a name or attribute chain in the namespace or a traceback frame's locals."""
    for scope in [ctx.namespace or {}, *(f.f_locals for f in reversed(frames))]:
        value = value_in(scope, node)
        if value is not None:
            return value
    return None
