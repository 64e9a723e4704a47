"""Static rule: a Keras 2 layer given its batch shape (``LSTM(4, batch_input_shape=B,
stateful=True)``, or ``batch_size=b`` beside ``input_shape=S``, which Keras 2's base layer joined
into ``(b, *S)``). Keras 3 layers refuse those keywords; the batch shape goes on an ``Input`` that
starts the model. Only the model's first layer gave its batch shape in Keras 2: a ``Sequential``
read it from the first layer added and ignored it on later ones (code that repeats
``batch_input_shape=`` on every layer of a stacked LSTM), so a later layer's keywords are only
dropped. So is the batch shape of a layer that is no ``Sequential``'s layer at all: one a class
keeps as an attribute (``self.embedding = Embedding(…, batch_input_shape=B)`` in a subclassed
model), or one called on a tensor where it is made (the functional API): the tensor, not the
keyword, gave it its input in Keras 2."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import (
    keras_root,
    models_are_keras3,
    same_keras,
    signature,
)
from kerasmagic.diagnosis.keras_paths import root_of
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    delete_keyword_edit,
    node_edit,
    node_text,
    parent_map,
    walk,
)
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-batch-input-shape"
LATER_LAYER = " `{layer}` is not the model's first layer: Keras 2 ignored its batch shape there, so its keywords are only dropped."
NO_SEQUENTIAL = " `{layer}` is no `Sequential` model's layer (an attribute of a class, or called on a tensor where it is made): Keras 2 ignored its batch shape there, so its keywords are only dropped."


def _input_expr(ctx: CellContext, layer_path: str) -> tuple[str, list[Edit]] | None:
    """How the cell names ``Input`` of the layer's Keras (imported when it cannot), if that
    ``Input`` takes ``batch_shape`` here."""
    root = root_of(layer_path) or "keras"
    status, input_fn = live.resolve_path(f"{root}.Input")
    sig = signature(input_fn) if status == live.OK else None
    if sig is None or "batch_shape" not in sig.parameters:
        return None
    expr = ctx.scope.expr_for(f"{root}.Input")
    if expr is not None:
        return expr, []
    if root != "keras" and not same_keras(root):  # tf.keras over Keras 3: keras.Input is its Input
        return None
    found = keras_root(ctx)
    return (f"{found[0]}.Input", found[1]) if found is not None else None


@rule(
    ENTRY,
    when=(STATIC,),
    family="keyword-arguments",
    needs=(
        "batch_input_shape",
        r"batch_size\s*=[^\n]*input_(?:shape|dim)\s*=",
        r"input_shape\s*=[^\n]*batch_size\s*=",
        r"input_dim\s*=[^\n]*batch_size\s*=",
    ),
)
def batch_input_shape(ctx: CellContext) -> list[Problem]:
    """``LSTM(4, batch_input_shape=B, stateful=True)`` (or ``batch_size=b`` beside
    ``input_shape=S``, which Keras 2 joined into ``(b, *S)``) given to ``model.add`` or in a
    ``Sequential([...])`` list: an ``Input(batch_shape=…)`` before it, the keywords dropped; on
    a later layer of the model, the keywords dropped only."""
    tree = ctx.cell.tree
    if tree is None or not models_are_keras3(ctx):
        return []
    parents = parent_map(tree)
    out: list[Problem] = []
    for call in walk(tree):
        if not isinstance(call, ast.Call):
            continue
        given = _batch_shape(ctx, call)
        callee = ctx.scope.callee(call.func) if given is not None else None
        if given is None or callee is None or not live.is_layer_class(callee[0]):
            continue
        shape, keywords = given
        sig = signature(callee[0])
        if sig is None or any(k.arg in sig.parameters for k in keywords):
            continue
        found = _input_expr(ctx, callee[1])
        drops = [delete_keyword_edit(ctx.cell, call, k) for k in keywords]
        if shape is None or found is None or None in drops:
            continue
        layer = callee[1].rsplit(".", 1)[-1]
        elsewhere = _outside_sequential(call, parents)
        later = elsewhere or _later_layer(ctx, call, parents)
        input_text = f"{found[0]}(batch_shape={shape})"
        insert = None if later else _insertion(ctx, call, parents, input_text)
        if insert is None and not later:
            continue
        edits = drops if later else [insert, *drops, *found[1]]
        problem = from_entry(ENTRY, keywords[0].lineno, edits, [k.arg for k in keywords] + [layer],  # type: ignore[arg-type, list-item]
                             ctx.shown_versions, keras=ctx.versions.get("keras", "3"),
                             input=input_text, keyword=keywords[0].arg)  # fmt: skip
        if later:
            problem.fix += (NO_SEQUENTIAL if elsewhere else LATER_LAYER).format(layer=layer)
        out.append(problem)
    return out


def _outside_sequential(call: ast.Call, parents: dict) -> bool:
    """Is the layer made by ``call`` kept as an attribute of ``self`` (a subclassed model's or
    layer's sub-layer) or called on its input where it is made (``Dense(…)(x)``): never a
    ``Sequential`` model's layer, whose batch shape Keras 2 read?"""
    parent = parents.get(id(call))
    if isinstance(parent, ast.Call) and parent.func is call:
        return True
    if not (isinstance(parent, ast.Assign) and parent.value is call and len(parent.targets) == 1):
        return False
    target = parent.targets[0]
    return isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"  # fmt: skip


def _later_layer(ctx: CellContext, call: ast.Call, parents: dict) -> bool:
    """Is the layer made by ``call`` a later layer of its ``Sequential`` model: an element after
    the first of ``Sequential([...])``, or given to ``X.add(...)`` after another ``X.add(...)``
    since the cell last bound ``X``, or to the kernel's ``Sequential`` that holds layers already?"""
    parent = parents.get(id(call))
    if isinstance(parent, ast.List):
        holder = parents.get(id(parent))
        return isinstance(holder, ast.Call) and bool(parent.elts) and parent.elts[0] is not call
    func = parent.func if isinstance(parent, ast.Call) and parent.args == [call] else None
    owner = dotted(func.value) if isinstance(func, ast.Attribute) and func.attr == "add" else None
    if owner is None or ctx.cell.tree is None:
        return False
    at = (parent.lineno, parent.col_offset)  # type: ignore[union-attr]
    bound = [n.lineno for n in walk(ctx.cell.tree) if isinstance(n, ast.Assign) and n.lineno < at[0]
             and any(dotted(t) == owner for t in n.targets)]  # fmt: skip
    since = max(bound, default=0)
    for node in walk(ctx.cell.tree):
        f = node.func if isinstance(node, ast.Call) else None
        if isinstance(f, ast.Attribute) and f.attr == "add" and dotted(f.value) == owner and since < node.lineno and (node.lineno, node.col_offset) < at:  # fmt: skip
            return True
    if bound or owner in ctx.scope.user_bound:
        return False
    held = (ctx.namespace or {}).get(owner)
    return bool(getattr(held, "layers", None)) and live.is_keras_instance(held)


def _batch_shape(ctx: CellContext, call: ast.Call) -> tuple[str | None, list[ast.keyword]] | None:
    """The batch shape a Keras 2 layer call gives and the keywords that give it:
    ``batch_input_shape=B``, or ``batch_size=b`` with ``input_shape=S`` (``(b, *S)``) or
    ``input_dim=d`` (``(b, d)``), as Keras 2's base layer joined them."""
    keywords = {k.arg: k for k in call.keywords if k.arg}
    if "batch_input_shape" in keywords:
        kw = keywords["batch_input_shape"]
        return node_text(ctx.cell, kw.value), [kw]
    size = keywords.get("batch_size")
    shape = keywords.get("input_shape") or keywords.get("input_dim")
    if size is None or shape is None:
        return None
    b, s = node_text(ctx.cell, size.value), node_text(ctx.cell, shape.value)
    if b is None or s is None:
        return None, []
    if shape.arg == "input_dim":
        return f"({b}, {s})", [size, shape]
    if isinstance(shape.value, (ast.Tuple, ast.List)):
        items = [node_text(ctx.cell, e) for e in shape.value.elts]
        if None not in items:
            return f"({', '.join([b, *items])})", [size, shape]  # type: ignore[list-item]
    return f"({b},) + tuple({s})", [size, shape]


def _insertion(ctx: CellContext, call: ast.Call, parents: dict, input_text: str) -> Edit | None:
    """``X.add(Input(...))`` on a line before ``X.add(layer)``, or ``Input(...), `` before the
    layer in a ``Sequential([...])`` list."""
    parent = parents.get(id(call))
    if isinstance(parent, ast.Call) and parent.args == [call]:
        func = parent.func
        stmt = parents.get(id(parent))
        if isinstance(func, ast.Attribute) and func.attr == "add" and isinstance(stmt, ast.Expr):
            owner = node_text(ctx.cell, func.value)
            at = node_edit(ctx.cell, stmt, "")
            if owner is None or at is None:
                return None
            line = ctx.cell.source.splitlines()[at.line - 1]
            if line[: at.col].strip():
                return None
            text = f"{line[: at.col]}{owner}.add({input_text})\n"
            return Edit(at.line, 0, at.line, 0, text)
    if isinstance(parent, ast.List) and parent.elts and parent.elts[0] is call:
        holder = parents.get(id(parent))
        if isinstance(holder, ast.Call) and holder.args and holder.args[0] is parent:
            sequential = ctx.scope.callee(holder.func)
            if sequential is not None and sequential[1].rsplit(".", 1)[-1] == "Sequential":
                at = node_edit(ctx.cell, call, "")
                if at is not None:
                    return Edit(at.line, at.col, at.line, at.col, f"{input_text}, ")
    return None
