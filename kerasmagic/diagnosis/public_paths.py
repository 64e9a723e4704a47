"""The public dotted path a cell could have written for a live value an earlier cell bound.

``from tensorflow import keras`` binds TensorFlow's lazy loader of ``tf.keras``, whose module is
``keras._tf_keras.keras`` under Keras 3 (``keras.api._v2.keras`` under Keras 2.15,
``tf_keras.api._v2.keras`` with the legacy switch); ``from tensorflow.keras.optimizers import SGD``
binds a class whose ``__module__`` is ``keras.src.optimizers.sgd``. The rules reason in public
paths (``tensorflow.keras``, ``keras.optimizers.SGD``), so each value is mapped back by reading
the live object: a lazy loader's own state (the module it was created in and its name there), a
module's ``__name__`` under the real module of a public root here, a class's or a function's API
export names. Every path is checked by resolving it and finding the same object. Nothing is
called, nothing imported, and ``tf.keras`` is never resolved by this module when it has not been
already.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.knowledge import api_index
from kerasmagic.probes.keras_setup import loader_state

LOADER = "KerasLazyLoader"
LOADER_NAMES = ("_tfll_name", "_tfll_local_name", "_name", "_local_name")
EXPORT_ATTRIBUTES = ("_api_export_path", "_keras_api_names", "_tf_api_names")


def is_public(path: str) -> bool:
    """No private part: none starts with ``_`` and none is ``src`` (``keras.src``)."""
    return bool(path) and not any(p.startswith("_") or p == "src" for p in path.split("."))


def public_path(value: Any, prefer: tuple[str, ...] = ()) -> str | None:
    """The public path of a module, lazy loader, class or function of TF/Keras, else None.
    ``prefer``: the roots to try first for a class or function (the namespace's own)."""
    try:
        if isinstance(value, types.ModuleType):
            return module_path(value)
        if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)):
            return object_path(value, prefer)
    except Exception:  # a value whose attributes cannot be read: no path
        return None
    return None


def module_path(module: types.ModuleType) -> str | None:
    """A module's public path: its own name where that is public, else the public root whose
    live module it lies under (``keras._tf_keras.keras.optimizers`` → ``tensorflow.keras.
    optimizers``), checked by resolving it."""
    if type(module).__name__ == LOADER:
        return _loader_path(module)
    name = vars(module).get("__name__")
    if not isinstance(name, str) or name.split(".")[0] not in live.KERAS_TOPS:
        return None
    if ".src" not in name and "._tf_keras" not in name and ".api." not in name:
        return name  # public, or TensorFlow's own private keras (``keras_paths.root_of`` maps it)
    for root, real in _root_modules():
        if name == real or name.startswith(real + "."):
            path = root + name[len(real) :]
            if is_public(path) and _resolves_to(path, module):
                return path
    return None


def _loader_path(loader: types.ModuleType) -> str | None:
    """``tf.keras`` (or ``tf.losses``…) from TensorFlow's lazy loader: the module it was made in
    and the name it has there, read from its own state without resolving it."""
    state = vars(loader)  # TF 2.16+ prefixes its attributes with `_tfll_`, TF 2.15 does not
    parent = state.get("_tfll_parent_module_globals", state.get("_parent_module_globals"))
    local = next((state[k] for k in LOADER_NAMES if isinstance(state.get(k), str)), None)
    owner = parent.get("__name__") if isinstance(parent, dict) else None
    if not isinstance(owner, str) or not isinstance(local, str) or not is_public(owner):
        return None
    module = sys.modules.get(owner)
    held = vars(module).get(local) if module is not None else None
    # the loader itself, or the module that replaced it there (resolved, or imported as a package:
    # ``import tensorflow.keras.backend`` sets ``tensorflow.keras``)
    if held is loader or isinstance(held, types.ModuleType):
        return f"{owner}.{local}"
    return None


def _root_modules() -> list[tuple[str, str]]:
    """``(public root, name of its live module here)`` for every root already imported, the
    longest module name first (``keras._tf_keras.keras`` before ``keras``)."""
    found: list[tuple[str, str]] = []
    for root in api_index.ROOTS:
        real = None
        if root == "tensorflow.keras":
            tf = sys.modules.get("tensorflow")
            if tf is not None:
                accessed, real, _file = loader_state(tf)
                real = real if accessed else None
        else:
            module = sys.modules.get(root)
            real = getattr(module, "__name__", None) if module is not None else None
        if isinstance(real, str):
            found.append((root, real))
            found += [(root, inner) for inner in _submodule_prefixes(sys.modules.get(real))]
    return sorted(found, key=lambda pair: len(pair[1]), reverse=True)


def _submodule_prefixes(module: Any) -> list[str]:
    """The private package names a root module's submodules carry, read from them: ``from
    tensorflow.keras import layers`` imports ``tensorflow.keras`` as a package of that name, whose
    ``layers`` is ``keras._tf_keras.keras.layers`` (Keras 3; ``keras.api._v2.keras.layers`` in
    Keras 2.15)."""
    if not isinstance(module, types.ModuleType):
        return []
    prefixes: list[str] = []
    for attribute, value in list(vars(module).items()):
        name = getattr(value, "__name__", None) if isinstance(value, types.ModuleType) else None
        if isinstance(name, str) and name.endswith("." + attribute):
            prefix = name[: -len(attribute) - 1]
            if not is_public(prefix) and prefix not in prefixes:
                prefixes.append(prefix)
    return prefixes


def _resolves_to(path: str, value: Any) -> bool:
    status, obj = live.resolve_path(path)
    return status == live.OK and obj is value


def export_names(obj: Any) -> list[str]:
    """The API names a TF/Keras class or function is exported under, read from the object."""
    names: list[str] = []
    own = vars(obj) if hasattr(obj, "__dict__") else {}
    for attribute in EXPORT_ATTRIBUTES:
        value = own.get(attribute)
        for name in [value] if isinstance(value, str) else list(value or ()):
            if isinstance(name, str) and name not in names:
                if attribute == "_tf_api_names":
                    name = f"tensorflow.{name}"
                names.append(name)
    return names


def object_path(obj: Any, prefer: tuple[str, ...] = ()) -> str | None:
    """A class's or function's public path: one of its export names under a root where it
    resolves to this very object, the ``prefer`` roots first, then its own package's."""
    module = getattr(obj, "__module__", None)
    if not isinstance(module, str) or module.split(".")[0] not in live.KERAS_TOPS:
        return None
    # the shortest first: ``keras.optimizers.SGD`` before ``keras.optimizers.experimental.SGD``
    names = sorted((n for n in export_names(obj) if is_public(n)), key=lambda n: n.count("."))
    if not names:
        return None
    own = "tf_keras" if module.startswith("tf_keras") else module.split(".")[0]
    roots = [*prefer, own, *api_index.ROOTS]
    if not api_index.tf_keras_accessed():  # never resolve tf.keras on the user's behalf
        roots = [r for r in roots if r != "tensorflow.keras"]
    for root in dict.fromkeys(roots):
        for name in names:
            head, _, rest = name.partition(".")
            if head == "tensorflow":
                if root != "tensorflow":
                    continue
                path = name
            elif head in ("keras", "tf_keras") and rest:
                path = f"{root}.{rest}"
            else:
                continue
            if root.split(".")[0] in sys.modules and _resolves_to(path, obj):
                return path
    return None
