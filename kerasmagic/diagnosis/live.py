"""What the check engine may ask the live interpreter: modules, attributes, signatures, versions.

Never imports a package whose top module is not imported yet (it only asks ``find_spec`` whether
it exists), unless the caller allows it: checking a cell must not import TensorFlow behind the
user's back. Never imports anything outside TensorFlow/Keras and their own dependencies at all:
a submodule of the user's own package is looked up by its finders, never executed.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import types
from typing import Any

from kerasmagic.probes.path_state import import_state, once_per_examination, remembered

OK, MISSING, UNKNOWN = "ok", "missing", "unknown"
KERAS_TOPS = ("keras", "tensorflow", "tf_keras")
# packages whose submodules the checker may import (TF/Keras and what they import themselves)
IMPORTABLE_TOPS = (*KERAS_TOPS, "jax", "jaxlib", "numpy", "ml_dtypes", "h5py", "absl", "optree")


_missing: dict[str, tuple] = {}  # a module path import_module did not find → import_state() then


def top_exists(top: str) -> bool:
    """Is the top-level package ``top`` importable here (without importing it)? Asked of the
    finders once for each state of ``sys.path`` and its directories."""
    if top in sys.modules:
        return sys.modules[top] is not None
    return bool(remembered("top", top, lambda: _find_top(top)))


def package_with_code(top: str) -> bool:
    """Is ``top`` importable here as a package with code? A folder of that name on ``sys.path``
    (``TensorBoard(log_dir='tensorboard')`` beside a notebook makes one) is found as a namespace
    package of no code, and is not the package installed."""
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError, AttributeError):
        return False
    return spec is not None and spec.origin not in (None, "namespace")


def _find_top(top: str) -> bool:
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError, AttributeError):
        return False


def module_status(path: str, *, allow_import: bool = False) -> tuple[str, Any]:
    """``(OK, module)``, ``(MISSING, None)`` when ``path`` cannot be imported here, or
    ``(UNKNOWN, None)`` when telling would mean importing a package not imported yet.
    ``allow_import``: a submodule of a package outside TF/Keras that the user's code imported
    already may be imported to tell (as the corrected cell's import would)."""
    if not path or path.startswith("."):
        return UNKNOWN, None
    module = sys.modules.get(path)
    if module is not None and getattr(module, "__spec__", None) is not None:
        return OK, module  # imported already (what import_module would return)
    top = path.split(".")[0]
    if top not in sys.modules and not allow_import:
        if not top_exists(top):
            return MISSING, None
        if path == top:
            return UNKNOWN, None
        return (MISSING if submodule_file_missing(path) else UNKNOWN), None
    if top not in IMPORTABLE_TOPS and not (allow_import and top in sys.modules):
        return _status_without_import(path)
    state = import_state()
    if _missing.get(path) == state:
        return MISSING, None  # not found before, and nothing was installed or removed since
    try:
        return OK, importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name == path:
            _missing[path] = state
        return MISSING, None
    except ImportError:
        return MISSING, None
    except Exception:
        return UNKNOWN, None


def _status_without_import(path: str) -> tuple[str, Any]:
    """A module of a package outside TF/Keras: ``OK`` only when it is imported already; else
    ask the import system's finders (as ``import`` would, without executing anything)."""
    module = sys.modules.get(path, _NOTHING)
    if module is None:
        return MISSING, None  # import blocked in this interpreter
    if module is not _NOTHING:
        return OK, module
    parent_name = path.rpartition(".")[0]
    parent = sys.modules.get(parent_name)
    if parent is None:
        return UNKNOWN, None
    locations = getattr(parent, "__path__", None)
    if locations is None:
        return MISSING, None  # a plain module has no submodules
    for finder in list(sys.meta_path):
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            return UNKNOWN, None
        try:
            if find_spec(path, list(locations)) is not None:
                return UNKNOWN, None  # exists; what it holds would mean running it
        except Exception:
            return UNKNOWN, None
    return MISSING, None


FILE_CHECKED_TOPS = ("keras", "tf_keras")  # real packages: every public module is a file


def submodule_file_missing(path: str) -> bool:
    """True when ``path`` (a submodule of keras / tf_keras) certainly has no file on disk: an
    import that cannot resolve, proven without importing the package."""
    import os

    parts = path.split(".")
    if parts[0] not in FILE_CHECKED_TOPS or len(parts) < 2:
        return False
    try:
        spec = importlib.util.find_spec(parts[0])
    except (ImportError, ValueError):
        return False
    locations = list(getattr(spec, "submodule_search_locations", None) or [])
    for part in parts[1:]:
        if not locations:
            return False  # reached a plain module: the rest are attributes
        found_dirs = []
        found_file = False
        for base in locations:
            candidate = os.path.join(base, part)
            if os.path.isdir(candidate):
                found_dirs.append(candidate)
            try:
                names = os.listdir(base)
            except OSError:
                return False
            if any(
                n == part + ".py" or n.startswith(part + ".") and n.endswith((".so", ".pyd"))
                for n in names
            ):
                found_file = True
        if not found_dirs and not found_file:
            return True
        locations = found_dirs
    return False


def resolve_path(path: str, *, allow_import: bool = False) -> tuple[str, Any]:
    """Resolve a dotted path (module, then attributes): ``(OK, obj)``, ``(MISSING, None)`` or
    ``(UNKNOWN, None)``."""
    parts = path.split(".")
    status, obj = module_status(parts[0], allow_import=allow_import)
    if status != OK:
        return status, None
    done = parts[0]
    for part in parts[1:]:
        nxt = _attr(obj, done, part)
        if nxt is _NOTHING:
            return MISSING, None
        obj, done = nxt, f"{done}.{part}"
    return OK, obj


_NOTHING = object()


def _attr(obj: Any, path: str, name: str) -> Any:
    try:
        return getattr(obj, name)
    except Exception:
        pass
    if isinstance(obj, types.ModuleType) or type(obj).__name__ == "KerasLazyLoader":
        # a submodule of the live module, by the module's own name: importing it by the path
        # spelt (``tensorflow.keras.layers``) would make a second copy of a module that lives
        # under another name (``keras._tf_keras.keras.layers``) in the user's kernel
        own = vars(obj).get("__name__") if isinstance(obj, types.ModuleType) else None
        status, module = module_status(f"{own if isinstance(own, str) else path}.{name}")
        if status == OK:
            return module
    return _NOTHING


def has_attr(obj: Any, path: str, name: str) -> bool:
    return _attr(obj, path, name) is not _NOTHING


def module_holds(path: str, name: str, value: object) -> bool:
    """Is ``value`` (a namespace's) the very object the module ``path`` holds as ``name``?"""
    status, obj = module_status(path)
    return status == OK and getattr(obj, name, None) is value


def is_keras_object(obj: Any) -> bool:
    """Does ``obj`` come from keras / tensorflow / tf_keras (a module, class or function)?"""
    name = getattr(obj, "__name__", None) if isinstance(obj, types.ModuleType) else None
    if name is None:
        name = getattr(obj, "__module__", None)
    if type(obj).__name__ == "KerasLazyLoader":
        return True
    return isinstance(name, str) and name.split(".")[0] in KERAS_TOPS


def is_layer_class(obj: Any) -> bool:
    """Is ``obj`` a class with a TF/Keras ``Layer`` among its classes (a layer, a model, a user's
    subclass of either)?"""
    return isinstance(obj, type) and any(
        b.__name__ == "Layer" and is_keras_object(b) for b in obj.__mro__
    )


def is_keras_instance(value: Any) -> bool:
    """Is ``value`` an object of a TF/Keras class, or of a user's subclass of a Keras layer or
    model (``class DNN(Sequential)``: its methods and attributes are Keras's)?"""
    return value is not None and (is_keras_object(type(value)) or is_layer_class(type(value)))


def is_keras_tensor(value: Any) -> bool:
    """A Keras symbolic tensor (a ``KerasTensor`` of Keras 3, tf.keras 2 or tf_keras)."""
    klass = type(value)
    return klass.__name__ == "KerasTensor" and "keras" in (klass.__module__ or "")


def is_numpy_integer(value: Any) -> bool:
    """A NumPy integer scalar (``np.int64``, not a Python ``int``), known without importing NumPy."""
    klass = type(value)
    return klass.__module__ == "numpy" and any(
        base.__name__ == "integer" and base.__module__ == "numpy" for base in klass.__mro__
    )


def from_keras(obj: Any) -> bool:
    """Is ``obj`` a TF/Keras module, class or function, or an instance of a class made from one
    (a user's ``keras.Model`` subclass, a model)? Never raises (the user's objects may)."""
    if obj is None:
        return False
    try:
        if is_keras_object(obj):
            return True
        kind = obj if isinstance(obj, type) else type(obj)
        return any(is_keras_object(c) for c in kind.__mro__[1:-1])
    except Exception:
        return False


def parameters(func: Any) -> tuple[set[str], bool] | None:
    """(explicit keyword names, accepts **kwargs) of a callable, or None if unknown."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    names: set[str] = set()
    var_kw = False
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            var_kw = True
        elif p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            names.add(p.name)
    return names, var_kw


def takes_keywords(obj: Any, keywords: set[str]) -> bool:
    """Does the live callable ``obj`` accept every one of ``keywords`` (its signature, or its
    ``__init__``'s for a class)? True when the signature cannot be read."""
    if not keywords:
        return True
    params = parameters(obj.__init__ if isinstance(obj, type) else obj)
    if params is None:
        return True
    names, var_kw = params
    return var_kw or keywords <= names


def is_tf_dataset(value: Any) -> bool:
    """A ``tf.data.Dataset`` of the TensorFlow already imported here (never imports it)?"""
    tf = sys.modules.get("tensorflow")
    dataset = getattr(getattr(tf, "data", None), "Dataset", None)
    return dataset is not None and isinstance(value, dataset)


def is_optimizer_class(obj: Any) -> bool:
    """A Keras optimizer class (any Keras package)?"""
    if not isinstance(obj, type):
        return False
    try:
        return any(c.__name__ in ("Optimizer", "OptimizerV2") for c in obj.__mro__[1:])
    except Exception:
        return False


def versions() -> dict[str, str]:
    """Installed versions (``probes.distributions.tracked_versions``) plus the catalogue's
    virtual keys (a new dict; read once per examination)."""
    return dict(once_per_examination("live-versions", _versions))


def _versions() -> dict[str, str]:
    from kerasmagic.probes.distributions import tracked_versions

    out = tracked_versions()
    keras = out.get("keras")
    if keras:
        out["keras-major"] = keras.split(".")[0]
    tf_keras_mod = None
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        try:
            from kerasmagic.knowledge.api_index import tf_keras_accessed

            if tf_keras_accessed():
                tf_keras_mod = getattr(tf, "keras", None)
        except Exception:
            tf_keras_mod = None
    try:  # a tf.keras that cannot load (legacy requested, tf_keras missing) recurses here
        version = getattr(tf_keras_mod, "__version__", None)
        name = getattr(tf_keras_mod, "__name__", "") if tf_keras_mod is not None else ""
    except Exception:
        tf_keras_mod, version, name = None, None, ""
    if isinstance(version, str):
        out["tf.keras"] = version
    elif tf_keras_mod is not None:
        name = name or ""
        if name.startswith("tf_keras"):
            out["tf.keras"] = out.get("tf-keras", "")
        elif name.startswith("keras"):
            out["tf.keras"] = out.get("keras", "")
    return {k: v for k, v in out.items() if v}


def shown_versions(keys: tuple[str, ...] = ("tensorflow", "keras", "tf-keras", "numpy")) -> dict:
    """The versions a finding shows (only the installed ones)."""
    have = versions()
    return {k: have[k] for k in keys if k in have}


def root_major(root: str) -> int | None:
    """Major version of the Keras that a namespace root is here (3, 2) or None if unknown."""
    return once_per_examination(("root-major", root), lambda: _root_major(root))


def _root_major(root: str) -> int | None:
    from kerasmagic.knowledge.api_index import namespace_index

    index = namespace_index(root)
    version = index.version if index else None
    if root == "tensorflow.keras" and index is not None and not version:
        module = index.modules.get(root)
        name = getattr(module, "__name__", "") or ""
        version = versions().get("tf-keras" if name.startswith("tf_keras") else "keras")
    if root == "tf_keras" and not version:
        version = versions().get("tf-keras")
    try:
        return int(str(version).split(".")[0]) if version else None
    except ValueError:
        return None


def imported_keras_backend() -> str | None:
    """The backend of the ``keras`` the kernel imported (read, never imported here); None where
    there is none or it cannot be read."""
    backend = getattr(getattr(sys.modules.get("keras"), "backend", None), "backend", None)
    try:
        return backend() if callable(backend) else None
    except Exception:  # noqa: BLE001 - a broken install reads as unknown
        return None
