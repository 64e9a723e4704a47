"""Helpers of the Keras 2 → 3 rules: the cell's way to name the Keras 3 package, the Keras 2
signature of a backend function (read from the live install), the generated map when shipped.

Nothing here guesses: a helper that cannot tell returns None and the rule offers no rewrite.
"""

from __future__ import annotations

import ast
import inspect
import sys
from collections.abc import Iterator
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, node_text, walk

# Keras 3 keeps the Keras 2 backend functions, for TensorFlow's tf.keras, in this private module:
# the live source of their Keras 2 signatures (defaults included)
LEGACY_BACKEND = "keras.src.legacy.backend"


def keras3_here() -> bool:
    """Is the ``keras`` package imported here Keras 3 (or newer)?"""
    status, keras = live.resolve_path("keras")
    version = str(getattr(keras, "__version__", "")) if status == live.OK else ""
    return version[:1].isdigit() and int(version.split(".")[0]) >= 3


def inside_function(tree: ast.AST, node: ast.AST) -> bool:
    """Is ``node`` in the body of a function or lambda of the cell (code Keras may trace)?"""
    return any(
        isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        and any(n is node for n in walk(scope))
        for scope in walk(tree)
    )


def keras_root(ctx: CellContext) -> tuple[str, list[Edit]] | None:
    """``("keras", edits)``: the name the cell reaches the ``keras`` package by, with the edits
    that import it when the cell does not (None when ``keras`` names something else there)."""
    bound = ctx.scope.bindings.get("keras")
    if bound == "keras":
        return "keras", []
    if bound is not None and _same_keras(bound):
        return "keras", []  # `from tensorflow import keras` over Keras 3: the same ops, layers
    if bound is not None or "keras" in ctx.scope.user_bound:
        return None
    namespace_value = (ctx.namespace or {}).get("keras")
    if namespace_value is not None and getattr(namespace_value, "__name__", "") != "keras":
        return None
    at = insertion_line(ctx.cell)
    return "keras", [Edit(at, 0, at, 0, "import keras\n")]


def _same_keras(path: str) -> bool:
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


def legacy_signature(name: str) -> inspect.Signature | None:
    """The Keras 2 signature of backend function ``name``, from Keras 3's own legacy copy."""
    status, func = live.resolve_path(f"{LEGACY_BACKEND}.{name}")
    if status != live.OK or not callable(func):
        return None
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


def signature(func: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


def generated_home(path: str) -> Any:
    """Where the generated Keras 2 → 3 map puts ``path`` (None without the map or the name)."""
    try:
        from kerasmagic.knowledge import keras_map
    except ImportError:
        return None
    try:
        return keras_map.where_in_keras3(path)
    except (OSError, ValueError, KeyError):
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
    """Every call in the cell of a live Keras class: ``(call, class, its dotted path)``."""
    tree = ctx.cell.tree
    for call in walk(tree) if tree is not None else ():
        if not isinstance(call, ast.Call):
            continue
        callee = ctx.scope.callee(call.func)
        if callee is None or not isinstance(callee[0], type):
            continue
        if live.is_keras_object(callee[0]):
            yield call, callee[0], callee[1]


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


def keras2_backend_function(module: Any, name: str) -> bool:
    """Is ``module.name`` a Keras 2 backend function missing from Keras 3's backend module
    ``module``? (The rule ``keras3-backend-ops`` rewrites those, not the moved-name search.)"""
    module_name = getattr(module, "__name__", "")
    if not isinstance(module_name, str) or module_name.split(".")[0] != "keras":
        return False
    if module_name.rsplit(".", 1)[-1] != "backend" or hasattr(module, name):
        return False
    from kerasmagic.knowledge.catalogue import entries_with_rule

    curated = any(name in e.data.get("replace", {}) for e in entries_with_rule("backend-replace"))
    return curated or legacy_signature(name) is not None


def models_are_keras3(ctx: CellContext) -> bool:
    """Is every ``Model`` class the cell can reach (its Keras roots) a Keras 3 one?"""
    classes = ctx.scope.model_classes()
    return (
        bool(classes)
        and keras3_here()
        and all(str(getattr(c, "__module__", "")).split(".")[0] == "keras" for c in classes)
    )


def _identifier_target(module: Any, name: str) -> Any:
    """The object the live ``module.get(name)`` resolves the string ``name`` to, read from the
    table that ``get`` looks it up in (Keras 3's ``ALL_OBJECTS_DICT`` of the module defining
    ``get``), never by calling ``get``: for optimizers, initializers and layers it builds an
    instance, which starts TensorFlow's device runtime in the user's kernel. A function only:
    ``get`` returns a class's instance, never the class (``adam`` is a misspelt ``Adam``, which
    the name-typo search answers)."""
    get = getattr(module, "get", None)
    home = sys.modules.get(getattr(get, "__module__", None) or "") if callable(get) else None
    table = getattr(home, "ALL_OBJECTS_DICT", None)
    if not isinstance(table, dict):
        return None
    found = table.get(name, table.get(name.lower()))
    return None if isinstance(found, type) else found


def alias_target(module_path: str, name: str) -> str | None:
    """``keras.losses.mse`` → ``mean_squared_error``: the public name of ``module_path`` that is
    the very object ``get(name)`` resolves it to (a Keras 2 alias Keras 3 only keeps as a
    string), else the generated map's alias target when it resolves here; None otherwise."""
    if module_path.split(".")[0] not in live.KERAS_TOPS:
        return None
    status, module = live.module_status(module_path)
    if status != live.OK or live.has_attr(module, module_path, name):
        return None
    found = _identifier_target(module, name)
    if found is not None:
        same = sorted(
            n
            for n in dir(module)
            if not n.startswith("_") and n != "get" and getattr(module, n, None) is found
        )
        if same:
            return max(same, key=lambda n: (len(n), n.islower()))  # spelt out, lower case
    home = generated_home(f"{module_path}.{name}")
    if home is not None and home.kind == "alias" and home.target:
        new_module, _, new_name = home.target.rpartition(".")
        if (
            new_module == "keras" + module_path[module_path.index(".") :]
            or new_module == module_path
        ):
            if live.has_attr(module, module_path, new_name):
                return new_name
    return None


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
