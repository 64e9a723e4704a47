"""A loss that is a method of the notebook's own class and reads the model's symbolic tensors from
its object (``compile(loss=self.vae_loss)`` in ``__init__``, ``vae_loss`` reading ``self.z_mean``):
entry ``keras3-loss-outer-tensors``, found by ``rules/error_loss_outer_tensors.py`` when the live
loss is a bound method.

The method gets those tensors as parameters after its own (each ``self.z_mean`` read becomes
``z_mean``); where the class compiles the model with it, a layer adds the loss on the model's
input, its output and the object's tensors, the model is made again with it at its end, and the
``compile`` loses its ``loss``: the same rewrite as for a function, made in the class (its own
cell for ``migrate``; the class defined again at the top of the corrected cell).

Evidence, read from the live objects: the loss is a bound method of an object whose class the
notebook defines (same methods); the attributes the method reads from its ``self`` hold
``KerasTensor``s on that object; one ``compile`` of the class passes ``loss=<self>.<method>``.
"""

from __future__ import annotations

import ast
import inspect
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.loss_tensors import compiled_model, loss_layer, statement_of
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.redefine import definition, is_that_function, placed
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, delete_keyword_edit, node_edit, walk

ENTRY = "keras3-loss-outer-tensors"


def method_loss(ctx: CellContext, fit: ast.Call, loss: Any) -> list[Problem]:
    """The rewrite for a loss that is a bound method reading its object's symbolic tensors."""
    owner, function = getattr(loss, "__self__", None), getattr(loss, "__func__", None)
    root = keras_root(ctx)
    if not inspect.ismethod(loss) or not inspect.isfunction(function) or root is None:
        return []
    for index, parsed in cells(ctx):
        node = definition(parsed, type(owner).__name__, index is None, ast.ClassDef)
        if node is None or not is_that_function(type(owner), node):
            continue
        method = next((m for m in node.body if isinstance(m, ast.FunctionDef) and m.name == function.__name__), None)  # fmt: skip
        if method is None or not is_that_function(function, method):
            return []
        found = _edits(parsed, node, method, owner, root[0])
        if found is None:
            return []
        edits, outer, model = found
        moved = placed(ctx.cell, ctx.namespace, parsed, node, edits, index)
        if moved is None:
            return []
        tensors = ", ".join(f"`self.{a}`" for a in outer)
        problem = from_entry(ENTRY, fit.lineno, [*root[1], *moved[0]], [function.__name__, *outer],
                             ctx.shown_versions, loss=f"self.{function.__name__}", tensors=tensors,
                             model=model, keras=ctx.versions.get("keras", "3"))  # fmt: skip
        problem.across = [*root[1], *moved[1]] if moved[1] else None
        return [problem]
    return []


def _edits(parsed: ParsedCell, cls: ast.ClassDef, method: ast.FunctionDef, owner: Any, keras: str) -> tuple[list[Edit], list[str], str] | None:  # fmt: skip
    """``(edits of the class, the attributes given as parameters, the compiled model)``."""
    args = method.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.defaults or len(args.args) != 3:
        return None
    me = args.args[0].arg
    reads = [
        n
        for n in walk(method)
        if isinstance(n, ast.Attribute)
        and isinstance(n.value, ast.Name)
        and n.value.id == me
        and isinstance(n.ctx, ast.Load)  # fmt: skip
    ]
    held = vars(owner) if hasattr(owner, "__dict__") else {}
    outer = list(dict.fromkeys(n.attr for n in reads if live.is_keras_tensor(held.get(n.attr))))
    taken = {n.id for n in walk(method) if isinstance(n, ast.Name)} | {a.arg for a in args.args}
    if not outer or taken & set(outer):
        return None
    site = _compile_site(cls, method.name)
    if site is None:
        return None
    holder, compile_call = site
    model = compiled_model(compile_call)
    statement = statement_of(holder, compile_call)
    start = node_edit(parsed, statement, "") if statement is not None else None
    drop = next(k for k in compile_call.keywords if k.arg == "loss")
    removal = delete_keyword_edit(parsed, compile_call, drop)
    last = node_edit(parsed, args.args[-1], "")
    if model is None or start is None or removal is None or last is None or statement is None:
        return None
    edits = [
        Edit(last.end_line, last.end_col, last.end_line, last.end_col, ", " + ", ".join(outer))
    ]
    for read in reads:
        edit = node_edit(parsed, read, read.attr) if read.attr in outer else None
        edits += [edit] if edit is not None else []
    receiver = holder.args.args[0].arg
    indent = indent_of(parsed, statement)
    alias = f"{method.name}_of_{receiver}"
    layer = loss_layer(keras, method.name, model, [f"{receiver}.{a}" for a in outer], indent, called=alias)  # fmt: skip
    added = f"{alias} = {receiver}.{method.name}\n{indent}{layer}"
    edits += [Edit(start.line, start.col, start.line, start.col, added), removal]
    return edits, outer, model


def _compile_site(cls: ast.ClassDef, method: str) -> tuple[ast.FunctionDef, ast.Call] | None:
    """The one ``compile`` of the class's methods given ``loss=<self>.<method>``, with the method
    that holds it (``<self>`` its first parameter)."""
    found = []
    for holder in (m for m in cls.body if isinstance(m, ast.FunctionDef) and m.args.args):
        me = holder.args.args[0].arg
        for call in walk(holder):
            if compiled_model(call) is None:
                continue
            value = next((k.value for k in call.keywords if k.arg == "loss"), None)  # type: ignore[attr-defined]
            if isinstance(value, ast.Attribute) and value.attr == method and isinstance(value.value, ast.Name) and value.value.id == me:  # fmt: skip
                found.append((holder, call))
    return found[0] if len(found) == 1 else None  # type: ignore[return-value]
