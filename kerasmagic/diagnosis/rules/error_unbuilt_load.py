"""Error rule: weights loaded into a subclassed model that was never built.

TF 2's checkpoint format restored a subclassed model's weights lazily: ``new = MyModel();
new.load_weights(path)`` matched the variables when the model was first called. Keras 3 builds
nothing on ``load_weights`` and refuses ("You are loading weights into a model that has not yet
been built. Try building the model first by calling it on some data or by using `build()`.";
an HDF5 file: "Layer count mismatch … Model expected 0 layers"). The message says what to do; the
shape comes from the live objects: another model of the same class, built (the one that trained
and saved), whose recorded input shape the new one is built with, as Keras 2 did on its first
call: ``new(keras.Input(batch_shape=shape))`` before the load (a call traces the model's
``call``, which builds its layers; Keras 3's ``build`` of a subclassed model only marks it).
With no such model left (``del model`` before the new one is made), the shape is that of the
data the model is next given in the cell (``new.evaluate(ds_val)``: a live array, tensor or
``tf.data`` dataset), the very call whose build restored the weights in Keras 2; for ``migrate``,
which knows the cells after, in the next cell that runs the model when the load ends its cell.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis.compiled import RUNS
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import parsed_source
from kerasmagic.diagnosis.rewrite import Edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-load-weights-unbuilt"
MESSAGES = (
    r"loading weights into a model that has not yet been built",
    r"Model expected 0 layers, found \d+ saved layers",
)


@rule(ENTRY, when=(ERROR,), family="saving", errors=("ValueError",), needs=r"load_weights")
def load_weights_unbuilt(ctx: CellContext) -> list[Problem]:
    """``NAME.load_weights(…)`` on the failing line, ``NAME`` an unbuilt live model: built first
    on the input shape of a built live model of its class."""
    if ctx.cell.tree is None or not any(re.search(m, ctx.message) for m in MESSAGES):
        return []
    names = ctx.live_names
    for stmt in walk(ctx.cell.tree):
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        if call.func.attr != "load_weights" or not isinstance(call.func.value, ast.Name):
            continue
        if ctx.line is not None and stmt.lineno != ctx.line:
            continue
        name = call.func.value.id
        model = names.get(name)
        # the cell's own `name.build(shape)` after the load: the shape Keras 2 restored on
        built = _built_after(ctx, stmt, name) if _unbuilt(model) else None
        if built is not None:
            root = keras_root(ctx)
            if root is None:
                continue
            return [_build_by_call(ctx, stmt, name, model, built, root)]
        shape = _saved_shape(model, names.values())
        if shape is None and _unbuilt(model):
            shape = _next_data_shape(ctx.cell.tree, name, stmt, names)
        if shape is None and _unbuilt(model) and _last_of_cell(ctx.cell.tree, stmt):
            shape = _later_data_shape(ctx, name)
        root = keras_root(ctx) if shape is not None else None
        if root is None:
            continue
        keras, imports = root
        line_text = ctx.cell.source.splitlines()[stmt.lineno - 1]
        indent = line_text[: len(line_text) - len(line_text.lstrip())]
        build = f"{indent}{name}({keras}.Input(batch_shape={shape!r}))\n"
        edit = Edit(stmt.lineno, 0, stmt.lineno, 0, build)
        problem = from_entry(ENTRY, ctx.line or stmt.lineno, [*imports, edit], [name, "build"],
                             ctx.shown_versions, name=name, klass=type(model).__name__,
                             shape=repr(shape))  # fmt: skip
        problem.certain = True  # the class's own layers, built as the saved model's were
        return [problem]
    return []


def _built_after(ctx: CellContext, load: ast.stmt, name: str) -> str | None:
    """The text of the one argument of ``name.build(…)`` that follows ``load`` at its indent in
    the cell (``model.build(tf.TensorShape([1, None]))``); None when there is none."""
    for stmt in walk(ctx.cell.tree):
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == "build" and isinstance(func.value, ast.Name)):  # fmt: skip
            continue
        after = stmt.lineno > (load.end_lineno or load.lineno) and stmt.col_offset == load.col_offset
        if func.value.id == name and after and len(call.args) == 1 and not call.keywords:  # type: ignore[union-attr]
            return node_text(ctx.cell, call.args[0])  # type: ignore[union-attr]
    return None


def _build_by_call(ctx: CellContext, load: ast.stmt, name: str, model: Any, shape: str, root: tuple[str, list[Edit]]) -> Problem:  # fmt: skip
    """The model called on zeros of the shape its later ``build`` gives (a dimension left open
    counts 1) before the load: Keras 3's ``build`` of a subclassed model creates no weights, and
    a symbolic call cannot create a stateful layer's state; the state the call left is zeroed
    again, as after Keras 2's ``build``."""
    keras, imports = root
    line_text = ctx.cell.source.splitlines()[load.lineno - 1]
    indent = line_text[: len(line_text) - len(line_text.lstrip())]
    lines = [f"{name}({keras}.ops.zeros([1 if d is None else d for d in tuple({shape})]))"]
    stateful = any(getattr(layer, "stateful", False) for layer in getattr(model, "layers", None) or [])
    if stateful:
        lines += [f"for _layer in {name}.layers:", "    if getattr(_layer, 'stateful', False):", "        _layer.reset_states()"]  # fmt: skip
    text = "".join(f"{indent}{line}\n" for line in lines)
    problem = from_entry(ENTRY, ctx.line or load.lineno, [*imports, Edit(load.lineno, 0, load.lineno, 0, text)],
                         [name, "build"], ctx.shown_versions, name=name, klass=type(model).__name__, shape=shape)  # fmt: skip
    problem.fix = (
        f"Build `{name}` before the load by calling it once on zeros of the shape the cell's own "
        f"`{name}.build({shape})` gives (an open dimension counts 1): Keras 3's `build` of a subclassed "
        "model creates no weights, and Keras 2 restored the checkpoint only at that build. The corrected "
        "cell does so" + (", then zeroes the stateful layers' state again, as Keras 2's build left it." if stateful else ".")
    )  # fmt: skip
    problem.certain = True
    return problem


def _unbuilt(model: Any) -> bool:
    """A model with no weights yet, or one whose layers made theirs in ``__init__`` but that
    Keras never built (``built`` False: Keras 3 refuses the load the same)."""
    if model is None or not hasattr(model, "load_weights"):
        return False
    return not getattr(model, "weights", None) or getattr(model, "built", True) is False


def _saved_shape(model: Any, values: Any) -> tuple | None:
    """The input shape (batch left open) of a built live model of ``model``'s class, when
    ``model`` is an unbuilt subclassed Keras model; None otherwise."""
    if not _unbuilt(model):
        return None
    for other in values:
        if other is model or type(other) is not type(model) or not getattr(other, "weights", None):
            continue
        shapes = getattr(other, "_build_shapes_dict", None) or {}
        shape = shapes.get("input_shape") if len(shapes) == 1 else None
        if isinstance(shape, (tuple, list)) and shape and all(
            d is None or isinstance(d, int) for d in shape
        ):
            return (None, *shape[1:])
    return None


def _next_data_shape(tree: ast.AST, name: str, load: ast.stmt, names: dict) -> tuple | None:
    """The shape (batch left open) of the data the first call after ``load`` that runs model
    ``name`` on data gives it (``name.evaluate(x)``, ``name.predict(x)``, ``name.fit(x, …)``,
    ``name(x)``), ``x`` a live name: an array or tensor, or a ``tf.data`` dataset of ``(x, y)``."""
    data = _next_data(tree, name, (load.lineno, load.col_offset))
    return _shape_of(names.get(data.id)) if isinstance(data, ast.Name) else None


def _next_data(tree: ast.AST, name: str, after: tuple[int, int]) -> ast.expr | None:
    """What the first call after ``after`` (line, column) that runs model ``name`` on data gives
    it; None when there is no such call (or it gives nothing)."""
    later = sorted((c for c in walk(tree) if isinstance(c, ast.Call) and (c.lineno, c.col_offset) > after),
                   key=lambda c: (c.lineno, c.col_offset))  # fmt: skip
    for call in later:
        func = call.func
        runs = isinstance(func, ast.Attribute) and func.attr in RUNS and isinstance(func.value, ast.Name) and func.value.id == name  # fmt: skip
        if runs or (isinstance(func, ast.Name) and func.id == name):
            return call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "x"), None)  # fmt: skip
    return None


def _last_of_cell(tree: ast.AST, stmt: ast.stmt) -> bool:
    """Is ``stmt`` the cell's last top-level statement (nothing after it runs the model)?"""
    body = getattr(tree, "body", [])
    return bool(body) and body[-1] is stmt


def _later_data_shape(ctx: CellContext, name: str) -> tuple | None:
    """For ``migrate``, which knows the cells after this one: the shape of the data the first of
    them that runs model ``name`` gives it, a name that none of them binds up to there (the live
    value is what it reads), nor the model's."""
    bound: set[str] = set()
    for source in ctx.later:
        tree = parsed_source(source).tree
        if tree is None:
            return None
        bound |= {n.id for n in walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        data = _next_data(tree, name, (0, 0))
        if data is not None or name in bound:
            fresh = isinstance(data, ast.Name) and not {name, data.id} & bound
            return _shape_of((ctx.namespace or {}).get(data.id)) if fresh else None  # type: ignore[union-attr]
    return None


def _shape_of(value: Any) -> tuple | None:
    """``(None, *dims)`` of an array or tensor, or of the first part of a dataset's elements; None
    when a dimension is unknown or it is nothing of these."""
    spec = getattr(value, "element_spec", None)
    if spec is not None:
        value = spec[0] if isinstance(spec, (tuple, list)) and spec else spec
    shape = getattr(value, "shape", None)
    try:
        dims = tuple(shape)[1:] if shape is not None else ()
    except (TypeError, ValueError):
        return None  # a shape of unknown rank
    if not dims or not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
        return None
    return (None, *dims)
