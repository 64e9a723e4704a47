"""Error rule: a model loaded by name of an object of the notebook's own that Keras cannot find.

Keras stores a model's layers by class name and (Keras 3, in ``to_json`` and saved files) its
compile configuration with the loss and metric functions by name; loading rebuilds them from the
names and finds the user's own only through ``custom_objects``. Keras 2's ``model_from_json``
kept no compile configuration, so a model compiled with ``metrics=[r2]`` came back from its JSON
without needing ``r2``; Keras 3 compiles it again and stops: "Could not locate function 'r2'"
(Keras 2's loaders said "Unknown metric function: r2" / "Unknown layer: MyLayer").

The message names the object; the failing line calls a live Keras loader whose signature takes
``custom_objects``; the live namespace binds that name to a function or class that is not
Keras's (a subclass of a Keras class counts: it is the user's own). The call gets ``custom_objects={'r2': r2}`` (added to a dict it already passes).

A library's function given as an activation is stored by its own name, which no namespace binds:
``activation=tf.nn.softmax`` is saved as ``softmax_v2``, that Keras 3 cannot locate. The notebook
spells it somewhere (``tf.nn.softmax``, a chain of attributes on a module it imported): that
spelling, read live and named so, is what the call gets (``{'softmax_v2': tf.nn.softmax}``).
"""

from __future__ import annotations

import ast
import inspect
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    closing_insert_edit,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule

ENTRY = "load-custom-objects"
NAMED = re.compile(
    r"Could not locate (?:function|class) '(?P<k3>[A-Za-z_]\w*)'"
    r"|Unknown (?:[a-z ]+ function|layer|activation|initializer|regularizer|constraint|metric|loss)"
    r"(?: function)?\s*:\s*'?(?P<k2>[A-Za-z_]\w*)"
)


@rule(ENTRY, when=(ERROR,), family="saving", errors=("TypeError", "ValueError"))
def custom_objects(ctx: CellContext) -> list[Problem]:
    """The loader of the failing line given the object the message names, from the namespace."""
    tree = ctx.cell.tree
    found = NAMED.search(ctx.message)
    if tree is None or found is None:
        return []
    name = found["k3"] or found["k2"]
    value = (ctx.live_names or {}).get(name)
    expr: str | None = name
    if not (inspect.isfunction(value) or inspect.isclass(value)) or live.is_keras_object(value):
        expr = _library_function(ctx, name)  # `tf.nn.softmax`, stored by its own name softmax_v2
        if expr is None:
            return []
    for call in walk(tree):
        if not isinstance(call, ast.Call) or call.lineno not in ctx.failing_lines:
            continue
        callee = ctx.scope.callee(call.func)
        params = live.parameters(callee[0]) if callee is not None else None
        if params is None or "custom_objects" not in params[0]:
            continue
        edit = custom_objects_edit(ctx.cell, call, f"{name!r}: {expr}")
        if edit is None:
            return []
        loader = callee[1].rsplit(".", 1)[-1]  # type: ignore[index]
        return [from_entry(ENTRY, call.lineno, [edit], [name, loader], ctx.shown_versions,
                           name=name, expr=expr, loader=loader, keras=ctx.versions.get("keras", ""))]  # fmt: skip
    return []


def custom_objects_edit(
    cell: ParsedCell, call: ast.Call, entries: str, *, others: bool = False
) -> Edit | None:
    """``custom_objects={entries}`` added to the call, or ``entries`` (``'r2': r2, …``) added
    to the dict display it passes (before its closing brace, its layout kept); None when it
    passes a dict with ``**`` or another expression. ``others``: also the second positional
    argument, and any of those, merged as ``{**given, entries}``."""
    given = next((k.value for k in call.keywords if k.arg == "custom_objects"), None)
    if given is None and others and len(call.args) > 1:
        given = call.args[1]
    if given is None:
        return closing_insert_edit(cell, call, f"custom_objects={{{entries}}}")
    if isinstance(given, ast.Dict) and (others or None not in given.keys):
        whole = node_edit(cell, given, "")
        text = node_text(cell, given)
        if whole is None or text is None:
            return None
        before = text[:-1].rstrip()  # what precedes the closing brace
        sep = "" if before.endswith(("{", ",")) else ", "
        at = whole.end_col - 1
        return Edit(whole.end_line, at, whole.end_line, at, sep + entries)
    text = node_text(cell, given) if others else None
    return node_edit(cell, given, f"{{**{text}, {entries}}}") if text is not None else None


def _library_function(ctx: CellContext, name: str) -> str | None:
    """The source text, in this cell or an earlier one, of a chain of attributes on a module the
    namespace binds (``tf.nn.softmax``) whose live value is a function named ``name``; read by
    ``getattr`` on modules only (nothing of the user's runs)."""
    names = ctx.live_names or {}
    for _index, parsed in cells(ctx):
        for node in walk(parsed.tree) if parsed.tree is not None else ():
            if not isinstance(node, ast.Attribute):
                continue
            root = node
            while isinstance(root, ast.Attribute):
                root = root.value
            if not (isinstance(root, ast.Name) and inspect.ismodule(names.get(root.id))):
                continue
            value = live_value(node, names)
            if callable(value) and getattr(value, "__name__", None) == name:
                return ast.unparse(node)
    return None
