"""Static rule: a layer given its first weights with ``weights=[W, b]``, the keyword every Keras 2
layer took through its base class (``self._initial_weights``, set with ``set_weights`` once the
layer was built). Keras 3's layers other than those that declare it (``Embedding``) refuse it;
each array becomes the ``Constant`` initializer of the weight it filled, which builds the same
values in the same place."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import (
    keras_class_calls,
    models_are_keras3,
    module_name,
    signature,
)
from kerasmagic.diagnosis.keras_paths import root_of
from kerasmagic.diagnosis.keyword_sites import keyword_sites
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import origins
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "keras3-initial-weights"


@rule(ENTRY, when=(STATIC,), family="keyword-arguments", needs=r"weights\s*=")
def initial_weights(ctx: CellContext) -> list[Problem]:
    """``Dense(4, weights=[W, b])`` of a live Keras 3 layer class without a ``weights``
    parameter: ``kernel_initializer=Constant(W), bias_initializer=Constant(b)``, the initializers
    taken in the order the layer makes its weights (its signature's, or the catalogue's where
    they differ). The arrays are the list's elements as written, or ``w[0]``, ``w[1]``… of a name
    the kernel binds to a list of that length. One problem for the cell's calls."""
    if ctx.cell.tree is None or not models_are_keras3(ctx):
        return []
    entry = find_entry(ENTRY)
    orders = entry.data.get("orders", {}) if entry is not None else {}
    flags = entry.data.get("flags", {}) if entry is not None else {}
    edits: list[Edit] = []
    first: tuple[int, str, str] | None = None  # line, class, initializers of the first call
    imports: list[Edit] = []  # the import the names need, once for the cell
    for call, klass, path in keras_class_calls(ctx):
        kw = next((k for k in call.keywords if k.arg == "weights"), None)
        if kw is None or not live.is_layer_class(klass) or _declares_weights(klass):
            continue
        arrays = _array_texts(ctx, kw.value)
        # the weights the layer makes: its initializers in order, less those a flag of the call
        # turns off (`use_bias=False`, BatchNormalization's `center=False`), written or held by
        # a name whose value is known (a setting cells earlier, a parameter every call passes)
        off = {k.arg for k in keyword_sites(ctx, call) if k.arg in flags.values() and k.known is False}  # a dict it unpacks too  # fmt: skip
        initializers = [i for i in orders.get(klass.__name__) or _initializer_params(klass) if flags.get(i) not in off]  # fmt: skip
        if not arrays or len(arrays) != len(initializers):
            continue
        if any(k.arg in initializers for k in call.keywords):
            continue  # an initializer written as well: left to the user
        named = _constant_expr(ctx, path)
        if named is None:
            continue
        expr, imported = named
        text = ", ".join(f"{n}={expr}({a})" for n, a in zip(initializers, arrays))
        edit = node_edit(ctx.cell, kw, text)
        if edit is None:
            continue
        edits.append(edit)
        imports = imports or imported
        first = first or (kw.lineno, klass.__name__, text)
    if first is None:
        return []
    edits += imports
    return [from_entry(ENTRY, first[0], edits, ["weights", first[1]], ctx.shown_versions,
                       callable=first[1], initializers=first[2], keras=ctx.versions.get("keras", "3"))]  # fmt: skip


def _declares_weights(klass: type) -> bool:
    sig = signature(klass)
    return sig is None or "weights" in sig.parameters  # unreadable: leave it


def _initializer_params(klass: type) -> list[str]:
    sig = signature(klass)
    return [p for p in sig.parameters if p.endswith("_initializer")] if sig is not None else []


def _array_texts(ctx: CellContext, value: ast.expr) -> list[str]:
    """The text of each array of ``weights=``: a literal list or tuple (also inside ``list(…)``),
    or ``name[i]`` for a name the kernel binds to a list or tuple of arrays, or that the source
    binds to a literal list (a function's local, a cell run before)."""
    value = _literal(value)
    if isinstance(value, (ast.List, ast.Tuple)):
        texts = [node_text(ctx.cell, e) for e in value.elts]
        starred = any(isinstance(e, ast.Starred) for e in value.elts)
        return [] if starred or None in texts else texts  # type: ignore[return-value]
    if isinstance(value, ast.Name):
        held = (ctx.namespace or {}).get(value.id) if value.id not in ctx.scope.user_bound else None
        if isinstance(held, (list, tuple)) and held and all(hasattr(a, "shape") for a in held):
            return [f"{value.id}[{i}]" for i in range(len(held))]
        made = origins(ctx, value, terms=False)  # where the source makes it: a local, an earlier cell
        listed = _listed(made[0].value) if len(made) == 1 else []
        if listed and not any(isinstance(e, ast.Starred) for e in listed):
            return [f"{value.id}[{i}]" for i in range(len(listed))]
    return []


def _literal(value: ast.expr) -> ast.expr:
    """The literal list or tuple inside ``list(…)``/``tuple(…)``, else ``value``."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("list", "tuple") and len(value.args) == 1:  # fmt: skip
        return value.args[0]
    return value


def _listed(value: ast.expr) -> list[ast.expr]:
    """The elements of a literal list or tuple (also inside ``list(…)``)."""
    value = _literal(value)
    return list(value.elts) if isinstance(value, (ast.List, ast.Tuple)) else []


def _constant_expr(ctx: CellContext, path: str) -> tuple[str, list[Edit]] | None:
    """How the cell names the ``Constant`` initializer of the layer's Keras: through its
    bindings, else through the name it gives that Keras's package, imported at the top where
    nothing binds it (``keras3_support.module_name``)."""
    root = root_of(path)
    if root is None:
        return None
    target = f"{root}.initializers.Constant"
    if live.resolve_path(target)[0] != live.OK:
        return None
    expr = ctx.scope.expr_for(target)
    if expr is not None:
        return expr, []
    top = root.split(".")[0]
    named = module_name(ctx, top)
    return (named[0] + target[len(top) :], named[1]) if named is not None else None
