"""Reaching the Keras modules an optimizer can be asked from (``tf.keras``, ``keras``,
``tf_keras``). Passively (``%keras_env``) only modules already imported, ``tf.keras`` only once it
has been resolved (touching it would fix which Keras it is), and nothing whose runtime has not
started; with ``start`` (``%keras_optimizers``, asked for this kernel's answer) each installed one
is imported here, Keras's config file left as it was on disk (:func:`keras_home_kept`)."""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import types
from collections.abc import Iterator

from kerasmagic.probes.interpreter import place
from kerasmagic.probes.loaded import attribute, loaded
from kerasmagic.probes.optimizer_report import KerasNamespace

NAMESPACES = ("tf.keras", "keras", "tf_keras")
DISTRIBUTIONS = {"tf.keras": "tensorflow", "keras": "keras", "tf_keras": "tf-keras"}


def tf_keras_resolved(tf: types.ModuleType) -> bool:
    """``tf.keras`` was already used (TF ≥ 2.15 resolves it lazily; touching it would fix it)."""
    obj = tf.__dict__.get("keras")
    if obj is None:
        return False
    if type(obj).__name__ == "KerasLazyLoader":
        return bool(vars(obj).get("_tfll_initialized"))
    return True


def keras_of(top: types.ModuleType) -> tuple[str, str | None]:
    """(keras3 | tf_keras | keras2, version) of a Keras API module, from its real package."""
    name = str(attribute(top, "__name__", ""))
    file = str(attribute(top, "__file__") or "").replace("\\", "/")
    root = name.split(".")[0]
    if root == "tensorflow" and "/tf_keras/" in file:
        root = "tf_keras"
    version = attribute(top, "__version__") or attribute(loaded(root), "__version__")
    if root == "tf_keras":
        return "tf_keras", version
    if root == "keras":
        return ("keras3" if str(version).startswith("3") else "keras2"), version
    return "keras2", version


KERAS_PACKAGES = ("keras", "tf_keras", "tensorflow")


def keras_of_class(cls: type) -> tuple[str | None, str | None]:
    """The Keras a class belongs to, from its package; (None, None) for any other package."""
    root = str(attribute(cls, "__module__", "")).split(".")[0]
    package = loaded(root) if root in KERAS_PACKAGES else None
    if package is None:
        return None, None
    return keras_of(package)


def reach(
    name: str, in_kernel: bool, start: bool = False
) -> tuple[KerasNamespace, types.ModuleType | None]:
    """The Keras API module behind ``name``; in the kernel only if already imported, unless
    ``start`` (then imported here, and used whether or not its runtime has started)."""
    dist = DISTRIBUTIONS[name]
    root = "tensorflow" if name == "tf.keras" else name
    if root not in sys.modules and _find_spec(root) is None:
        return KerasNamespace(name, False, note=f"{dist} is not installed"), None
    passive = in_kernel and not start
    if passive and root not in sys.modules:
        return KerasNamespace(name, False, note=f"not imported in {place()} yet"), None
    try:
        if name == "tf.keras":
            tf = loaded("tensorflow") or importlib.import_module("tensorflow")
            if passive and not tf_keras_resolved(tf):
                note = f"TensorFlow imported, tf.keras not used yet in {place()}"
                return KerasNamespace(name, False, note=note), None
            module = tf.keras
        else:
            module = importlib.import_module(name)
        module.optimizers  # noqa: B018 - the namespace we probe must exist
    except Exception as exc:
        return KerasNamespace(name, False, note=f"{type(exc).__name__}: {exc}"), None
    kind, version = keras_of(module)
    real = attribute(module, "__name__", name)
    idle = runtime_not_started(module, kind) if passive else None
    if idle:
        return KerasNamespace(name, False, kind, version, real, note=idle), None
    return KerasNamespace(name, True, kind, version, real), module


def idle_runtime(module: types.ModuleType, kind: str) -> str | None:
    """The runtime that building an optimizer of ``module`` would start here ("TensorFlow's
    runtime", "JAX's devices"; it fixes GPU settings such as memory growth for the rest of the
    session); None when it already runs."""
    backend = "tensorflow"
    if kind == "keras3" and attribute(module, "__name__", "") == "keras":
        with contextlib.suppress(Exception):
            backend = module.backend.backend()
    if backend == "tensorflow":
        context = loaded("tensorflow.python.eager.context")
        ctx = getattr(context, "_context", None)
        if ctx is None or not getattr(ctx, "_initialized", False):
            return "TensorFlow's runtime"
    elif backend == "jax":
        bridge = loaded("jax._src.xla_bridge")
        if bridge is None or not getattr(bridge, "_backends", None):
            return "JAX's devices"
    return None


def runtime_not_started(module: types.ModuleType, kind: str) -> str | None:
    """Why ``%keras_env`` (which starts nothing) does not build an optimizer of ``module`` here;
    None when its runtime already runs."""
    idle = idle_runtime(module, kind)
    if idle is None:
        return None
    return (
        f"imported; {idle} not started in this kernel yet (`%keras_optimizers` builds "
        "optimizers here, which starts it)"
    )


@contextlib.contextmanager
def keras_home_kept() -> Iterator[None]:
    """Leave Keras's config folder on disk as it was: importing Keras (3, 2 or tf_keras) writes
    ``keras.json`` (and its folder) under the user's home when it is missing; what it wrote
    there is removed. What it read (an existing ``keras.json``) is never touched."""
    from kerasmagic.probes.keras_setup import _keras_home

    folder = _keras_home()
    config = folder / "keras.json"
    had_folder, had_config = folder.exists(), config.exists()
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if not had_config and config.is_file():
                config.unlink()
            if not had_folder and folder.is_dir():
                folder.rmdir()  # only when empty: nothing else of the user's is removed


def _find_spec(name: str) -> object:
    """``importlib.util.find_spec`` that answers None instead of raising (a module without a
    spec in ``sys.modules``, a broken finder)."""
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return None
