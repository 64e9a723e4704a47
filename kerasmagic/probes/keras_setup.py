"""Which Keras ``tf.keras`` is, the Keras backend, and when the controlling variables take effect.

Read from the live modules without importing anything new: ``tf.keras`` is a lazy loader in
TF ≥ 2.15, and touching it would resolve it, so we look at the loader's own state instead.
"""

from __future__ import annotations

import json
import os
import types
from dataclasses import dataclass, field
from pathlib import Path

from kerasmagic.probes.loaded import attribute, loaded

LEGACY_TRUE = ("true", "True", "1")  # the values TensorFlow's lazy loader accepts


@dataclass
class KerasSetup:
    """The Keras that ``tf.keras`` is (or will be), the backend, and the env-var timing."""

    tf_imported: bool
    tf_keras_accessed: bool | None  # None: no lazy loader (TF ≤ 2.14 or no TF)
    tf_keras_kind: str | None  # keras3 | tf_keras | keras2 | broken | None (no TF)
    tf_keras_module: str | None
    tf_keras_predicted: bool  # True when not measured but inferred from versions/env
    legacy_env: str | None
    legacy_env_at_tf_import: bool | None  # what TF saw at ``import tensorflow``
    legacy_env_effective: bool
    keras_imported: bool
    backend: str | None
    backend_source: str  # live | KERAS_BACKEND | keras.json | default
    backend_env: str | None
    keras_json: str | None
    keras_json_backend: str | None
    gpus: list[str] | None = None
    gpu_note: str = ""
    notes: list[str] = field(default_factory=list)


def _keras_home() -> Path:
    if os.environ.get("KERAS_HOME"):
        return Path(os.environ["KERAS_HOME"])
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return Path(base) / ".keras"


def read_keras_json() -> tuple[str | None, str | None]:
    """(path, backend) of ``keras.json`` when it exists and says a backend."""
    path = _keras_home() / "keras.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return (str(path) if path.exists() else None), None
    backend = data.get("backend") if isinstance(data, dict) else None
    # Keras reads only a string there; anything else ({"backend": ["jax"]}) names no backend
    return str(path), backend if isinstance(backend, str) else None


def configured_backend(
    keras3: bool = True, keras_json: tuple[str | None, str | None] | None = None
) -> tuple[str, str]:
    """Keras's backend here and where that comes from: the live one (``"live"``) once Keras is
    imported; else, for Keras 3, ``KERAS_BACKEND``, then ``~/.keras/keras.json``; else the
    default, ``"tensorflow"``. The one place that decides it. ``keras_json``: what
    :func:`read_keras_json` returned, when the caller read it already."""
    keras = loaded("keras")
    if keras is not None and attribute(keras, "backend") is not None:
        try:
            return str(keras.backend.backend()), "live"
        except Exception:
            pass  # a broken Keras: what it would read at import
    if keras3:
        env = os.environ.get("KERAS_BACKEND")
        if env:
            return env, "KERAS_BACKEND"
        json_backend = (keras_json or read_keras_json())[1]
        if json_backend:
            return json_backend, "keras.json"
    return "tensorflow", "default"


def keras_backend() -> str:
    """Keras's backend here (:func:`configured_backend` without where it comes from)."""
    return configured_backend()[0]


def kind_of_keras_module(name: str, file: str | None = None) -> str:
    """Classify the module ``tf.keras`` resolved to, by its file (the name can be an alias such
    as ``tensorflow.keras`` once a ``from tensorflow.keras import …`` ran) or else its name."""
    path = (file or "").replace("\\", "/")
    if "/tf_keras/" in path:
        return "tf_keras"
    if "/keras/_tf_keras/" in path or "/keras/src/" in path:
        return "keras3"
    if "/keras/api/" in path or "/keras/" in path and "/tensorflow/" not in path:
        return "keras2"
    if "/tensorflow/python/keras/" in path:
        return "keras2"
    if name.startswith("tf_keras"):
        return "tf_keras"
    if name.startswith("keras._tf_keras") or name.startswith("keras.src") or name == "keras":
        return "keras3"
    if name.startswith("keras.api") or name.startswith("keras"):
        return "keras2"
    if name.startswith("tensorflow.python.keras") or name.startswith("tensorflow.keras"):
        return "keras2"
    return "unknown"


def loader_state(tf: types.ModuleType) -> tuple[bool | None, str | None, str | None]:
    """(accessed?, module name, module file) of ``tf.keras`` without resolving it."""
    obj = tf.__dict__.get("keras")
    if obj is None:
        return None, None, None
    if type(obj).__name__ == "KerasLazyLoader":
        state = vars(obj)
        if not state.get("_tfll_initialized"):
            return False, None, None
        name = state.get("__name__") or None
        real = loaded(name) if name else None
        return True, name, attribute(real, "__file__")
    if isinstance(obj, types.ModuleType):
        return True, obj.__name__, getattr(obj, "__file__", None)
    return None, None, None


def predict_tf_keras(
    tf_version: str | None, keras_version: str | None, tf_keras_version: str | None, legacy: bool
) -> str | None:
    """What ``tf.keras`` will be at first access, from versions and the variable (TF's own rule)."""
    from packaging.version import InvalidVersion, Version

    if not tf_version:
        return None
    try:
        tf_v = Version(tf_version)
    except InvalidVersion:
        return None
    if tf_v >= Version("2.15") and legacy:
        return "tf_keras" if tf_keras_version else "broken"
    if not keras_version:
        return "broken"
    major = keras_version.split(".")[0]
    return "keras3" if major == "3" else "keras2"


def keras_setup(versions: dict[str, str]) -> KerasSetup:
    """Measure (or, where measuring would import something, infer) the Keras set-up."""
    legacy_env = os.environ.get("TF_USE_LEGACY_KERAS")
    legacy_now = legacy_env in LEGACY_TRUE
    tf = loaded("tensorflow")
    accessed, module_name, module_file = (None, None, None)
    at_import = None
    if tf is not None:
        accessed, module_name, module_file = loader_state(tf)
        flag = tf.__dict__.get("_tf_uses_legacy_keras")
        at_import = bool(flag) if flag is not None else None
    tf_version = versions.get("tensorflow") or versions.get("tf-nightly")
    predicted = True
    kind = None
    if module_name:
        kind = kind_of_keras_module(module_name, module_file)
        predicted = False
    elif tf_version:
        kind = predict_tf_keras(
            tf_version, versions.get("keras"), versions.get("tf-keras"), legacy_now
        )
    effective = kind == "tf_keras"

    keras = loaded("keras")
    keras_json = read_keras_json()
    json_path, json_backend = keras_json
    backend_env = os.environ.get("KERAS_BACKEND")
    backend: str | None = None
    source = "default"
    if (keras is not None and attribute(keras, "backend") is not None) or versions.get("keras"):
        keras3 = (versions.get("keras") or "").startswith("3")
        backend, source = configured_backend(keras3, keras_json)

    gpus, gpu_note = _gpus(tf)
    return KerasSetup(
        tf_imported=tf is not None,
        tf_keras_accessed=accessed,
        tf_keras_kind=kind,
        tf_keras_module=module_name,
        tf_keras_predicted=predicted,
        legacy_env=legacy_env,
        legacy_env_at_tf_import=at_import,
        legacy_env_effective=effective,
        keras_imported=keras is not None,
        backend=backend,
        backend_source=source,
        backend_env=backend_env,
        keras_json=json_path,
        keras_json_backend=json_backend,
        gpus=gpus,
        gpu_note=gpu_note,
    )


def _gpus(tf: types.ModuleType | None) -> tuple[list[str] | None, str]:
    """GPUs TensorFlow has already enumerated; never initialise CUDA just to report."""
    if tf is None:
        return None, "TensorFlow is not imported"
    try:
        from tensorflow.python.eager import context  # already loaded with tensorflow

        ctx = context.context()
        devices = getattr(ctx, "_physical_devices", None)
        if devices is None:
            return (
                None,
                "not enumerated yet (asking would initialise CUDA); run tf.config.list_physical_devices('GPU')",
            )
        return [d.name for d in devices if d.device_type == "GPU"], "as enumerated by TensorFlow"
    except Exception as exc:
        return None, f"could not read: {type(exc).__name__}"


def measure_fresh_import() -> dict[str, object]:
    """In a fresh process: import TF (if installed) and Keras, and say what a new kernel gets.

    Only ever run through ``run_probe`` (it imports TensorFlow)."""
    import importlib.util

    out: dict[str, object] = {}
    if importlib.util.find_spec("tensorflow") is not None:
        try:
            import tensorflow as tf

            out["tensorflow"] = tf.__version__
            out["tf_keras_module"] = tf.keras.__name__
            out["tf_keras_kind"] = kind_of_keras_module(
                tf.keras.__name__, getattr(tf.keras, "__file__", None)
            )
            out["tf_keras_version"] = (
                getattr(tf.keras, "__version__", None)
                or getattr(tf.keras, "version", lambda: None)()
            )
            out["gpus"] = [d.name for d in tf.config.list_physical_devices("GPU")]
        except Exception as exc:
            out["tensorflow_error"] = f"{type(exc).__name__}: {exc}"
    if importlib.util.find_spec("keras") is not None:
        try:
            import keras

            out["keras"] = keras.__version__
            out["backend"] = keras.backend.backend()
        except Exception as exc:
            out["keras_error"] = f"{type(exc).__name__}: {exc}"
    return out
