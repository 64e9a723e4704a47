"""A ``sys.meta_path`` finder that lets the real loader execute a module, then patches it."""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Callable
from types import ModuleType

KERAS_PREFIXES = ("keras", "tf_keras", "tensorflow.python.keras")


def _keras_module(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in KERAS_PREFIXES)


def _patcher(name: str) -> Callable[[ModuleType], None] | None:
    if _keras_module(name):
        from _kmshim import patch_keras

        return patch_keras.patch_module
    if name in ("pandas", "pandas.io.parsers", "pandas.io.parsers.readers"):
        from _kmshim import files

        return files.patch_pandas
    if name == "matplotlib.pyplot":
        return _patch_pyplot
    if name == "matplotlib":
        return _patch_matplotlib
    return None


def _patch_matplotlib(module: ModuleType) -> None:
    """The run has no display: ``matplotlib.use("TkAgg")``, which an author's desktop took, keeps
    Agg here (the same figures, drawn off screen) instead of failing before any Keras code."""
    use = module.use

    def use_offscreen(backend: str, *args: object, **kwargs: object) -> None:
        return use("Agg", *args, **kwargs)

    module.use = use_offscreen  # type: ignore[attr-defined]


def _patch_pyplot(module: ModuleType) -> None:
    def show(*args: object, **kwargs: object) -> None:
        return None

    module.show = show  # type: ignore[attr-defined]


class PostImportFinder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: asks the finders after it, and wraps the loader's ``exec_module``
    of the modules the shim patches (the loader object itself is kept)."""

    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        patch = _patcher(fullname)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return spec

        def exec_and_patch(module: ModuleType) -> None:
            exec_module(module)
            try:
                patch(module)
            except Exception as exc:  # the shim must never break an import
                print(
                    f"kerasmagic corpus shim: patching {fullname} failed: {exc!r}", file=sys.stderr
                )

        try:
            loader.exec_module = exec_and_patch  # type: ignore[union-attr]
        except AttributeError:
            return spec
        return spec


def install() -> None:
    if not any(isinstance(f, PostImportFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, PostImportFinder())
