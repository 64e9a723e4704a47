"""Error rule: a ``Sequential`` that a layer's code calls on tensors of another rank than the
``input_shape`` its first layer declares (an attention block made in ``build`` with
``Dense(d, input_shape=(steps, d))``, called on the ``(batch, d)`` output of an LSTM).

Standalone Keras 2 (to 2.3) called such a model's layers on whatever it was given: a model's
inputs had no shape check. tf.keras 2.x checks the rank ("Input 0 of layer "sequential" is
incompatible with the layer: expected shape=(None, 4, 6), found shape=(None, 6)") and Keras 3
the whole shape ("Invalid input shape … Expected shape (None, 128, 128), but input has
incompatible shape (None, 128)").

Evidence: Keras's message (the shapes expected and received: ranks differ, the last axis agrees,
so each layer's weights have the same shapes either way); the innermost frame of the cell's code
calls, on the failing line, a live Keras 3 ``Sequential`` whose input has the shape expected; the
cell makes that model (``X = Sequential([...])`` or ``X.add(...)``) and its first layer declares
the shape. The declaration is removed: the model builds from the first tensors it is called on,
as Keras 2 ran it, with the same layers and weights of the same shapes.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.frames import innermost_cell_frame, traceback_frames
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import delete_keyword_edit, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-declared-input-shape"
SHAPES = (  # Keras 3; tf.keras 2.x (InputSpec's rank check)
    re.compile(r"Expected shape \(([^)]*)\), but input has incompatible shape \(([^)]*)\)"),
    re.compile(r"expected shape=\(([^)]*)\), found shape=\(([^)]*)\)"),
)
AUTOGRAPH = "__autograph_generated_file"  # the files AutoGraph writes converted functions to
DECLARING = ("input_shape", "input_dim", "batch_input_shape", "batch_shape")


@rule(ENTRY, when=(ERROR,), family="custom-layers", errors=("ValueError",), needs=DECLARING)
def declared_input_shape(ctx: CellContext) -> list[Problem]:
    """The ``input_shape=`` of the first layer of the ``Sequential`` the failing line calls."""
    found = next((m for pattern in SHAPES if (m := pattern.search(ctx.message))), None)
    expected, received = (_shape(found.group(1)), _shape(found.group(2))) if found else (None, None)
    if not expected or not received or len(expected) == len(received) or expected[-1] != received[-1]:  # fmt: skip
        return []
    if ctx.cell.tree is None:
        return []
    for call, scope in _failing_calls(ctx):
        model = value_in(scope, call.func)
        name = dotted(call.func)
        if name is None or _declared_shape(model) != expected:
            continue
        declared = _first_layer_declaration(ctx.cell.tree, name)
        edit = delete_keyword_edit(ctx.cell, *declared) if declared is not None else None
        if edit is None:
            continue
        problem = from_entry(ENTRY, ctx.line or call.lineno, [edit], [declared[1].arg or "", name],  # type: ignore[index]
                             ctx.shown_versions, model=name, keyword=declared[1].arg,  # type: ignore[index]
                             expected=_text(expected), received=_text(received),
                             keras=ctx.versions.get("keras", "3"))  # fmt: skip
        return [problem]
    return []


def _failing_calls(ctx: CellContext) -> list[tuple[ast.Call, dict]]:
    """The calls of the cell's code the error may have come from, each with the live locals to
    read it in: those on the line of the innermost frame of the cell's code; then, where
    tf.keras 2 ran a layer's method converted by AutoGraph (a generated ``tf__call`` whose lines
    are not the cell's), every call of that method as the cell writes it."""
    out: list[tuple[ast.Call, dict]] = []
    frame = innermost_cell_frame(ctx.exc, ctx.namespace, ctx.filename)
    if frame is not None:
        lines = {frame.f_lineno, frame.f_lineno + ctx.stripped_lines}
        out += [(n, frame.f_locals) for n in walk(ctx.cell.tree) if isinstance(n, ast.Call) and n.lineno in lines]  # type: ignore[arg-type]  # fmt: skip
    classes = {n.name: n for n in walk(ctx.cell.tree) if isinstance(n, ast.ClassDef)}  # type: ignore[arg-type]
    for frame in traceback_frames(ctx.exc):
        code, local = frame.f_code, frame.f_locals
        owner = local.get("self")
        node = classes.get(type(owner).__name__) if AUTOGRAPH in code.co_filename else None
        method = next((m for m in node.body if isinstance(m, ast.FunctionDef) and f"tf__{m.name}" == code.co_name), None) if node else None  # fmt: skip
        out += [(n, local) for n in walk(method) if isinstance(n, ast.Call)] if method is not None else []
    return out


def _text(shape: tuple[int | None, ...]) -> str:
    return ", ".join("None" if axis is None else str(axis) for axis in shape)


def _shape(text: str) -> tuple[int | None, ...]:
    """``"None, 4, 6"`` → ``(None, 4, 6)``; an axis that is no number (``None``, JAX's
    ``dynamic_dimension``) is unknown."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    return tuple(int(p) if p.isdigit() else None for p in parts)


def _declared_shape(model: Any) -> tuple | None:
    """The input shape of a live Keras ``Sequential`` (read, not computed), else None."""
    if type(model).__name__ != "Sequential" or not live.is_keras_object(type(model)):
        return None
    try:
        inputs = model.inputs
        return tuple(inputs[0].shape) if isinstance(inputs, list) and len(inputs) == 1 else None
    except Exception:
        return None


def _first_layer_declaration(tree: ast.AST, name: str) -> tuple[ast.Call, ast.keyword] | None:
    """The first layer made for the model ``name`` in the cell (the first element of
    ``name = Sequential([...])``, else the argument of the first ``name.add(...)``) with the
    keyword that declares its input: (that call, the keyword)."""
    first: list[tuple[int, ast.expr]] = []
    for node in walk(tree):
        if isinstance(node, ast.Assign) and any(dotted(t) == name for t in node.targets):
            value = node.value
            if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], (ast.List, ast.Tuple)):  # fmt: skip
                elts = value.args[0].elts
                if elts:
                    first.append((node.lineno, elts[0]))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add":  # fmt: skip
            if dotted(node.func.value) == name and len(node.args) == 1:
                first.append((node.lineno, node.args[0]))
    if not first:
        return None
    layer = min(first, key=lambda pair: pair[0])[1]
    if not isinstance(layer, ast.Call):
        return None
    kw = next((k for k in layer.keywords if k.arg in DECLARING), None)
    return (layer, kw) if kw is not None else None
