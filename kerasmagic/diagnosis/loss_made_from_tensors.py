"""A loss made by a call from the model's symbolic tensors (``loss=vae_loss_for(z_mean,
z_log_var)``, a method of an object made from them, ``functools.partial(f, z=z)``): entry
``keras3-loss-made-from-tensors``, found by ``rules/error_loss_outer_tensors.py`` when the live
loss is not itself a function reading those tensors.

The ``loss=`` expression is followed through the name it was bound to (in the ``compile``'s cell
or an earlier one); the live loss must hold those very tensors (by identity). The same expression
is then made again inside an ``add_loss`` layer from the tensors' values.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.loss_tensors import (
    compile_without_loss,
    compiles_model,
    held_tensors,
    statement_of,
)
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.redefine import placed
from kerasmagic.diagnosis.rewrite import (
    Edit,
    delete_keyword_edit,
    insertion_line,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.source_bindings import bindings, holding_functions

MADE = "keras3-loss-made-from-tensors"


def made_from_tensors(ctx: CellContext, tree: ast.AST, model: str, fit: ast.Call, loss: Any) -> list[Problem]:  # fmt: skip
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
    held = held_tensors(loss)
    if made is None or not outer or not all(any(names[n] is t for t in held) for n in outer):
        return []  # the live loss does not hold those very tensors
    text = node_text(written, made)
    statement = statement_of(parsed.tree, compile_call)
    start = node_edit(parsed, statement, "") if statement is not None else None
    drop = next(k for k in compile_call.keywords if k.arg == "loss")
    removal = delete_keyword_edit(parsed, compile_call, drop)
    taken = set(outer) | {n.id for n in walk(made) if isinstance(n, ast.Name)}
    pair = next((p for p in (("model_input", "model_output"), ("x_in", "y_out")) if not taken & set(p)), None)
    again = compile_without_loss(parsed, statement, removal) if index is not None and statement is not None else ""  # fmt: skip
    if text is None or start is None or removal is None or pair is None or again is None:
        return []
    keras, imports = root
    indent = indent_of(parsed, statement)  # type: ignore[arg-type]
    stem = made.attr if isinstance(made, ast.Attribute) else dotted(made.func) if isinstance(made, ast.Call) else None  # fmt: skip
    layer = "".join(p[:1].upper() + p[1:] for p in (stem or "loss").replace(".", "_").split("_") if p)
    layer += "Layer" if layer.lower().endswith("loss") else "LossLayer"
    added = (
        f"class {layer}({keras}.layers.Layer):\n"
        f"{indent}    def call(self, inputs):  # Keras 2's loss, made again from the tensors' values\n"
        f"{indent}        {pair[0]}, {pair[1]}, {', '.join(outer)} = inputs\n"
        f"{indent}        self.add_loss({keras}.ops.mean(({text})({pair[0]}, {pair[1]})))  # averaged, as compile's loss\n"
        f"{indent}        return {pair[1]}\n"
        f"{indent}{model} = {keras}.Model({model}.inputs, {layer}()([{model}.inputs[0], "
        f"{model}.outputs[0], {', '.join(outer)}]))\n{indent}"
    )
    if index is None:
        edits = [*imports, Edit(start.line, start.col, start.line, start.col, added), removal]
        across = None
    elif indent:  # compiled inside a function an earlier cell defines (a script's ``main()``)
        function = _top_function(parsed.tree, statement)
        inside = [Edit(start.line, start.col, start.line, start.col, added), removal]
        moved = placed(ctx.cell, ctx.namespace, parsed, function, inside, index) if function is not None else None  # fmt: skip
        if moved is None:
            return []
        edits = [*imports, *moved[0]]
        across = [*(Edit(insertion_line(parsed), 0, insertion_line(parsed), 0, e.text, cell=index) for e in imports), *(moved[1] or [])]  # fmt: skip
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
        compiles = [n for n in walk(parsed.tree) if compiles_model(n, model)] if parsed.tree is not None else []  # fmt: skip
        if index is None:
            compiles = [n for n in compiles if n.lineno <= fit.lineno]  # type: ignore[attr-defined]
        if not compiles:
            continue
        last = max(compiles, key=lambda n: n.lineno)  # type: ignore[attr-defined]
        statement = statement_of(parsed.tree, last)  # type: ignore[arg-type]
        if not any(k.arg == "loss" for k in last.keywords) or statement is None:  # type: ignore[attr-defined]
            return None
        if statement.col_offset and _top_function(parsed.tree, statement) is None:
            return None  # in a block at the top level, or a class's method
        return index, parsed, last  # type: ignore[return-value]
    return None


def _top_function(tree: ast.AST | None, statement: ast.stmt) -> ast.FunctionDef | None:
    """The top-level plain ``def`` of ``tree`` whose own statements (not a nested function's)
    hold ``statement``; None otherwise (a method, a nested function, the top level)."""
    holders = holding_functions(tree, statement.lineno)
    top = holders[0] if len(holders) == 1 else None
    plain = isinstance(top, ast.FunctionDef) and not top.decorator_list
    return top if plain and any(top is node for node in getattr(tree, "body", [])) else None  # type: ignore[return-value]


def _loss_expression(ctx: CellContext, index: int | None, parsed: Any, compile_call: ast.Call) -> tuple[Any, ast.expr] | None:  # fmt: skip
    """The expression that made the ``loss=`` value, with the parsed cell it is written in: the
    keyword's own, or the value last bound to its name before the ``compile`` (in the function
    that compiles, else in its cell, else in the newest earlier cell that binds it); one that calls
    something (None otherwise)."""
    value: ast.expr | None = next(k.value for k in compile_call.keywords if k.arg == "loss")
    where = parsed
    statement = statement_of(parsed.tree, compile_call) if parsed.tree is not None else None
    function = _top_function(parsed.tree, statement) if statement is not None else None
    local = [v for stmt, v in bindings(function, value.id) if stmt.lineno < compile_call.lineno] if function is not None and isinstance(value, ast.Name) else []  # fmt: skip
    if local:  # a local of the function that compiles (``loss = vae_loss_for(z_mean, z_log_var)``)
        value = local[-1]
    elif isinstance(value, ast.Name):
        name, value = value.id, None
        older = [(i, p) for i, p in cells(ctx) if i is not None and (index is None or i < index)]
        for i, cell in [(index, parsed), *older]:
            bound = [v for stmt, v in bindings(cell.tree, name) if i != index or stmt.lineno < compile_call.lineno] if cell.tree is not None else []  # fmt: skip
            if bound:
                value, where = bound[-1], cell
                break
    calls = value is not None and any(isinstance(n, ast.Call) for n in walk(value))
    return (where, value) if calls and not isinstance(value, ast.Lambda) else None  # type: ignore[return-value]
