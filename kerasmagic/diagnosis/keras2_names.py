"""Keras 2 names as Keras 3 keeps them: the legacy backend's signatures, the generated Keras 2 → 3
map's home of a path, Keras 2 aliases of a module's ``get``. Read from the live API alone (no
cell context): the import and chain fixes the context works out use them
(``import_rewrites``, ``chain_fixes``), as do the rules (through ``keras3_support``)."""

from __future__ import annotations

import inspect
import sys
from typing import Any

from kerasmagic.diagnosis import live

# Keras 3 keeps the Keras 2 backend functions, for TensorFlow's tf.keras, in this private module:
# the live source of their Keras 2 signatures (defaults included)
LEGACY_BACKEND = "keras.src.legacy.backend"


def legacy_signature(name: str) -> inspect.Signature | None:
    """The Keras 2 signature of backend function ``name``, from Keras 3's own legacy copy."""
    status, func = live.resolve_path(f"{LEGACY_BACKEND}.{name}")
    if status != live.OK or not callable(func):
        return None
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
    if status != live.OK:  # an attribute path of a module (``tf.losses``), as a chain reads it
        status, module = live.resolve_path(module_path)
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
