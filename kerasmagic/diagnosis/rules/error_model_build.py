"""Error rule: ``model.build(shape)`` of a subclassed model leaves its layers unbuilt in Keras 3.

Keras 2's ``Model.build(input_shape)`` ran a subclassed model's ``call`` on placeholder inputs of
that shape, which built every layer inside it (TF 2 tutorials: ``model = MyModel();
model.build((None, 784)); model.summary()``). Keras 3's ``build`` of a model without a ``build``
method of its own only marks it built (with a warning), so its layers have no weights when a later
line reads them (``model.layers[0].weights``, ``get_weights()``, ``load_weights``). The repair is
what Keras 2 did: call the model once on a symbolic input of that shape
(``model(keras.Input(batch_shape=shape))``), which traces ``call`` without computing anything.

Decided from the live objects: the model the failing line reads (or whose layer it reads) is a
Keras model marked built, whose ``build`` is Keras's default and which holds unbuilt layers. The
``build`` call is often cells before the failure: ``migrate`` finds it by diagnosing the earlier
cells with the error (the entry's ``earlier_cell``) and runs them again.
"""

from __future__ import annotations

import ast
import linecache
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import is_cell_frame
from kerasmagic.diagnosis.keras3_support import inside_function, keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@rule("keras3-build-leaves-layers-unbuilt", when=(ERROR,), family="model-methods", needs=r"\.build\(")  # fmt: skip
def build_leaves_layers_unbuilt(ctx: CellContext) -> list[Problem]:
    """Each ``NAME.build(shape)`` statement of the cell whose model the failing line reads and
    Keras 3 left with unbuilt layers becomes ``NAME(keras.Input(batch_shape=shape))``."""
    tree = ctx.cell.tree
    if tree is None or ctx.exc is None:
        return []
    read = _models_read(ctx)
    if not read:
        return []
    root = None
    for node in walk(tree):
        call = node.value if isinstance(node, ast.Expr) else None
        if not _is_build(call):
            continue
        model = _receiver_model(ctx, tree, node, call.func.value.id, read)
        shape = call.args[0] if call.args else call.keywords[0].value
        text = node_text(ctx.cell, shape)
        if model is None or text is None:
            continue
        root = root or keras_root(ctx)
        if root is None:
            return []
        name, import_edits = root
        receiver = call.func.value.id
        if _several_shapes(shape):
            new = f"{receiver}([{name}.Input(batch_shape=s) for s in {text}])"
        else:
            new = f"{receiver}({name}.Input(batch_shape={text}))"
        edit = node_edit(ctx.cell, call, new)
        if edit is None:
            continue
        return [
            from_entry(
                "keras3-build-leaves-layers-unbuilt",
                ctx.line or node.lineno,
                [*import_edits, edit],
                ["build"],
                ctx.shown_versions,
                name=receiver,
                klass=type(model).__name__,
                root=name,
            )
        ]
    return []


def _is_build(call: Any) -> bool:
    """``NAME.build(shape)`` or ``NAME.build(input_shape=shape)``: one shape, nothing else."""
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return False
    if call.func.attr != "build" or not isinstance(call.func.value, ast.Name):
        return False
    positional = len(call.args) == 1 and not call.keywords
    keyword = not call.args and [k.arg for k in call.keywords] == ["input_shape"]
    return positional or keyword


def _several_shapes(shape: ast.expr) -> bool:
    """A list or tuple display of shapes (``[(None, 4), (None, 2)]``): one input each."""
    return (
        isinstance(shape, (ast.List, ast.Tuple))
        and bool(shape.elts)
        and all(isinstance(e, (ast.List, ast.Tuple)) for e in shape.elts)
    )


def _models_read(ctx: CellContext) -> list[Any]:
    """The models Keras 3 marked built without building their layers that the failing line reads
    (the model itself, or one of its layers)."""
    text = _failing_text(ctx)
    if not text:
        return []
    found: list[Any] = []
    values = [ctx.live_names.get(n) for n in dict.fromkeys(IDENTIFIER.findall(text))]
    candidates = [v for v in ctx.live_names.values() if _unbuilt_inside(v)]  # a function's too
    for model in candidates:
        inside = {id(model), *(id(layer) for layer in _layers(model))}
        if any(v is not None and id(v) in inside for v in values):
            found.append(model)
    return found


def _failing_text(ctx: CellContext) -> str:
    """The source line of the cell code that raised (the innermost frame of the cell's code, in
    this cell or the one that failed after it)."""
    tb, text = getattr(ctx.exc, "__traceback__", None), ""
    while tb is not None:
        if is_cell_frame(tb.tb_frame, ctx.namespace, ctx.filename):
            text = linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    lines = ctx.cell.source.splitlines()
    if not text and ctx.line is not None and 0 < ctx.line <= len(lines):
        text = lines[ctx.line - 1]  # the cell ran from a string no file holds
    return text


def _unbuilt_inside(value: Any) -> bool:
    """A Keras model whose ``build`` is Keras's own default, marked built, holding a layer that
    is not (what Keras 3's ``build(shape)`` leaves). Reads attributes only."""
    try:
        if isinstance(value, type) or not live.from_keras(value):
            return False
        owner = next((c for c in type(value).__mro__ if "build" in vars(c)), None)
        if owner is None or owner.__name__ != "Layer" or not live.is_keras_object(owner):
            return False
        return bool(value.built) and any(not layer.built for layer in _layers(value))
    except Exception:
        return False


def _layers(model: Any) -> list[Any]:
    """Every layer inside ``model`` (Keras 3's own walk), or its direct ``layers``."""
    try:
        return list(model._flatten_layers(include_self=False, recursive=True))
    except Exception:
        try:
            return list(model.layers)
        except Exception:
            return []


def _receiver_model(ctx: CellContext, tree: ast.AST, stmt: ast.stmt, name: str, models: list[Any]) -> Any:  # fmt: skip
    """The model of ``models`` that ``name.build(…)`` built: the namespace's ``name`` at the top
    level; inside a function, a ``name = C(…)`` before it whose live ``C`` (a global, or a class
    the function defines) is the model's class."""
    if not inside_function(tree, stmt):
        value = (ctx.namespace or {}).get(name)
        return next((m for m in models if m is value), None)
    for node in walk(tree):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        if [t.id for t in node.targets if isinstance(t, ast.Name)] != [name]:
            continue
        func = node.value.func
        klass = ctx.live_names.get(func.id) if isinstance(func, ast.Name) else None
        found = next((m for m in models if klass is not None and type(m) is klass), None)
        if found is not None and node.lineno < stmt.lineno:
            return found
    return None
