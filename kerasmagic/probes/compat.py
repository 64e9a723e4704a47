"""Compatibility facts of one interpreter: what ``tf.keras`` is, how Adam resolves, which classic
imports work. Imports TensorFlow/Keras, so it only ever runs in a fresh process:

    python -m kerasmagic.probes.compat        # prints one JSON document

``scripts/compat_table.py`` runs it in every environment of ``scripts/envs.py`` and writes
``docs/compatibility.{json,md}``; ``tests/test_compatibility.py`` re-runs it and compares.
Every outcome is ``{"ok": true, ...}`` or ``{"ok": false, "error": type, "message": text}``;
messages are normalised (object addresses, the environment's path) so they compare across runs.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata as md
import logging
import os
import re
import sys
import warnings
from collections.abc import Iterator
from typing import Any, Callable

# Probed in this order, in one process (after TF, Keras and the optimizers were probed).
CLASSIC_IMPORTS = [
    "from keras.optimizers import Adam",
    "from tensorflow.keras.optimizers import Adam",
    "from keras.optimizers.legacy import Adam",
    "from tensorflow.keras.optimizers.legacy import Adam",
    "from tensorflow.keras.optimizers.experimental import AdamW",
    "from keras.utils import np_utils",
    "from keras.utils import to_categorical",
    "from keras.preprocessing.image import ImageDataGenerator",
    "from tensorflow.keras.preprocessing.image import ImageDataGenerator",
    "from keras.layers.experimental.preprocessing import Rescaling",
    "from tensorflow.keras.layers.experimental import preprocessing",
    "from keras.wrappers.scikit_learn import KerasClassifier",
    "from keras.engine import Layer",
    "from keras.layers.core import Dense",
    "from keras.layers import CuDNNLSTM",
    "import tf_keras",
    "from tensorflow.python.keras.layers import Dense",
]
MODEL_METHODS = ["fit_generator", "predict_classes", "predict_proba", "evaluate_generator"]
DISTRIBUTIONS = ["tensorflow", "keras", "tf-keras", "jax", "numpy", "ipython"]
NAMESPACES = ["tf.keras", "keras", "tf_keras"]  # the Keras packages a notebook may reach
DEFAULT_LR = 0.001
MESSAGE_LIMIT = 600


def normalise(text: str) -> str:
    """A message without what differs between runs and machines (addresses, install paths)."""
    text = re.sub(r" at 0x[0-9a-fA-F]+", " at 0x…", text)
    text = re.sub(r"[^\s'\"(]*/(site|dist)-packages/", "<site-packages>/", text)
    for prefix in sorted({sys.prefix, os.path.realpath(sys.prefix)}, key=len, reverse=True):
        text = text.replace(prefix, "<env>")
    return text[:MESSAGE_LIMIT]


def failure(exc: BaseException) -> dict[str, Any]:
    return {"ok": False, "error": type(exc).__name__, "message": normalise(str(exc))}


def site_relative(path: str | None) -> str | None:
    """``keras/_tf_keras/keras/__init__.py`` rather than a machine-specific absolute path."""
    if not path:
        return None
    path = path.replace("\\", "/")
    for marker in ("/site-packages/", "/dist-packages/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return normalise(path)


def class_name(obj: object) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        lines = record.getMessage().splitlines() or [""]
        self.messages.append(normalise(lines[0]))


@contextlib.contextmanager
def heard() -> Iterator[list[str]]:
    """Collect Python warnings and WARNING log records (TF and absl log) raised inside."""
    out: list[str] = []
    handler = _Records()
    loggers = [logging.getLogger(n) for n in ("", "tensorflow", "absl")]
    for lg in loggers:
        lg.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield out
    finally:
        for lg in loggers:
            lg.removeHandler(handler)
    seen = set()
    for msg in [f"{w.category.__name__}: {normalise(str(w.message))}" for w in caught] + [
        f"log: {m}" for m in handler.messages
    ]:
        if msg not in seen and "DeprecationWarning" not in msg:
            seen.add(msg)
            out.append(msg)


def attempt(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``fn()`` as an outcome, with the warnings it raised."""
    with heard() as said:
        try:
            result = {"ok": True, **fn()}
        except Exception as exc:
            result = failure(exc)
    if said:
        result["warnings"] = said
    return result


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in DISTRIBUTIONS:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    return out


def _learning_rate(opt: object) -> float:
    return round(float(opt.get_config()["learning_rate"]), 8)  # type: ignore[attr-defined]


def _keyword_outcome(make: Callable[[], object], keyword: str, value: float) -> dict[str, Any]:
    """Does ``make()`` reject, ignore or honour ``keyword=value``?"""

    def run() -> dict[str, Any]:
        opt = make()
        config = opt.get_config()  # type: ignore[attr-defined]
        key = "learning_rate" if keyword == "lr" else keyword
        got = config.get(key)
        if got is None:
            return {"outcome": "ignored", "config": None}
        got = round(float(got), 8)
        return {"outcome": "honoured" if abs(got - value) < 1e-12 else "ignored", "config": got}

    result = attempt(run)
    if not result["ok"]:
        result["outcome"] = "raises"
    return result


def optimizer_facts(ns: Any) -> dict[str, Any]:
    """How ``'adam'``, ``Adam()``, ``legacy.Adam()`` and the old keywords behave in namespace ``ns``."""
    opts = ns.optimizers
    out: dict[str, Any] = {}
    out["get('adam')"] = attempt(
        lambda: {
            "class": class_name(opts.get("adam")),
            "is_Adam": type(opts.get("adam")) is opts.Adam,
            "learning_rate": _learning_rate(opts.get("adam")),
        }
    )
    out["Adam()"] = attempt(
        lambda: {"class": class_name(opts.Adam()), "learning_rate": _learning_rate(opts.Adam())}
    )
    out["Adam(lr=0.01)"] = _keyword_outcome(lambda: opts.Adam(lr=0.01), "lr", 0.01)
    out["Adam(decay=1e-4)"] = _keyword_outcome(lambda: opts.Adam(decay=1e-4), "decay", 1e-4)
    out["legacy.Adam()"] = attempt(lambda: {"class": class_name(opts.legacy.Adam())})
    if out["legacy.Adam()"]["ok"]:
        out["legacy.Adam(lr=0.01)"] = _keyword_outcome(
            lambda: opts.legacy.Adam(lr=0.01), "lr", 0.01
        )
    return out


def compile_with(model_ns: Any, optimizer_ns: Any) -> dict[str, Any]:
    """Compile a tiny model of one Keras with an Adam of another (two Keras in one notebook)."""

    def run() -> dict[str, Any]:
        model = model_ns.Sequential([model_ns.Input(shape=(2,)), model_ns.layers.Dense(1)])
        model.compile(optimizer=optimizer_ns.optimizers.Adam(), loss="mse")
        return {"optimizer": class_name(model.optimizer)}

    return attempt(run)


def _import(name: str) -> tuple[Any, dict[str, Any]]:
    """(module or None, outcome) of importing ``name`` (plus version and file)."""
    mod = None

    def run() -> dict[str, Any]:
        nonlocal mod
        mod = importlib.import_module(name)
        version = getattr(mod, "__version__", None)
        return {"version": version, "file": site_relative(getattr(mod, "__file__", None))}

    result = attempt(run)
    return mod, result


def tf_keras_facts(tf: Any) -> dict[str, Any]:
    """What ``tf.keras`` resolves to at first access."""
    from kerasmagic.probes.keras_setup import kind_of_keras_module

    def run() -> dict[str, Any]:
        mod = tf.keras
        name = mod.__name__
        file = getattr(mod, "__file__", None)
        version = getattr(mod, "__version__", None)
        if version is None and callable(getattr(mod, "version", None)):
            version = mod.version()
        if version is None:  # Keras 2 / tf_keras API modules: the top package carries it
            version = getattr(sys.modules.get(name.split(".")[0]), "__version__", None)
        return {
            "kind": kind_of_keras_module(name, file),
            "module": name,
            "file": site_relative(file),
            "version": version,
        }

    return attempt(run)


def run_statement(statement: str) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        exec(compile(statement, "<compat>", "exec"), {})
        return {}

    return attempt(run)


def probe() -> dict[str, Any]:
    """Every fact, in a fixed order (TF first, as most notebooks do). Imports TF and Keras."""
    out: dict[str, Any] = {
        "env": os.environ.get("KERASMAGIC_ENV", "local"),
        "python": ".".join(map(str, sys.version_info[:3])),
        "versions": versions(),
        "variables": {k: os.environ.get(k) for k in ("TF_USE_LEGACY_KERAS", "KERAS_BACKEND")},
    }
    namespaces: dict[str, Any] = {}
    tf, out["import tensorflow"] = (None, None)
    if out["versions"]["tensorflow"]:
        tf, out["import tensorflow"] = _import("tensorflow")
    out["tf.keras"] = tf_keras_facts(tf) if tf is not None else None
    if out["tf.keras"] and out["tf.keras"]["ok"]:
        namespaces["tf.keras"] = tf.keras  # type: ignore[union-attr]
    out["import keras"] = out["import tf_keras"] = None
    if out["versions"]["keras"]:
        keras, out["import keras"] = _import("keras")
        if keras is not None:
            namespaces["keras"] = keras
            out["keras backend"] = attempt(lambda: {"backend": keras.backend.backend()})
    if out["versions"]["tf-keras"]:
        tf_keras, out["import tf_keras"] = _import("tf_keras")
        if tf_keras is not None:
            namespaces["tf_keras"] = tf_keras
    out["optimizers"] = {
        name: attempt(lambda ns=ns: {"facts": optimizer_facts(ns)})  # type: ignore[misc]
        for name, ns in namespaces.items()
    }
    out["optimizers"] = {
        name: r["facts"] if r["ok"] else r for name, r in out["optimizers"].items()
    }
    out["model methods"] = {
        name: attempt(lambda ns=ns: {m: hasattr(ns.Model, m) for m in MODEL_METHODS})
        for name, ns in namespaces.items()
    }
    out["mixing"] = {
        f"{a} model + {b} Adam": compile_with(namespaces[a], namespaces[b])
        for a in namespaces
        for b in namespaces
        if namespaces[a].optimizers.Adam is not namespaces[b].optimizers.Adam
    }
    out["imports"] = {stmt: run_statement(stmt) for stmt in CLASSIC_IMPORTS}
    return out


def main() -> None:
    import json

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    result = probe()
    sys.stdout.write("\n@@kerasmagic-compat@@" + json.dumps(result, default=str) + "\n")


if __name__ == "__main__":
    main()
