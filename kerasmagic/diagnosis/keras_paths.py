"""Dotted Keras paths: which namespace root they belong to, and where the catalogue says they moved.

``root_of("keras.layers.core")`` is ``keras``; ``moved_module("keras.layers.core")`` is
``("keras.layers", "moved-module")`` when the catalogue's module-move entries apply here.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.knowledge import api_index
from kerasmagic.knowledge.catalogue import entries_with_rule, find_entry
from kerasmagic.probes.path_state import once_per_examination

# private paths of tf.keras, longest first, each with the catalogue entry that explains it
PRIVATE_ROOTS = {
    "tensorflow_core.python.keras.api._v2.keras": "tensorflow-core-private-path",
    "tensorflow_core.python.keras": "tensorflow-core-private-path",
    "tensorflow.python.keras": "private-tf-python-keras",
}
ROOT_ALIASES = dict.fromkeys(PRIVATE_ROOTS, "tensorflow.keras")
PRIVATE_PREFIX = "tensorflow.python.keras"
_ROOTS_LONGEST_FIRST = sorted(api_index.ROOTS, key=len, reverse=True)


def root_of(path: str) -> str | None:
    """The Keras namespace root a dotted path belongs to (``tensorflow.python.keras`` maps to
    ``tensorflow.keras``)."""
    for private, public in ROOT_ALIASES.items():
        if path == private or path.startswith(private + "."):
            return public
    for root in _ROOTS_LONGEST_FIRST:
        if path == root or path.startswith(root + "."):
            return root
    return None


def relative(path: str) -> tuple[str, str]:
    """``(root, rest)`` of a Keras path, rest without the root (``""`` for the root itself)."""
    for private in ROOT_ALIASES:
        if path == private or path.startswith(private + "."):
            return ROOT_ALIASES[private], path[len(private) + 1 :]
    root = root_of(path)
    if root is None:
        return "", path
    return root, path[len(root) + 1 :]


def root_versions(root: str) -> dict[str, str]:
    """Installed versions, with ``keras-major`` of the Keras that ``root`` is here."""
    versions = dict(live.versions())
    major = live.root_major(root)
    if major is not None:
        versions["keras-major"] = str(major)
    return versions


def moved_module(path: str, *, forced_only: bool = False) -> tuple[str, str] | None:
    """``(new module path, entry id)`` when the catalogue says ``path`` moved (longest prefix)."""
    return once_per_examination(
        ("moved-module", path, forced_only), lambda: _moved_module(path, forced_only)
    )


def _moved_module(path: str, forced_only: bool) -> tuple[str, str] | None:
    root, rest = relative(path)
    if not root:
        return None if forced_only else _library_move(path)
    generated = _generated_api(path, rest)
    if generated is not None and not forced_only:
        return generated
    parts = rest.split(".")
    prefixes = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]  # rest, then its parents
    best: tuple[int, str, str] | None = None
    versions: dict[str, str] | None = None
    for entry in entries_with_rule("module-move"):
        if entry.applies and versions is None:
            versions = root_versions(root)
        if entry.applies and not entry.applies_to(versions or {}):
            continue
        if forced_only and not entry.applies:
            continue
        moves = entry.data.get("moves", {})
        for old in prefixes:  # longest first: the first one this entry moves is its best
            if old in moves:
                if best is None or len(old) > best[0]:
                    tail, new = rest[len(old) :], moves[old]
                    best = (len(old), f"{root}.{new}{tail}" if new else f"{root}{tail}", entry.id)
                break
    private = next((p for p in PRIVATE_ROOTS if path == p or path.startswith(p + ".")), None)
    if best is None and private is not None:
        return (f"tensorflow.keras.{rest}" if rest else "tensorflow.keras"), PRIVATE_ROOTS[private]
    return (best[1], best[2]) if best else None


def _generated_api(path: str, rest: str) -> tuple[str, str] | None:
    """TensorFlow's generated public API, as editors' automatic imports wrote it
    (``keras.api._v2.keras.layers``, ``tensorflow.python.keras.api._v2.keras``): the public
    ``tensorflow.keras`` (``keras`` without TensorFlow) and the rest of the path."""
    head, _, tail = rest.partition(".keras")
    if head not in ("api._v1", "api._v2") or (tail and not tail.startswith(".")):
        return None
    if live.module_status(path)[0] != live.MISSING:
        return None  # importable here (Keras 2.6-2.15's own API tree)
    public = "tensorflow.keras" if live.top_exists("tensorflow") else "keras"
    private = next((p for p in PRIVATE_ROOTS if path.startswith(p + ".")), None)
    return public + tail, PRIVATE_ROOTS[private] if private else "generated-api-path"


def _library_move(path: str) -> tuple[str, str] | None:
    """``(new module path, entry id)`` when a library the notebooks use beside Keras moved the
    module (scikit-learn's ``cross_validation`` into ``model_selection``): ``library-module-move``
    entries, each with its ``root`` package (the longest moved prefix wins)."""
    for entry in entries_with_rule("library-module-move"):
        root = entry.data.get("root", "")
        if not path.startswith(root + "."):
            continue
        parts = path[len(root) + 1 :].split(".")
        for i in range(len(parts), 0, -1):
            old = ".".join(parts[:i])
            new = entry.data.get("moves", {}).get(old)
            if new:
                return ".".join([root, new, *parts[i:]]), entry.id
    return None


def private_home(module: str, name: str, keywords: set[str] = frozenset()) -> tuple[str, str, str] | None:  # fmt: skip
    """``(module, name, entry id)`` of a private Keras 2 helper (``_obtain_input_shape`` read from
    ``keras.applications.imagenet_utils``; ``normalize_tuple`` from ``keras.utils.conv_utils`` or
    the module it moved to) in the installed ``keras``: the ``private-helper-home`` entries' homes
    inside the package, the first that imports and takes the call's ``keywords``."""
    root, rest = relative(module)
    if not root:
        return None
    for entry in entries_with_rule("private-helper-home"):
        for old, homes in entry.data.get("homes", {}).items():
            old_module, _, old_name = old.rpartition(".")
            if old_name != name:
                continue
            moved = moved_module(f"keras.{old_module}")
            if rest not in (old_module, relative(moved[0])[1] if moved else None):
                continue
            if not same_keras(root, "keras"):
                return None
            for home in homes:
                home_module, _, home_name = f"keras.{home}".rpartition(".")
                status, obj = live.module_status(home_module, allow_import=True)
                found = getattr(obj, home_name, None) if status == live.OK else None
                if found is not None and live.takes_keywords(found, set(keywords)):
                    return home_module, home_name, entry.id
    return None


def renamed(name: str, module: str = "") -> tuple[str, str] | None:
    """``(new name, entry id)`` when a name-rename entry renames ``name`` (imported from or read
    on ``module``: an entry ``within`` some modules renames only there)."""
    for entry in entries_with_rule("name-rename"):
        new = entry.data.get("renames", {}).get(name)
        within = entry.data.get("within")
        if within and not set(module.split(".")) & set(within):
            continue
        if new:
            return new, entry.id
    return None


def rename_reason(entry_id: str, name: str) -> str:
    """The catalogue's ``why`` for a renamed name."""
    for entry in entries_with_rule("name-rename"):
        if entry.id == entry_id:
            return entry.data.get("why", {}).get(name, "it was renamed.")
    return "it was renamed."


def same_keras(a: str, b: str) -> bool:
    """Do two namespace roots serve the same Keras package here (same ``Model`` class)?"""
    first, second = live.resolve_path(f"{a}.Model"), live.resolve_path(f"{b}.Model")
    return first[0] == second[0] == live.OK and first[1] is second[1]


def is_model_class(obj: Any) -> bool:
    if not isinstance(obj, type):
        return False
    try:
        return any(c.__name__ in ("Model", "Functional") for c in obj.__mro__)
    except Exception:
        return False


def accepts(get: Any, name: str) -> bool:
    """Does ``get(name)`` (a Keras ``optimizers.get`` / ``losses.get``) accept ``name``?"""
    try:
        get(name)
        return True
    except Exception:
        return False


def is_namespace(obj: Any) -> bool:
    return isinstance(obj, types.ModuleType) or type(obj).__name__ == "KerasLazyLoader"


# Keras namespaces that each hold one kind of object: a name found in another one of them is
# another thing of the same name (keras.random.normal draws numbers; Keras 2.2's
# initializers.normal was the RandomNormal class), not the old name moved
CATEGORIES = (
    "activations", "callbacks", "constraints", "initializers", "layers", "losses", "metrics",
    "ops", "optimizers", "random", "regularizers",
)  # fmt: skip


def namespace_kind(module: str) -> str | None:
    """The one-kind namespace ``module`` lies in (``initializers`` of ``keras.initializers``)."""
    return next((part for part in module.split(".") if part in CATEGORIES), None)


def wrapped_layer(module: str, name: str) -> tuple[str, list[str]] | None:
    """``(layers module, [wrapper, layer])`` for a Keras 1 layer that Keras 2 spells as a wrapper
    around a layer (catalogue ``keras1-wrapped-layer``), both in the live layers module."""
    entry = find_entry("keras1-wrapped-layer")
    spec = entry.data.get("layers", {}).get(name) if entry is not None else None
    layers = module if module.endswith("layers") else module.rpartition(".")[0]
    status, obj = live.module_status(layers)
    if not spec or status != live.OK or not layers.endswith("layers"):
        return None
    names = [spec["wrapper"], spec["layer"]]
    return (layers, names) if all(live.has_attr(obj, layers, n) for n in names) else None


def removed_definition(module: str, name: str) -> str | None:
    """The source of a pure NumPy helper Keras removed (``keras.utils.np_utils.probas_to_classes``,
    catalogue ``keras1-numpy-helper``): defined in the user's code, it does what it did."""
    entry = find_entry("keras1-numpy-helper")
    data = entry.data if entry is not None else {}
    if module not in data.get("modules", []):
        return None
    text = data.get("definitions", {}).get(name)
    return str(text) if text else None


def removed_home(module: str, name: str) -> tuple[bool, str | None]:
    """``(removed, elsewhere)``: does the generated map (real Keras 2 and 3 installs compared)
    say Keras 3 removed ``module.name`` (then a same-named object of another Keras 3 module is
    another one: ``keras.preprocessing.text.one_hot`` is not ``keras.ops.one_hot``), and the same
    module of another Keras package here that still holds it (tf.keras's legacy copy), if any."""
    from kerasmagic.knowledge import keras_map

    try:
        home = keras_map.where_in_keras3(f"{module}.{name}")
    except (OSError, ValueError, KeyError):
        return False, None
    if home is None or home.kind != "removed":
        return False, None
    root_here, rest = relative(module)
    seen = api_index.available_roots()
    # the code fails on a removed name: resolving an imported TensorFlow's ``tf.keras`` to look
    # for its copy is worth its cost (TensorFlow itself is never imported for it), where that is
    # the same Keras or the name a data utility any Keras can use (never tf_keras's
    # ``set_learning_phase`` for Keras 3 code)
    neutral = any(name in e.data.get("names", ()) for e in entries_with_rule("package-neutral"))
    if "tensorflow" in sys.modules and "tensorflow.keras" not in seen:
        resolved = api_index.is_available("tensorflow.keras", allow_import=True)
        if resolved and (neutral or same_keras(root_here or "keras", "tensorflow.keras")):
            seen.append("tensorflow.keras")
    for root in seen:
        if not (neutral or same_keras(root_here or "keras", root)):
            continue  # an imported tf_keras's layer is no home for Keras 3 code's
        other = f"{root}.{rest}" if rest else root
        status, obj = live.module_status(other)
        if other != module and status == live.OK and live.has_attr(obj, other, name):
            return True, other
    return True, None


def another_object(module: str, other: str, removed: bool) -> bool:
    """Is the object of a name in module ``other`` another one than the name imported from
    ``module``: another kind (``keras.engine`` held every kind, its ``Layer`` is
    ``layers.Layer``; ``initializers.normal`` is a class), or, where Keras 3 removed the name
    (``removed_home``), anything but the same module of another root (``ops.one_hot``)?"""
    kind = namespace_kind(module)
    if kind and namespace_kind(other) not in (None, kind):
        return True
    return removed and relative(other)[1] != relative(module)[1]
