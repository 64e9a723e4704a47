"""What the rules about a loss made from a model's symbolic tensors read (Keras 2's VAE,
``rules/error_loss_outer_tensors.py``): the tensors a live loss holds, whether a model and its
``fit`` are an autoencoder's, and the ``compile`` statements of a cell.
"""

from __future__ import annotations

import ast
import inspect
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.compiled import single_output_shape
from kerasmagic.diagnosis.rewrite import Edit, apply_edits, node_text, parse_cell, walk


def closure(function) -> dict:
    """The values a nested function reads from the function around it (its closure's cells)."""
    cells_ = getattr(function, "__closure__", None) or ()
    values = {}
    for name, cell in zip(function.__code__.co_freevars, cells_):
        try:
            values[name] = cell.cell_contents
        except ValueError:  # a cell not filled yet
            continue
    return values


def held_tensors(loss: Any) -> list[Any]:
    """The values the live loss holds: a bound method's object's attributes, a closure's cells,
    a ``functools.partial``'s arguments (a tuple or list among them opened one level)."""
    values: list[Any] = []
    owner = getattr(loss, "__self__", None)
    if owner is not None and hasattr(owner, "__dict__"):
        values += list(vars(owner).values())
    function = getattr(loss, "__func__", loss)
    values += list(closure(function).values()) if inspect.isfunction(function) else []
    values += [*getattr(loss, "args", ()), *getattr(loss, "keywords", {}).values()] if hasattr(loss, "func") else []  # fmt: skip
    opened = [v for item in values if isinstance(item, (list, tuple)) for v in item]
    return [v for v in [*values, *opened] if live.is_keras_tensor(v)]


def one_in_one_out(model: object) -> bool:
    """A live model of one input and one output."""
    inputs = getattr(model, "inputs", None)
    return single_output_shape(model) is not None and isinstance(inputs, list) and len(inputs) == 1


def autoencoder_data(call: ast.Call) -> bool:
    """``fit(x, x)``: the same expression as input and target, and as the validation pair when
    there is one (compared as syntax, so its spacing does not count)."""
    x = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "x"), None)
    y = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "y"), None)  # fmt: skip
    if x is None or y is None or ast.dump(x) != ast.dump(y):
        return False
    validation = next((k.value for k in call.keywords if k.arg == "validation_data"), None)
    if validation is None:
        return True
    return (
        isinstance(validation, ast.Tuple)
        and len(validation.elts) == 2
        and ast.dump(validation.elts[0]) == ast.dump(validation.elts[1])
    )


def statement_of(tree: ast.AST, call: ast.Call) -> ast.stmt | None:
    """The simple statement (at a block's top level) holding ``call``."""
    return next(
        (
            s
            for s in walk(tree)
            if isinstance(s, ast.Expr | ast.Assign) and any(n is call for n in walk(s))
        ),
        None,
    )


def compiled_model(node: ast.AST) -> str | None:
    """``NAME`` of ``NAME.compile(...)`` (dotted: ``self.vae``); None for any other node."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "compile":  # fmt: skip
        return dotted(node.func.value)
    return None


def compiles_model(node: ast.AST, model: str) -> bool:
    """``model.compile(...)``."""
    return compiled_model(node) == model


def compiles_with(node: ast.AST, loss: str) -> bool:
    """``NAME.compile(..., loss=<loss>)``."""
    return compiled_model(node) is not None and any(
        k.arg == "loss" and isinstance(k.value, ast.Name) and k.value.id == loss
        for k in node.keywords  # type: ignore[attr-defined]
    )


def compile_without_loss(parsed: Any, statement: ast.stmt, removal: Edit | None) -> str | None:
    """The ``compile`` statement's text without its ``loss`` argument."""
    if removal is None:
        return None
    changed = parse_cell(apply_edits(parsed.source, [removal]))
    same = next((s for s in (changed.tree.body if changed.tree else []) if s.lineno == statement.lineno), None)
    text = node_text(changed, same) if same is not None else None
    return text.rstrip("\n") + "\n" if text else None


def loss_layer(keras: str, loss: str, model: str, outer: list[str], indent: str, called: str | None = None) -> str:  # fmt: skip
    """A layer that adds the loss on the model's input, output and ``outer`` tensors (averaged
    over the batch, as ``compile`` averaged a per-sample loss: ``add_loss`` sums), and the model
    made again with it at its end (text to put before the ``compile`` statement). The layer is
    named after ``loss``; its ``call`` calls ``called`` (default: ``loss``)."""
    camel = "".join(part[:1].upper() + part[1:] for part in loss.split("_") if part)
    layer = camel + ("Layer" if camel.lower().endswith("loss") else "LossLayer")
    return (
        f"class {layer}({keras}.layers.Layer):\n"
        f"{indent}    def call(self, inputs):  # Keras 2's loss, added where its tensors are\n"
        f"{indent}        self.add_loss({keras}.ops.mean({called or loss}(*inputs)))  # averaged over the batch, as compile's loss\n"
        f"{indent}        return inputs[1]\n"
        f"{indent}{model} = {keras}.Model({model}.inputs, {layer}()([{model}.inputs[0], "
        f"{model}.outputs[0], {', '.join(outer)}]))\n{indent}"
    )
