"""Error rule: a custom layer's ``call`` that branches or loops on a tensor's value (``if
tf.norm(x) < 0.8:``, ``while tf.reduce_max(x) > 1:``), built symbolically by Keras 3.

tf.keras 2.x converted a layer's ``call`` with AutoGraph whenever it called it on symbolic
tensors (``base_layer.py``: ``autograph.tf_convert(self.call, …)``), so Python's ``if`` and
``while`` on a tensor became ``tf.cond`` and ``tf.while_loop``. Keras 3 (TensorFlow backend)
infers a layer's output by calling ``call`` as plain Python in a scratch graph
(``backend/tensorflow/core.py``: ``compute_output_spec``), where a tensor has no truth value:
``OperatorNotAllowedInGraphError`` ("Using a symbolic `tf.Tensor` as a Python `bool` is not
allowed", "Iterating over a symbolic `tf.Tensor`…"). That happens the first time a ``Sequential``
or functional model is built with the layer, and eager calls run it as before.

The repair gives ``call`` what tf.keras 2 gave it: ``@tf.autograph.to_graph`` above ``def call``.
The converted function runs as plain Python on eager tensors and as graph control flow on
symbolic ones, so the numbers are the same, and no ``tf.function`` is added (one around ``call``
loses the gradients of sublayers Keras 3 builds inside it: ``layer-call-in-tf-function``).

Evidence, read from the traceback's live frames: the error is TensorFlow's
``OperatorNotAllowedInGraphError``; it was raised below a ``call`` of this cell whose ``self`` is
a Keras 3 layer; the class that defines that ``call`` is defined in this cell (``migrate`` finds
an earlier cell's class through ``origins.cell_origin``)."""

from __future__ import annotations

import ast
import linecache
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import is_cell_frame, traceback_frames
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.keras3_support import keras3_here, tensorflow_name
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-call-python-control-flow"
ERROR_TYPE = "OperatorNotAllowedInGraphError"


@rule(ENTRY, when=(ERROR,), family="custom-layers", errors=(ERROR_TYPE,), needs="call")
def call_control_flow(ctx: CellContext) -> list[Problem]:
    """The innermost ``call`` of a Keras 3 layer class of this cell that the error passed
    through gets ``@tf.autograph.to_graph``."""
    if ctx.cell.tree is None or type(ctx.exc).__name__ != ERROR_TYPE or not keras3_here():
        return []
    found = _layer_call(ctx)
    named = tensorflow_name(ctx) if found is not None else None
    if found is None or named is None:
        return []
    klass, method = found
    tf, imports = named
    indent = indent_of(ctx.cell, method)
    decorator = Edit(method.lineno, 0, method.lineno, 0, f"{indent}@{tf}.autograph.to_graph\n")
    problem = from_entry(ENTRY, ctx.line or method.lineno, [*imports, decorator], ["call", klass],
                         ctx.shown_versions, layer=klass, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    problem.certain = True  # AutoGraph changes only how tensor conditions run, not what is computed
    return [problem]


def _layer_call(ctx: CellContext) -> tuple[str, ast.FunctionDef] | None:
    """(class name, its undecorated ``def call``) of the innermost frame of this cell's code in
    the traceback that runs the ``call`` of a Keras 3 layer class this cell defines."""
    classes = {n.name: n for n in walk(ctx.cell.tree) if isinstance(n, ast.ClassDef)}  # type: ignore[arg-type]
    found = None
    for frame in traceback_frames(ctx.exc):
        if frame.f_code.co_name != "call" or not is_cell_frame(frame, ctx.namespace, ctx.filename):
            continue
        owner = _defining_class(frame)
        node = classes.get(owner.__name__) if owner is not None else None
        method = _call_def(node, frame, ctx.stripped_lines) if node is not None else None
        if method is not None and _source_kept(frame):
            found = (node.name, method)  # type: ignore[union-attr]
    return found


def _source_kept(frame: Any) -> bool:
    """Can AutoGraph read the ``call``'s source (IPython keeps each cell's; a file has its own)?
    Code compiled from a string nobody kept cannot be converted."""
    code = frame.f_code
    return "call" in linecache.getline(code.co_filename, code.co_firstlineno)


def _defining_class(frame: Any) -> type | None:
    """The Keras 3 layer class whose own ``call`` the frame runs (``self``'s class or a base)."""
    owner = frame.f_locals.get("self")
    if owner is None or not live.is_layer_class(type(owner)):
        return None
    for klass in type(owner).__mro__:
        call = klass.__dict__.get("call")
        if getattr(call, "__code__", None) is frame.f_code:
            return None if live.is_keras_object(klass) else klass
    return None


def _call_def(node: ast.ClassDef, frame: Any, stripped: int) -> ast.FunctionDef | None:
    """The class's undecorated ``def call`` at the line the frame's code starts on."""
    first = frame.f_code.co_firstlineno
    for method in node.body:
        if isinstance(method, ast.FunctionDef) and method.name == "call" and not method.decorator_list:  # fmt: skip
            if first in (method.lineno, method.lineno + stripped):
                return method
    return None
