"""What a call deep in the user's code was given, followed back through the traceback.

A notebook often reaches Keras through its own classes and functions, defined cells before the
one that fails: ``vae = VAE.load("model")`` runs the class's ``load``, which builds
``weights_path = os.path.join(save_folder, "weights.h5")`` and calls ``self.load_weights(
weights_path)``, which calls ``self.model.load_weights(weights_path)``. The traceback holds each
of those frames. From the innermost frame of the notebook's code whose line calls one of the
Keras methods, the argument is read in the source of the cell that defines that function; while
it is a parameter of the function, the next frame out gives it: what the caller's call on its
line passes for that parameter. The expression reached (a local of ``load``, a literal, a name
of a cell) is where a rule changes the value (``provenance.origins_in``), in the cell that holds
it.

Frames are matched to cells by the function's name and first line (each notebook cell is a file
of its own, so the lines of a frame are its cell's); only frames whose globals are the notebook's
namespace count. Nothing is called: the frames and their locals are read.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kerasmagic.diagnosis.call_sites import argument_for, first_lines, parameters_of
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.rewrite import ParsedCell, callee_name, walk

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Reached:
    """``node``: the expression reached, in cell ``index`` (None: the cell at hand) as
    ``parsed``; ``value``: its live value in the frame that evaluated it (None if unknown);
    ``call``/``method``: the Keras call the value reached and its method's name."""

    index: int | None
    parsed: ParsedCell
    node: ast.expr
    value: Any
    call: ast.Call
    method: str


def reached_argument(
    ctx: CellContext, methods: tuple[str, ...], argument_of: Callable[[ast.Call], ast.expr | None]
) -> Reached | None:
    """The argument the innermost call of one of ``methods`` in the notebook's frames was given,
    followed out through the parameters of the notebook's functions (see the module's doc)."""
    namespace = ctx.namespace
    if namespace is None or ctx.exc is None:
        return None
    frames = [f for f in traceback_frames(ctx.exc) if f.f_globals is namespace]
    defined = _definitions(ctx)
    for depth in range(len(frames) - 1, -1, -1):
        place = _place(ctx, defined, frames[depth])
        if place is None:
            continue
        index, parsed, function = place
        call = next((c for c in _calls_on(function, frames[depth]) if callee_name(c) in methods), None)  # fmt: skip
        if call is None:
            continue
        node = argument_of(call)
        method = callee_name(call) or ""
        outer = depth
        while node is not None and isinstance(node, ast.Name) and isinstance(function, FUNCTIONS):
            if node.id not in parameters_of(function) or outer == 0:
                break
            given = _given_by_caller(ctx, defined, frames[outer - 1], function, node.id)
            if given is None:
                return None
            index, parsed, function, node = given
            outer -= 1
        if node is None:
            return None
        value = frames[outer].f_locals.get(node.id) if isinstance(node, ast.Name) else None
        return Reached(index, parsed, node, value, call, method)
    return None


def _definitions(ctx: CellContext) -> dict[tuple[str, int], tuple[int | None, ParsedCell, ast.AST]]:  # fmt: skip
    """(name, first line) → the function of a cell (the cell at hand first, then the earlier)."""
    out: dict[tuple[str, int], tuple[int | None, ParsedCell, ast.AST]] = {}
    for index, parsed in cells(ctx):
        for node in walk(parsed.tree) if parsed.tree is not None else ():
            if isinstance(node, FUNCTIONS):
                for line in first_lines(node):
                    out.setdefault((node.name, line), (index, parsed, node))
    return out


def _place(ctx: CellContext, defined: dict, frame: Any) -> tuple[int | None, ParsedCell, ast.AST] | None:  # fmt: skip
    """The cell and function whose code ``frame`` runs (the cell at hand's top level: its tree)."""
    code = frame.f_code
    if code.co_name == "<module>":
        return (None, ctx.cell, ctx.cell.tree) if ctx.cell.tree is not None else None
    return defined.get((code.co_name, code.co_firstlineno))


def _calls_on(function: ast.AST, frame: Any) -> list[ast.Call]:
    line = frame.f_lineno
    return [c for c in walk(function) if isinstance(c, ast.Call) and c.lineno <= line <= (c.end_lineno or c.lineno)]  # fmt: skip


def _given_by_caller(ctx: CellContext, defined: dict, frame: Any, callee: ast.AST, parameter: str) -> tuple[int | None, ParsedCell, ast.AST, ast.expr] | None:  # fmt: skip
    """What the call of ``callee`` on ``frame``'s line passes for ``parameter``."""
    place = _place(ctx, defined, frame)
    if place is None:
        return None
    index, parsed, function = place
    name = getattr(callee, "name", None)
    params = parameters_of(callee)
    for call in _calls_on(function, frame):
        if callee_name(call) != name or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        position = params.index(parameter)
        if isinstance(call.func, ast.Attribute) and params and params[0] in ("self", "cls"):
            position -= 1  # a method called on its object: the object is ``self``
        given = argument_for(call, parameter, position)
        if given is not None:
            return index, parsed, function, given
    return None
