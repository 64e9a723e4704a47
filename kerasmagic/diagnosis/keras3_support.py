"""Helpers of the Keras 2 → 3 rules: the cell's way to name the Keras 3 package, the Keras 2
signature of a backend function (read from the live install), the generated map when shipped.

Nothing here guesses: a helper that cannot tell returns None and the rule offers no rewrite.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import sys
import types
from collections.abc import Iterator
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.keras2_names import (  # noqa: F401 (read by rules/backend_ops.py)
    LEGACY_BACKEND,
    generated_home,
    legacy_signature,
)
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.member_values import MISSING
from kerasmagic.diagnosis.provenance import origins
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, node_text, walk
from kerasmagic.knowledge.catalogue import find_entry


def keras3_here(root: str = "keras") -> bool:
    """Is the ``keras`` package (or the Keras at ``root``: ``tensorflow.keras``) imported here
    Keras 3 (or newer)?"""
    status, keras = live.resolve_path(root)
    version = str(getattr(keras, "__version__", "")) if status == live.OK else ""
    return version[:1].isdigit() and int(version.split(".")[0]) >= 3


def inside_function(tree: ast.AST, node: ast.AST) -> bool:
    """Is ``node`` in the body of a function or lambda of the cell (code Keras may trace)?"""
    return any(
        isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        and any(n is node for n in walk(scope))
        for scope in walk(tree)
    )


def module_name(ctx: CellContext, module: str, usual: str | None = None, *, exact: bool = False) -> tuple[str, list[Edit]] | None:  # fmt: skip
    """``(name, edits)``: the name the cell reaches the top-level module ``module`` by, and the
    import that binds it at the cell's top where nothing does. ``usual`` (``module`` by default)
    bound to the module in the kernel needs no import; else a binding of this cell or an earlier
    one gives its name (``import tensorflow as tf``, ``import json as js``), unless ``exact``:
    the caller writes ``usual`` itself, maybe above the cell's own import, so it is imported
    again. None when ``usual`` names something else."""
    name = usual or module
    value = (ctx.namespace or {}).get(name)
    if value is not None and value is sys.modules.get(module):
        return name, []
    expr = None if exact else ctx.scope.expr_for(module)
    if expr is not None and expr.isidentifier():
        return expr, []
    bound = ctx.scope.bindings.get(name)
    if bound not in (None, module) or (bound is None and (name in ctx.scope.user_bound or value is not None)):
        return None
    at = insertion_line(ctx.cell)
    return name, [Edit(at, 0, at, 0, f"import {module}" + (f" as {name}" if name != module else "") + "\n")]


def keras_root(ctx: CellContext) -> tuple[str, list[Edit]] | None:
    """``(name, edits)``: the name the cell reaches the ``keras`` package by, with the edits
    that import it when the cell does not (None when ``keras`` names something else there).
    ``from tensorflow import keras`` over Keras 3 counts as the package: the same ops, layers."""
    bound = ctx.scope.bindings.get("keras")
    if bound not in (None, "keras") and same_keras(bound):
        return "keras", []
    return module_name(ctx, "keras")


def same_keras(path: str) -> bool:
    """Does ``path`` (``tensorflow.keras``) reach a module whose ``ops`` and ``layers`` hold the
    installed Keras 3's own objects (TensorFlow 2.16+'s ``tf.keras`` over Keras 3)?"""
    keras = sys.modules.get("keras")
    status, module = live.resolve_path(path)
    if keras is None or status != live.OK:
        return False
    same = (("ops", "convert_to_numpy"), ("layers", "Layer"))  # re-exporting modules: by members
    return all(
        getattr(getattr(module, space, None), name, None)
        is getattr(getattr(keras, space, None), name, object())
        for space, name in same
    )


def signature(func: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


def generated_keywords(path: str) -> dict[str, Any]:
    """The generated map's keyword facts of a callable (``{}`` without the map)."""
    try:
        from kerasmagic.knowledge import keras_map
    except ImportError:
        return {}
    try:
        return dict(keras_map.keyword_changes(path))
    except (OSError, ValueError, KeyError):
        return {}


def keras_class_calls(ctx: CellContext) -> Iterator[tuple[ast.Call, type, str]]:
    """Every call in the cell of a live Keras class: ``(call, class, its dotted path)``; the
    ``super().__init__(…)`` of a class of the cell's derived from one counts as a call of that
    base (its arguments are the base's: ``super().__init__(dynamic=True)`` of a ``Layer``)."""
    tree = ctx.cell.tree
    for call in walk(tree) if tree is not None else ():
        if not isinstance(call, ast.Call):
            continue
        callee = ctx.scope.callee(call.func)
        if callee is None or not isinstance(callee[0], type):
            continue
        if live.is_keras_object(callee[0]):
            yield call, callee[0], callee[1]
    for node in walk(tree) if tree is not None else ():
        if not isinstance(node, ast.ClassDef):
            continue
        base = next(filter(None, (_keras_base(ctx, b) for b in node.bases)), None)
        if base is None:
            continue
        for method in node.body:
            if isinstance(method, ast.FunctionDef) and method.name == "__init__":
                for call in walk(method):
                    if isinstance(call, ast.Call) and _is_super_init(call):
                        yield call, base[0], base[1]


def _keras_base(ctx: CellContext, base: ast.expr) -> tuple[type, str] | None:
    found = ctx.scope.callee(base)
    if found is not None and isinstance(found[0], type) and live.is_keras_object(found[0]):
        return found[0], found[1]
    return None


def _is_super_init(call: ast.Call) -> bool:
    """``super().__init__(…)`` or ``super(C, self).__init__(…)``."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "__init__"
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "super"
    )


def live_callable(ctx: CellContext, func: ast.expr) -> Any:
    """The live object a call's function expression names: through the cell's bindings, else
    what the failing lines' names hold (``ax.legend``, a class an earlier cell imported), else
    the builtin a bare name nothing binds (``open``); None otherwise. Nothing is called."""
    found = ctx.scope.callee(func)
    if found is not None:
        return found[0]
    names = ctx.live_names or {}
    value = live_value(func, names)
    if value is None and isinstance(func, ast.Name) and func.id not in names:
        value = getattr(builtins, func.id, None)
    return value


def call_argument(call: ast.Call, klass: type, name: str) -> ast.expr | None:
    """The argument of ``call`` bound to parameter ``name`` of ``klass``'s constructor (by
    keyword, or by position in the live signature); None when the call does not pass it."""
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    sig = signature(klass)
    if sig is None:
        return None
    names = [p for p in sig.parameters if p != "self"]
    index = names.index(name) if name in names else -1
    return call.args[index] if 0 <= index < len(call.args) else None


def call_sources(ctx: CellContext, call: ast.Call) -> tuple[list[str], dict[str, str]] | None:
    """The source texts of a call's positional and keyword arguments (None with ``*``/``**``)."""
    args: list[str] = []
    for arg in call.args:
        text = node_text(ctx.cell, arg)
        if isinstance(arg, ast.Starred) or text is None:
            return None
        args.append(text)
    keywords: dict[str, str] = {}
    for kw in call.keywords:
        text = node_text(ctx.cell, kw.value)
        if kw.arg is None or text is None:
            return None
        keywords[kw.arg] = text
    return args, keywords


def literal_default(value: Any) -> str | None:
    """The source of a default value that is a plain literal (None, numbers, strings, tuples)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, tuple) and all(literal_default(v) is not None for v in value):
        return repr(value)
    return None


def models_are_keras3(ctx: CellContext) -> bool:
    """Is every ``Model`` class the cell can reach (its Keras roots) a Keras 3 one?"""
    classes = ctx.scope.model_classes()
    return (
        bool(classes)
        and keras3_here()
        and all(str(getattr(c, "__module__", "")).split(".")[0] == "keras" for c in classes)
    )


def enclosing_keras_classes(ctx: CellContext, tree: ast.AST) -> dict[int, list[type]]:
    """``id(call)`` → the live Keras base classes of the class whose method holds the call."""
    out: dict[int, list[type]] = {}
    for node in walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = []
        for base in node.bases:
            found = ctx.scope.callee(base)
            if found is not None and isinstance(found[0], type) and live.is_keras_object(found[0]):
                bases.append(found[0])
        if not bases:
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call):
                out[id(inner)] = bases
    return out


def receiver_classes(ctx: CellContext, expr: ast.AST) -> list[type]:
    """The live classes of the object ``expr`` names: the kernel's own object when the cell does
    not bind the name; else the Keras class whose call makes it where it is bound, in this cell
    or an earlier one, or in the ``return`` of the notebook's function it is made by
    (``model = Sequential(…)``, ``model = build()``); the cell's ``Model`` classes when a Keras
    function makes it (``load_model``). [] when any origin is something else."""
    found = ctx.scope.receiver_classes(expr)
    if found or not isinstance(expr, ast.Name):
        return found
    classes: list[type] = []
    for origin in origins(ctx, expr, terms=False, calls=True):
        value = origin.value
        callee = ctx.scope.callee(value.func) if isinstance(value, ast.Call) else None
        if callee is None or not live.is_keras_object(callee[0]):
            return []
        made = [callee[0]] if isinstance(callee[0], type) else ctx.scope.model_classes()
        classes += [c for c in made if c not in classes]
    return classes


def backend_module(ctx: CellContext, node: ast.AST) -> types.ModuleType | None:
    """The live Keras 3 backend module ``node`` (``K``, ``keras.backend``) names, if it does."""
    path = ctx.scope.bound_path(node)
    if path is None or path.split(".")[0] != "keras":
        return None
    status, module = live.resolve_path(path)
    if status != live.OK or not isinstance(module, types.ModuleType):
        return None
    return module if module.__name__.rsplit(".", 1)[-1] == "backend" else None


def tensorflow_name(ctx: CellContext) -> tuple[str, list[Edit]] | None:
    """The cell's name for TensorFlow, with the import that binds ``tf`` where none does."""
    return module_name(ctx, "tensorflow", "tf")


MAP_NAMESPACES = ("layers", "callbacks", "optimizers", "losses", "metrics", "regularizers")


def keras2_default_given(path: str, name: str, kw: Any) -> str | None:
    """The written value of ``kw`` (an ``ast.keyword`` or a ``keyword_sites.KeywordSite``: its
    ``arg`` and ``value``) when the generated map says Keras 3 removed the keyword from this
    class and Keras 2's signature defaulted it to that same literal value
    (``LSTM(time_major=False)``, or a name known to hold it: ``KeywordSite.known``); None
    otherwise."""
    given = given_value(kw)
    if given is MISSING:
        return None
    was = removed_was(path, name, kw.arg or "")
    if was in (None, "?"):
        return None
    try:
        same = type(ast.literal_eval(was)) is type(given) and ast.literal_eval(was) == given
    except (ValueError, SyntaxError):
        return None
    return was if same else None


def removed_was(path: str, name: str, keyword: str) -> str | None:
    """Keras 2's default of ``keyword`` when the generated map says Keras 3 removed it from this
    class (``"?"`` when the map does not record it), else None."""
    candidates = [path, *(f"keras.{space}.{name}" for space in MAP_NAMESPACES)]
    facts = next((f for f in map(generated_keywords, candidates) if f.get("kw")), {})
    if keyword not in facts.get("kw", {}) or facts["kw"][keyword] is not None:
        return None
    return facts.get("was", {}).get(keyword) or "?"


def base_default_given(klass: type, kw: Any) -> str | None:
    """The written value of ``kw`` (an ``ast.keyword`` or a ``KeywordSite``) when it is a keyword
    every Keras 2 layer took through its base class, at that base class's default
    (``weights=None``: the catalogue's ``layer_base``, no signature records it); None otherwise."""
    entry = find_entry("keras3-removed-default-keyword")
    was = (entry.data.get("layer_base", {}) if entry is not None else {}).get(kw.arg or "")
    given = given_value(kw)
    if was is None or not live.is_layer_class(klass) or given is MISSING:
        return None
    return was if repr(given) == was else None


def given_value(kw: Any) -> object:
    """The literal value ``kw`` (an ``ast.keyword`` or a ``KeywordSite``) gives: written in the
    call, or (a ``KeywordSite``) what the name it passes is known to hold (``weights=weights``,
    ``weights = None`` cells before; a helper's parameter, what its calls pass); MISSING else."""
    try:
        return ast.literal_eval(kw.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return getattr(kw, "known", MISSING)
