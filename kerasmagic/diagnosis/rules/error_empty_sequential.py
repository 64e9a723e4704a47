"""Error rule: an empty ``Sequential()`` called as a model. Keras 2 returned its input (a no-op
augmentation: ``def show(augmentation=keras.Sequential())``, ``aug = Sequential()`` when the
author turned augmentation off); Keras 3 refuses: "Sequential model sequential cannot be built
because it has no layers. Call `model.add(layer)`."

Facts: the message; the model that raised, read from the traceback (a frame's ``self``: a
``Sequential`` with no layers); where it is made, in this cell: the ``Sequential()`` call with
no arguments bound to a name whose live value is that model, or a function's default that is it
(the live function's ``__defaults__``); no cell adds a layer to the name. The call becomes the
live Keras's ``layers.Identity()``, which returns its input as Keras 2's empty model did.
"""

from __future__ import annotations

import ast
import re
import sys
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, parent_map, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-empty-sequential-called"
MESSAGE = re.compile(r"Sequential model \S+ cannot be built because it has no layers")


@rule(ENTRY, when=(ERROR,), family="keras3-api", errors=("ValueError",), needs="Sequential")
def empty_sequential_called(ctx: CellContext) -> list[Problem]:
    """The empty ``Sequential()`` that raised, made in this cell, becomes ``layers.Identity()``."""
    tree = ctx.cell.tree
    model = _raising_model(ctx.exc)
    if not MESSAGE.search(ctx.message) or tree is None or model is None:
        return []
    names = ctx.live_names or {}  # a helper main() defines is one of its frame's locals
    parents = parent_map(tree)
    for call in walk(tree):
        if not isinstance(call, ast.Call) or call.args or call.keywords:
            continue
        if value_in(names, call.func) is not type(model):
            continue
        bound = _made(call, parents, names, model)
        if bound is None or any(f"{bound}.add(" in source for source in (*ctx.earlier, ctx.source, *ctx.later)):  # fmt: skip
            continue
        identity = _identity(ctx, call.func)
        if identity is None:
            return []
        text, imports = identity
        edit = node_edit(ctx.cell, call.func, text)
        if edit is None:
            return []
        return [from_entry(ENTRY, ctx.line or call.lineno, [*imports, edit], ["Sequential"],
                           ctx.shown_versions, written=node_text(ctx.cell, call) or "Sequential()")]  # fmt: skip
    return []


def _raising_model(exc: BaseException | None) -> Any:
    """The empty ``Sequential`` a frame of the traceback ran for (its ``self``), else None."""
    tb = getattr(exc, "__traceback__", None)
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        if type(owner).__name__ == "Sequential" and not getattr(owner, "layers", True):
            return owner
        tb = tb.tb_next
    return None


def _made(call: ast.Call, parents: dict[int, ast.AST], names: dict, model: Any) -> str | None:
    """The name (or the function whose default it is) the call made ``model`` for, read from the
    live values; None when the live value is another object."""
    parent = parents.get(id(call))
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):  # fmt: skip
        name = parent.targets[0].id
        return name if names.get(name) is model else None
    if isinstance(parent, ast.arguments):
        function = parents.get(id(parent))
        live = names.get(getattr(function, "name", ""))
        defaults = (*(getattr(live, "__defaults__", None) or ()), *(getattr(live, "__kwdefaults__", None) or {}).values())  # fmt: skip
        return f"{function.name}()" if any(d is model for d in defaults) else None  # type: ignore[union-attr]
    return None


def _identity(ctx: CellContext, func: ast.expr) -> tuple[str, list[Edit]] | None:
    """How the cell names the live Keras's ``layers.Identity``: beside the module the call
    reaches ``Sequential`` by (``keras.Sequential`` -> ``keras.layers.Identity``), else through
    the ``keras`` package (imported if the cell does not bind it)."""
    if isinstance(func, ast.Attribute):
        owner = value_in(ctx.namespace or {}, func.value)
        layers = getattr(owner, "layers", None)
        if getattr(layers, "Identity", None) is not None:
            text = node_text(ctx.cell, func.value)
            return (f"{text}.layers.Identity", []) if text else None
    found = keras_root(ctx)
    if found is None:
        return None
    root, imports = found
    module = (ctx.namespace or {}).get(root) or sys.modules.get("keras")
    if getattr(getattr(module, "layers", None), "Identity", None) is None:
        return None
    return f"{root}.layers.Identity", imports
