"""Error rule: a functional model's ``Lambda``, loaded from a file, fails while the model is
rebuilt, on a name the notebook binds; Keras reports only that it "could not automatically infer
the shape of the Lambda's output".

Keras 3 rebuilds a ``Lambda``'s Python function with the globals of its own loading code (Keras 2
gave it the notebook's: ``error_loaded_lambda_globals.py``). Rebuilding a functional model calls
each layer on symbolic inputs; a ``Lambda`` without ``output_shape`` runs its function to find its
output's shape, the function stops on ``tf`` (or ``K``, ``keras``) and Keras turns that
``NameError`` into "We could not automatically infer the shape …" inside ``load_model``. Nothing
after the load can help: the model is never made. Evidence, from the live traceback and kernel:
the ``NameError`` in the exception's context, raised by loaded code (a frame of the user's file
with a Keras module's globals) for a name the namespace binds; the cell of that file and the
``Lambda(lambda …)`` on the function's first line (the cell that built the model, examined as
the error's earlier cause, ``earlier_cause.py``); the live ``Lambda`` layer running that code,
whose output shape Keras already knows. The repair: that ``Lambda`` is given its
``output_shape`` where it is made (the same shape, so the model is the same), so the load does not
call the function; its first call after the load then gives the function the notebook's globals
(``keras3-loaded-lambda-globals``).
"""

from __future__ import annotations

import ast
import linecache
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import called_name, closing_insert_edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_loaded_lambda_globals import (
    layer_functions,
    loaded_name_error,
)

ENTRY = "keras3-loaded-lambda-shape"
SHAPE_UNKNOWN = "infer the shape of the Lambda's output"


@rule(ENTRY, when=(ERROR,), family="saving", errors=("NotImplementedError",), needs="Lambda")
def loaded_lambda_shape(ctx: CellContext) -> list[Problem]:
    """The ``Lambda(lambda …)`` of this cell whose function, loaded from a file, stopped on a
    notebook name while ``load_model`` rebuilt the model: given its live output shape."""
    if SHAPE_UNKNOWN not in ctx.message or ctx.cell.tree is None or ctx.namespace is None:
        return []
    hidden = _hidden_name_error(ctx)
    if hidden is None or not _is_this_cell(ctx, hidden[0].co_filename):
        return []
    code, name = hidden
    call = next((c for c in walk(ctx.cell.tree) if _lambda_call_at(c, code.co_firstlineno)), None)
    shape = _live_output_shape(ctx.namespace, code)
    edit = (
        closing_insert_edit(ctx.cell, call, f"output_shape={shape!r}") if call and shape else None
    )
    if edit is None:
        return []
    return [from_entry(ENTRY, call.lineno, [edit], [name, "Lambda"], ctx.shown_versions,  # type: ignore[union-attr]
                       name=name, shape=repr(shape), keras=ctx.versions.get("keras", "3"))]  # fmt: skip


def _hidden_name_error(ctx: CellContext) -> tuple[Any, str] | None:
    """(the loaded function's code, the missing name) of a ``NameError`` in the error's context
    chain raised by loaded code, for a name the namespace binds."""
    exc, seen = ctx.exc, 0
    while exc is not None and seen < 20:
        hidden = loaded_name_error(exc, ctx.namespace, str(exc)) if isinstance(exc, NameError) else None  # fmt: skip
        if hidden is not None:
            return hidden
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _is_this_cell(ctx: CellContext, filename: str) -> bool:
    """The file the function was compiled from holds this cell's text (a kernel caches each
    cell's source under its file name)."""
    text = "".join(linecache.getlines(filename)).strip()
    return bool(text) and text in (ctx.cell.source.strip(), ctx.cell.python.strip())


def _lambda_call_at(node: ast.AST, line: int) -> bool:
    """``Lambda(lambda …: …)`` (or ``function=lambda …``) whose lambda starts on ``line``, given
    no ``output_shape``."""
    if not (isinstance(node, ast.Call) and called_name(node.func) == "Lambda"):
        return False
    if any(k.arg == "output_shape" for k in node.keywords) or len(node.args) > 1:
        return False
    function = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "function"), None)  # fmt: skip
    return isinstance(function, ast.Lambda) and function.lineno == line


def _live_output_shape(namespace: dict, code: Any) -> tuple | None:
    """The output shape, without the batch axis, of the live ``Lambda`` layer whose function was
    compiled from the same file and line as ``code``; None unless one such layer has one."""
    where = (code.co_filename, code.co_firstlineno)
    shapes = {
        _without_batch(layer)
        for value in list(namespace.values())
        for layer, made in layer_functions(value)
        if type(layer).__name__ == "Lambda" and (made.co_filename, made.co_firstlineno) == where
    }
    return shapes.pop() if len(shapes) == 1 and None not in shapes else None


def _without_batch(layer: Any) -> tuple | None:
    try:
        shape = tuple(layer.output.shape)[1:]
    except Exception:  # never called, several outputs: no single shape
        return None
    return shape if shape and all(d is None or isinstance(d, int) for d in shape) else None
