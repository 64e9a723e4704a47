"""Error rule: an autoencoder's loss function that reads the model's symbolic tensors from
module-level names (Keras 2's VAE: ``vae_loss(x, x_decoded)`` adds a KL term of the global
``z_mean`` and ``z_log_var``).

Keras 2 built the model and its loss in one TensorFlow graph, where such a tensor could be read
from anywhere; since TensorFlow 2.4 and in Keras 3 a loss runs on the batch's values and the
global tensors stay symbolic ("A KerasTensor cannot be used as input to a TensorFlow function").
The loss goes into the graph where its tensors are: it takes them as parameters, a layer adds it
(``add_loss``) on the model's input, its output and those tensors, the model is made again with
that layer at its end (same input, same output, same weights), and ``compile`` gets no ``loss``.

A loss defined and compiled inside a builder function reads the builder's tensors through its
closure: the same rewrite is made inside the builder (in its own cell, for ``migrate``). A model
compiled cells before the failing ``fit`` (the loss in one cell, the ``compile`` in the next, the
training later: most notebooks) gets the rewrite where each part is written (``across``: the
loss's cell, the ``compile``'s cell); the corrected cell of the magics redoes them at its top.

Evidence, all read from the live objects: the model the failing ``fit`` trains was compiled with
that function; the names it reads (globals, or its closure's cells) hold ``KerasTensor``s, which
no loss can compute with once training runs on values (so the message is not read: TensorFlow
says "A KerasTensor cannot be used…" or "Failed to convert elements of (None, 3) to Tensor",
depending on the op, and Keras's traceback filter often leaves the loss's frame out); the
model has one input and one output; ``fit`` gets the same data as input and target (an
autoencoder: the loss's ``y_true`` is the model's input, as the layer gives it)."""

from __future__ import annotations

import ast
import inspect
from dataclasses import replace
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.compiled import failing_model_calls, traceback_model_calls
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.loss_made_from_tensors import made_from_tensors
from kerasmagic.diagnosis.loss_method_tensors import method_loss
from kerasmagic.diagnosis.loss_tensors import (
    autoencoder_data,
    closure,
    compile_without_loss,
    compiled_model,
    compiles_model,
    compiles_with,
    loss_layer,
    one_in_one_out,
    statement_of,
)
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.redefine import definition, is_that_function, placed, top_level
from kerasmagic.diagnosis.rewrite import Edit, delete_keyword_edit, insertion_line, node_edit, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-loss-outer-tensors"
TRAINING = ("fit", "fit_generator", "train_on_batch")


@rule(ENTRY, when=(ERROR,), family="model-methods", needs=("fit", "_on_batch", "compile"))  # compile: a module making the loss
def loss_outer_tensors(ctx: CellContext) -> list[Problem]:
    """The failing ``fit`` of a one-input, one-output model compiled (in this cell or an earlier
    one) with a loss function of the notebook's own that reads global symbolic tensors."""
    tree, names = ctx.cell.tree, ctx.live_names or {}
    if tree is None or ctx.exc is None:
        return []
    for call, name, model in failing_model_calls(ctx, TRAINING):
        loss = getattr(model, "loss", None)
        if not one_in_one_out(model) or not autoencoder_data(call):
            continue
        if inspect.isfunction(loss):
            outer = [n for n in dict.fromkeys(loss.__code__.co_names) if live.is_keras_tensor(names.get(n))]
            outer += [n for n, v in closure(loss).items() if n not in outer and live.is_keras_tensor(v)]
            found = _rewrite(ctx, tree, name, call, loss, outer) if outer else []
            if found:
                return found
        made = made_from_tensors(ctx, tree, name, call, loss) or method_loss(ctx, call, loss)
        if made:
            return made
    return _in_defining_module(ctx)


def _in_defining_module(ctx: CellContext) -> list[Problem]:
    """The source at hand is a module of the user's that a builder function defines the loss
    in (``create_lstm_vae`` of ``lstm_vae/vae.py``, imported by the script whose ``fit`` failed):
    the model comes from the failing ``fit`` in the traceback, read in its own frame, and the
    builder is rewritten here, as in a cell."""
    names = ctx.live_names or {}
    for call, model in traceback_model_calls(ctx.exc, TRAINING):
        loss = getattr(model, "loss", None)
        code = getattr(loss, "__code__", None)
        if not inspect.isfunction(loss) or not ctx.filename or getattr(code, "co_filename", None) != ctx.filename:  # fmt: skip
            continue
        if not one_in_one_out(model) or not autoencoder_data(call):
            continue
        outer = [n for n in dict.fromkeys(loss.__code__.co_names) if live.is_keras_tensor(names.get(n))]
        outer += [n for n, v in closure(loss).items() if n not in outer and live.is_keras_tensor(v)]
        found = _rewrite_builder(ctx, call, loss, outer) if outer and closure(loss) else []
        for problem in found:  # the failing fit's model holds this module's loss: its frame is
            problem.raised_it = True  # AutoGraph's converted copy, in no file of the user's
        if found:
            return found
    return []


def _rewrite(ctx: CellContext, tree: ast.AST, model: str, fit: ast.Call, loss, outer: list[str]) -> list[Problem]:  # fmt: skip
    compile_call = _compile_before(tree, model, fit, loss.__name__)
    if compile_call is None and closure(loss):  # compiled where the loss is made, in a function
        return _rewrite_builder(ctx, fit, loss, outer)
    root = keras_root(ctx)
    if root is None:
        return []
    if compile_call is None:  # compiled cells before the failing `fit`
        return _rewrite_compiled_earlier(ctx, root, model, fit, loss, outer)
    keras, imports = root
    params = _parameters_edit(ctx, loss, outer)
    if params is None:
        return []
    edits, across = params
    statement = statement_of(tree, compile_call)
    drop = next(k for k in compile_call.keywords if k.arg == "loss")
    removal = delete_keyword_edit(ctx.cell, compile_call, drop)
    start = node_edit(ctx.cell, statement, "") if statement is not None else None
    if removal is None or start is None:
        return []
    added = loss_layer(keras, loss.__name__, model, outer, indent_of(ctx.cell, statement))  # type: ignore[arg-type]
    insert = Edit(start.line, start.col, start.line, start.col, added)
    problem = from_entry(ENTRY, fit.lineno, [*imports, *edits, insert, removal], [loss.__name__, *outer],
                         ctx.shown_versions, loss=loss.__name__, tensors=", ".join(f"`{n}`" for n in outer),
                         model=model, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    problem.across = [*imports, *across, insert, removal] if across else None
    return [problem]


def _rewrite_compiled_earlier(ctx: CellContext, root: tuple[str, list[Edit]], model: str, fit: ast.Call,
                              loss, outer: list[str]) -> list[Problem]:  # fmt: skip
    """The model compiled with the loss in an earlier cell (the newest that compiles it): the
    layer and the model made again go before that ``compile``, which loses its ``loss`` (for
    ``migrate``, ``across``); the cell at hand (the magics) gets the changed loss, the layer, the
    model made again and the ``compile`` without ``loss`` at its top."""
    keras, imports = root
    found = _earlier_compile(ctx, model, loss.__name__)
    params = _parameters_edit(ctx, loss, outer) if found is not None and not imports else None
    if found is None or params is None:
        return []
    index, parsed, compile_call = found
    statement = statement_of(parsed.tree, compile_call)
    if statement is None or statement.col_offset:
        return []
    start = node_edit(parsed, statement, "")
    drop = next(k for k in compile_call.keywords if k.arg == "loss")
    removal = delete_keyword_edit(parsed, compile_call, drop)
    again = compile_without_loss(parsed, statement, removal)
    redefined_loss, loss_across = params
    top = insertion_line(ctx.cell)
    if start is None or removal is None or again is None or not all(
        e.cell is None and (e.line, e.col, e.end_line, e.end_col) == (top, 0, top, 0) for e in redefined_loss
    ):  # the loss is defined in the cell at hand (after its compile?): not this shape
        return []
    added = loss_layer(keras, loss.__name__, model, outer, "")
    here = Edit(top, 0, top, 0, "".join(e.text for e in redefined_loss) + added + again)
    insert = Edit(start.line, start.col, start.line, start.col, added, cell=index)
    problem = from_entry(ENTRY, fit.lineno, [here], [loss.__name__, *outer], ctx.shown_versions,
                         loss=loss.__name__, tensors=", ".join(f"`{n}`" for n in outer),
                         model=model, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    problem.across = [*loss_across, insert, replace(removal, cell=index)]
    return [problem]


def _earlier_compile(ctx: CellContext, model: str, loss: str) -> tuple[int, Any, ast.Call] | None:
    """The newest earlier cell's last top-level ``model.compile(..., loss=<loss>)``: (its index,
    the cell parsed, the call); None when a newer cell compiles ``model`` otherwise."""
    for index, parsed in cells(ctx)[1:]:
        compiles = [n for n in walk(parsed.tree) if compiles_model(n, model)] if parsed.tree is not None else []
        if compiles:
            last = max(compiles, key=lambda n: n.lineno)
            return (index, parsed, last) if compiles_with(last, loss) else None  # type: ignore[return-value]
    return None


def _rewrite_builder(ctx: CellContext, fit: ast.Call, loss, outer: list[str]) -> list[Problem]:
    """The loss defined and compiled inside a builder function, reading the builder's tensors
    (its closure): the same rewrite inside the builder, in this cell or (``migrate``) the earlier
    cell that defines it."""
    root = keras_root(ctx)
    for index, parsed in cells(ctx) if root is not None else ():
        found = _builder_of(parsed, loss)
        if found is None:
            continue
        builder, inner, compile_call = found
        params = _tensor_parameters(parsed, inner, outer)
        statement = statement_of(builder, compile_call)
        start = node_edit(parsed, statement, "") if statement is not None else None
        drop = next(k for k in compile_call.keywords if k.arg == "loss")
        removal = delete_keyword_edit(parsed, compile_call, drop)
        model = compiled_model(compile_call)
        if params is None or start is None or removal is None or model is None:
            return []
        keras, imports = root  # type: ignore[misc]
        added = loss_layer(keras, loss.__name__, model, outer, indent_of(parsed, statement))  # type: ignore[arg-type]
        insert = Edit(start.line, start.col, start.line, start.col, added)
        holder = builder if index is None else top_level(parsed, builder)  # a method: its class
        moved = placed(ctx.cell, ctx.namespace, parsed, holder, [params, insert, removal], index) if holder else None  # fmt: skip
        if moved is None:
            return []
        edits, across = moved
        problem = from_entry(ENTRY, fit.lineno, [*imports, *edits], [loss.__name__, *outer],
                             ctx.shown_versions, loss=loss.__name__, tensors=", ".join(f"`{n}`" for n in outer),
                             model=model, keras=ctx.versions.get("keras", "3"))  # fmt: skip
        problem.across = [*imports, *across] if across else None
        return [problem]
    return []


def _builder_of(parsed: Any, loss) -> tuple[ast.FunctionDef, ast.FunctionDef, ast.Call] | None:
    """The function of ``parsed`` whose body defines ``loss`` and then compiles a model with it:
    (the function, the loss's ``def``, the ``compile`` call)."""
    for function in walk(parsed.tree) if parsed.tree is not None else ():
        if not isinstance(function, ast.FunctionDef):
            continue
        inner = next((n for n in function.body if isinstance(n, ast.FunctionDef) and n.name == loss.__name__), None)  # fmt: skip
        if inner is None or not is_that_function(loss, inner):
            continue
        for node in walk(function):
            if compiles_with(node, loss.__name__) and node.lineno > inner.lineno:
                return function, inner, node  # type: ignore[return-value]
    return None


def _parameters_edit(ctx: CellContext, loss, outer: list[str]) -> tuple[list[Edit], list[Edit]] | None:  # fmt: skip
    """The loss's ``def`` given the outer tensors as parameters after its own: in this cell, or
    defined again at the top (``migrate``: in its earlier cell)."""
    for index, parsed in cells(ctx):
        node = definition(parsed, loss.__name__, index is None)
        if node is None or not is_that_function(loss, node):
            continue
        edit = _tensor_parameters(parsed, node, outer)
        if edit is None:
            return None
        moved = placed(ctx.cell, ctx.namespace, parsed, node, [edit], index)
        return (moved[0], moved[1] or []) if moved is not None else None
    return None


def _tensor_parameters(parsed: Any, node: ast.FunctionDef, outer: list[str]) -> Edit | None:
    """The loss's ``def`` (exactly ``y_true, y_pred``) given the outer tensors as parameters
    after its own; None for any other signature."""
    args = node.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.defaults or len(args.args) != 2:
        return None
    last = node_edit(parsed, args.args[-1], "")
    if last is None:
        return None
    return Edit(last.end_line, last.end_col, last.end_line, last.end_col, ", " + ", ".join(outer))


def _compile_before(tree: ast.AST, model: str, fit: ast.Call, loss: str) -> ast.Call | None:
    """The cell's ``model.compile(..., loss=<loss>)`` before the ``fit``."""
    found = None
    for node in walk(tree):
        if compiles_model(node, model) and compiles_with(node, loss) and node.lineno <= fit.lineno:  # type: ignore[attr-defined]
            found = node
    return found


