"""Which Keras a module, a dotted path or an object belongs to: the one home of that question.

Implementations are named ``keras2`` (the ``keras`` package 2.x), ``keras3`` (``keras`` 3.x),
``tf_keras`` (the separate Keras 2 package) and ``tf_private`` (TensorFlow's private
``tensorflow.python.keras``). Nothing is imported: ``tf.keras`` is read from its lazy loader's
state when resolved, else predicted the way TensorFlow decides (``probes.keras_setup``).
"""

from __future__ import annotations

import os
import types
from collections.abc import Mapping
from typing import Any

from kerasmagic.probes.keras_setup import (
    LEGACY_TRUE,
    kind_of_keras_module,
    loader_state,
    predict_tf_keras,
)
from kerasmagic.probes.loaded import attribute, loaded

DISTRIBUTION = {
    "keras2": "keras",
    "keras3": "keras",
    "tf_keras": "tf-keras",
    "tf_private": "tensorflow",
}
KIND_NAMES = {
    "keras2": "Keras 2 (`keras`)",
    "keras3": "Keras 3 (`keras`)",
    "tf_keras": "tf_keras (Keras 2)",
    "tf_private": "TensorFlow's private `tensorflow.python.keras`",
}
KERAS_TYPE_PREFIXES = ("keras", "tf_keras", "tensorflow")


def keras_major(versions: Mapping[str, str]) -> int | None:
    """Major version of the ``keras`` package: the imported one, else the installed one."""
    version = attribute(loaded("keras"), "__version__") or versions.get("keras")
    try:
        return int(str(version).split(".")[0]) if version else None
    except ValueError:
        return None


def kind_of_module(module: str, versions: Mapping[str, str]) -> str | None:
    """Which Keras implementation a module name belongs to (None: not Keras)."""
    if not isinstance(module, str):
        return None
    if module.startswith("tf_keras"):
        return "tf_keras"
    if module.startswith("tensorflow.python.keras"):
        return "tf_private"
    if module == "keras" or module.startswith("keras."):
        return "keras3" if keras_major(versions) == 3 else "keras2"
    return None


def version_of(kind: str, versions: Mapping[str, str]) -> str | None:
    """The installed version of the distribution behind an implementation."""
    dist = DISTRIBUTION.get(kind)
    return versions.get(dist) if dist else None


def tf_keras_kind(versions: Mapping[str, str]) -> str | None:
    """What ``tf.keras`` is (measured if resolved, else predicted the way TF decides)."""
    tf = loaded("tensorflow")
    if tf is not None:
        try:
            accessed, name, file = loader_state(tf)
            if accessed and name:
                return kind_of_keras_module(name, file)
        except Exception:
            pass
    if not versions.get("tensorflow"):
        return None
    legacy = os.environ.get("TF_USE_LEGACY_KERAS") in LEGACY_TRUE
    return predict_tf_keras(
        versions.get("tensorflow"), versions.get("keras"), versions.get("tf-keras"), legacy
    )


def kind_of_path(path: str, versions: Mapping[str, str]) -> str | None:
    """The Keras implementation a fully resolved dotted path (``tensorflow.keras.X``) names."""
    if path.startswith("tensorflow.python.keras"):
        return "tf_private"
    if path == "tensorflow.keras" or path.startswith("tensorflow.keras."):
        return tf_keras_kind(versions)
    if path == "keras" or path.startswith("keras."):
        major = keras_major(versions)
        return None if major is None else ("keras3" if major == 3 else "keras2")
    if path == "tf_keras" or path.startswith("tf_keras."):
        return "tf_keras" if versions.get("tf-keras") else None
    return None


def kind_text(kind: str | None, versions: Mapping[str, str]) -> str:
    """``Keras 3.13.2`` / ``Keras 2.15.0`` / ``tf_keras 2.21.0`` for an implementation."""
    if kind in ("keras2", "keras3"):
        return f"Keras {versions.get('keras', kind[-1])}"
    if kind == "tf_keras":
        return f"tf_keras {versions.get('tf-keras', '')}".strip()
    return "not tf_keras"


def object_module(obj: Any) -> str | None:
    """The module an object (class, function, module or instance) comes from."""
    if obj is None:
        return None
    if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
        module = getattr(obj, "__module__", None)
    elif isinstance(obj, types.ModuleType):
        module = getattr(obj, "__name__", None)
    else:
        module = type(obj).__module__
    return module if isinstance(module, str) else None


def tf_keras_words(tf_keras: Any, tf: Any) -> str:
    """What a resolved ``tf.keras`` module is, in words: Keras 3, tf_keras, TF's bundled Keras 2."""
    name = getattr(tf_keras, "__name__", "") or ""
    version = getattr(tf_keras, "__version__", "") or ""
    if name.startswith("tf_keras"):
        return f"tf_keras {version} (Keras 2)".replace("  ", " ")
    if name.startswith("tensorflow.python.keras"):
        return f"the Keras 2 inside TensorFlow {getattr(tf, '__version__', '?')}"
    return f"Keras {version}".strip() if version else "another Keras"
