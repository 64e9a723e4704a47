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
from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.compiled import (
    failing_model_calls,
    single_output_shape,
    traceback_model_calls,
)
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import bindings, cells
from kerasmagic.diagnosis.redefine import definition, is_that_function, placed
from kerasmagic.diagnosis.rewrite import (
    Edit,
    apply_edits,
    delete_keyword_edit,
    insertion_line,
    node_edit,
    node_text,
    parse_cell,
    walk,
)
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-loss-outer-tensors"
MADE = "keras3-loss-made-from-tensors"
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
        if not _one_in_one_out(model) or not _autoencoder_data(ctx, call):
            continue
        if inspect.isfunction(loss):
            outer = [n for n in dict.fromkeys(loss.__code__.co_names) if live.is_keras_tensor(names.get(n))]
            outer += [n for n, v in _closure(loss).items() if n not in outer and live.is_keras_tensor(v)]
            found = _rewrite(ctx, tree, name, call, loss, outer) if outer else []
            if found:
                return found
        made = _made_from_tensors(ctx, tree, name, call, loss)
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
        if not _one_in_one_out(model) or not _same_data(call):
            continue
        outer = [n for n in dict.fromkeys(loss.__code__.co_names) if live.is_keras_tensor(names.get(n))]
        outer += [n for n, v in _closure(loss).items() if n not in outer and live.is_keras_tensor(v)]
        found = _rewrite_builder(ctx, call, loss, outer) if outer and _closure(loss) else []
        for problem in found:  # the failing fit's model holds this module's loss: its frame is
            problem.raised_it = True  # AutoGraph's converted copy, in no file of the user's
        if found:
            return found
    return []


def _same_data(call: ast.Call) -> bool:
    """``fit(x, x)``: the same expression as input and target, written anywhere."""
    x = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "x"), None)
    y = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "y"), None)  # fmt: skip
    return x is not None and y is not None and ast.dump(x) == ast.dump(y)


def _closure(function) -> dict:
    """The values a nested function reads from the function around it (its closure's cells)."""
    cells_ = getattr(function, "__closure__", None) or ()
    values = {}
    for name, cell in zip(function.__code__.co_freevars, cells_):
        try:
            values[name] = cell.cell_contents
        except ValueError:  # a cell not filled yet
            continue
    return values


def _rewrite(ctx: CellContext, tree: ast.AST, model: str, fit: ast.Call, loss, outer: list[str]) -> list[Problem]:  # fmt: skip
    compile_call = _compile_before(tree, model, fit, loss.__name__)
    if compile_call is None and _closure(loss):  # compiled where the loss is made, in a function
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
    statement = _statement_of(tree, compile_call)
    drop = next(k for k in compile_call.keywords if k.arg == "loss")
    removal = delete_keyword_edit(ctx.cell, compile_call, drop)
    start = node_edit(ctx.cell, statement, "") if statement is not None else None
    if removal is None or start is None:
        return []
    added = _loss_layer(keras, loss.__name__, model, outer, " " * statement.col_offset)  # type: ignore[union-attr]
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
    statement = _statement_of(parsed.tree, compile_call)
    if statement is None or statement.col_offset:
        return []
    start = node_edit(parsed, statement, "")
    drop = next(k for k in compile_call.keywords if k.arg == "loss")
    removal = delete_keyword_edit(parsed, compile_call, drop)
    again = _compile_without_loss(parsed, statement, removal)
    redefined_loss, loss_across = params
    top = insertion_line(ctx.cell)
    if start is None or removal is None or again is None or not all(
        e.cell is None and (e.line, e.col, e.end_line, e.end_col) == (top, 0, top, 0) for e in redefined_loss
    ):  # the loss is defined in the cell at hand (after its compile?): not this shape
        return []
    added = _loss_layer(keras, loss.__name__, model, outer, "")
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
        compiles = [n for n in walk(parsed.tree) if _compiles(n, model)] if parsed.tree is not None else []
        if compiles:
            last = max(compiles, key=lambda n: n.lineno)
            return (index, parsed, last) if _compiles_with(last, loss) else None  # type: ignore[return-value]
    return None


def _compile_without_loss(parsed: Any, statement: ast.stmt, removal: Edit | None) -> str | None:
    """The ``compile`` statement's text without its ``loss`` argument."""
    if removal is None:
        return None
    changed = parse_cell(apply_edits(parsed.source, [removal]))
    same = next((s for s in (changed.tree.body if changed.tree else []) if s.lineno == statement.lineno), None)
    text = node_text(changed, same) if same is not None else None
    return text.rstrip("\n") + "\n" if text else None


def _loss_layer(keras: str, loss: str, model: str, outer: list[str], indent: str) -> str:
    """A layer that adds the loss on the model's input, output and ``outer`` tensors, and the
    model made again with it at its end (text to put before the ``compile`` statement)."""
    camel = "".join(part[:1].upper() + part[1:] for part in loss.split("_") if part)
    layer = camel + ("Layer" if camel.lower().endswith("loss") else "LossLayer")
    return (
        f"class {layer}({keras}.layers.Layer):\n"
        f"{indent}    def call(self, inputs):  # Keras 2's loss, added where its tensors are\n"
        f"{indent}        self.add_loss({loss}(*inputs))\n"
        f"{indent}        return inputs[1]\n"
        f"{indent}{model} = {keras}.Model({model}.inputs, {layer}()([{model}.inputs[0], "
        f"{model}.outputs[0], {', '.join(outer)}]))\n{indent}"
    )


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
        statement = _statement_of(builder, compile_call)
        start = node_edit(parsed, statement, "") if statement is not None else None
        drop = next(k for k in compile_call.keywords if k.arg == "loss")
        removal = delete_keyword_edit(parsed, compile_call, drop)
        model = _compiled_model(compile_call)
        if params is None or start is None or removal is None or model is None:
            return []
        keras, imports = root  # type: ignore[misc]
        added = _loss_layer(keras, loss.__name__, model, outer, " " * statement.col_offset)  # type: ignore[union-attr]
        insert = Edit(start.line, start.col, start.line, start.col, added)
        moved = placed(ctx.cell, ctx.namespace, parsed, builder, [params, insert, removal], index)
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
            if _compiles_with(node, loss.__name__) and node.lineno > inner.lineno:
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
        if _compiles(node, model) and _compiles_with(node, loss) and node.lineno <= fit.lineno:  # type: ignore[attr-defined]
            found = node
    return found


def _compiled_model(node: ast.AST) -> str | None:
    """``NAME`` of ``NAME.compile(...)`` (dotted: ``self.vae``); None for any other node."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "compile":  # fmt: skip
        return dotted(node.func.value)
    return None


def _compiles(node: ast.AST, model: str) -> bool:
    """``model.compile(...)``."""
    return _compiled_model(node) == model


def _compiles_with(node: ast.AST, loss: str) -> bool:
    """``NAME.compile(..., loss=<loss>)``."""
    return _compiled_model(node) is not None and any(
        k.arg == "loss" and isinstance(k.value, ast.Name) and k.value.id == loss
        for k in node.keywords  # type: ignore[attr-defined]
    )


def _statement_of(tree: ast.AST, call: ast.Call) -> ast.stmt | None:
    """The simple statement (at a block's top level) holding ``call``."""
    return next(
        (
            s
            for s in walk(tree)
            if isinstance(s, ast.Expr | ast.Assign) and any(n is call for n in walk(s))
        ),
        None,
    )


def _autoencoder_data(ctx: CellContext, call: ast.Call) -> bool:
    """``fit`` gets the same expression as input and target (and as validation pair)."""
    x = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "x"), None)
    y = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "y"), None)  # fmt: skip
    if x is None or y is None or node_text(ctx.cell, x) != node_text(ctx.cell, y):
        return False
    validation = next((k.value for k in call.keywords if k.arg == "validation_data"), None)
    if validation is None:
        return True
    return (
        isinstance(validation, ast.Tuple)
        and len(validation.elts) == 2
        and node_text(ctx.cell, validation.elts[0]) == node_text(ctx.cell, validation.elts[1])
    )


def _one_in_one_out(model: object) -> bool:
    inputs = getattr(model, "inputs", None)
    return single_output_shape(model) is not None and isinstance(inputs, list) and len(inputs) == 1


def _made_from_tensors(ctx: CellContext, tree: ast.AST, model: str, fit: ast.Call, loss: Any) -> list[Problem]:  # fmt: skip
    """The loss made by a call from the model's symbolic tensors (``loss=vae_loss_for(z_mean,
    z_log_var)``, a method of an object made from them, ``partial(f, z=z)``), given to the
    ``compile`` of the model (this cell's before the failing ``fit``, else the newest earlier
    cell's), directly or through a name that cell binds: the same expression is evaluated again
    inside a layer, on the tensors' values, and added there. A ``compile`` cells earlier gets the
    layer before it and loses its ``loss`` (``migrate``, ``across``); the cell at hand (the
    magics) does the same at its top."""
    site = _compile_site(ctx, tree, model, fit)
    root = keras_root(ctx)
    if site is None or root is None:
        return []
    index, parsed, compile_call = site
    found = _loss_expression(ctx, index, parsed, compile_call)
    written, made = found if found is not None else (None, None)
    names = ctx.live_names or {}
    args = [n for c in walk(made) if isinstance(c, ast.Call) for a in [*c.args, *(k.value for k in c.keywords)] for n in walk(a) if isinstance(n, ast.Name)] if made is not None else []  # fmt: skip
    outer = [n for n in dict.fromkeys(a.id for a in args) if live.is_keras_tensor(names.get(n))]
    held = _held_tensors(loss)
    if made is None or not outer or not all(any(names[n] is t for t in held) for n in outer):
        return []  # the live loss does not hold those very tensors
    text = node_text(written, made)
    statement = _statement_of(parsed.tree, compile_call)
    start = node_edit(parsed, statement, "") if statement is not None else None
    drop = next(k for k in compile_call.keywords if k.arg == "loss")
    removal = delete_keyword_edit(parsed, compile_call, drop)
    taken = set(outer) | {n.id for n in walk(made) if isinstance(n, ast.Name)}
    pair = next((p for p in (("model_input", "model_output"), ("x_in", "y_out")) if not taken & set(p)), None)
    again = _compile_without_loss(parsed, statement, removal) if index is not None and statement is not None else ""  # fmt: skip
    if text is None or start is None or removal is None or pair is None or again is None:
        return []
    keras, imports = root
    indent = " " * statement.col_offset  # type: ignore[union-attr]
    stem = made.attr if isinstance(made, ast.Attribute) else dotted(made.func) if isinstance(made, ast.Call) else None  # fmt: skip
    layer = "".join(p[:1].upper() + p[1:] for p in (stem or "loss").replace(".", "_").split("_") if p)
    layer += "Layer" if layer.lower().endswith("loss") else "LossLayer"
    added = (
        f"class {layer}({keras}.layers.Layer):\n"
        f"{indent}    def call(self, inputs):  # Keras 2's loss, made again from the tensors' values\n"
        f"{indent}        {pair[0]}, {pair[1]}, {', '.join(outer)} = inputs\n"
        f"{indent}        self.add_loss(({text})({pair[0]}, {pair[1]}))\n"
        f"{indent}        return {pair[1]}\n"
        f"{indent}{model} = {keras}.Model({model}.inputs, {layer}()([{model}.inputs[0], "
        f"{model}.outputs[0], {', '.join(outer)}]))\n{indent}"
    )
    if index is None:
        edits = [*imports, Edit(start.line, start.col, start.line, start.col, added), removal]
        across = None
    elif indent:
        return []
    else:  # the earlier cell imports Keras where it needs it; the cell at hand, at its top
        top, there = insertion_line(ctx.cell), insertion_line(parsed)
        importing = "".join(e.text for e in imports)
        edits = [Edit(top, 0, top, 0, importing + added + again)]
        across = [*(Edit(there, 0, there, 0, e.text, cell=index) for e in imports),
                  Edit(start.line, start.col, start.line, start.col, added, cell=index), replace(removal, cell=index)]  # fmt: skip
    problem = from_entry(MADE, fit.lineno, edits, [*outer], ctx.shown_versions,
                         loss=" ".join(text.split()), tensors=", ".join(f"`{n}`" for n in outer),
                         model=model, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    problem.across = across
    return [problem]


def _compile_site(ctx: CellContext, tree: ast.AST, model: str, fit: ast.Call) -> tuple[int | None, Any, ast.Call] | None:  # fmt: skip
    """Where ``model`` was last compiled with a ``loss=``, at a block's top: this cell before the
    ``fit`` (index None), else the newest earlier cell that compiles it (None when that cell
    compiles it otherwise)."""
    for index, parsed in cells(ctx):
        compiles = [n for n in walk(parsed.tree) if _compiles(n, model)] if parsed.tree is not None else []  # fmt: skip
        if index is None:
            compiles = [n for n in compiles if n.lineno <= fit.lineno]  # type: ignore[attr-defined]
        if not compiles:
            continue
        last = max(compiles, key=lambda n: n.lineno)  # type: ignore[attr-defined]
        statement = _statement_of(parsed.tree, last)  # type: ignore[arg-type]
        if not any(k.arg == "loss" for k in last.keywords) or statement is None or statement.col_offset:  # type: ignore[attr-defined]  # fmt: skip
            return None
        return index, parsed, last  # type: ignore[return-value]
    return None


def _loss_expression(ctx: CellContext, index: int | None, parsed: Any, compile_call: ast.Call) -> tuple[Any, ast.expr] | None:  # fmt: skip
    """The expression that made the ``loss=`` value, with the parsed cell it is written in: the
    keyword's own, or the value last bound to its name before the ``compile`` (in its cell, else
    in the newest earlier cell that binds it); one that calls something (None otherwise)."""
    value: ast.expr | None = next(k.value for k in compile_call.keywords if k.arg == "loss")
    where = parsed
    if isinstance(value, ast.Name):
        name, value = value.id, None
        older = [(i, p) for i, p in cells(ctx) if i is not None and (index is None or i < index)]
        for i, cell in [(index, parsed), *older]:
            bound = [v for stmt, v in bindings(cell.tree, name) if i != index or stmt.lineno < compile_call.lineno] if cell.tree is not None else []  # fmt: skip
            if bound:
                value, where = bound[-1], cell
                break
    calls = value is not None and any(isinstance(n, ast.Call) for n in walk(value))
    return (where, value) if calls and not isinstance(value, ast.Lambda) else None  # type: ignore[return-value]


def _held_tensors(loss: Any) -> list[Any]:
    """The values the live loss holds: a bound method's object's attributes, a closure's cells,
    a ``functools.partial``'s arguments (a tuple or list among them opened one level)."""
    values: list[Any] = []
    owner = getattr(loss, "__self__", None)
    if owner is not None and hasattr(owner, "__dict__"):
        values += list(vars(owner).values())
    function = getattr(loss, "__func__", loss)
    values += list(_closure(function).values()) if inspect.isfunction(function) else []
    values += [*getattr(loss, "args", ()), *getattr(loss, "keywords", {}).values()] if hasattr(loss, "func") else []  # fmt: skip
    opened = [v for item in values if isinstance(item, (list, tuple)) for v in item]
    return [v for v in [*values, *opened] if live.is_keras_tensor(v)]
