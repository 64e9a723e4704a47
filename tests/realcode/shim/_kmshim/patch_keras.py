"""Patch one Keras module as it is imported: data loaders, ``get_file``, directory datasets,
training lengths. Each original gets exactly one wrapper (cached by identity), so every alias of
a function (``keras.utils.get_file``, ``tf.keras.utils.get_file``…) is the same wrapped object."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import FunctionType, ModuleType
from typing import Any

from _kmshim import datasets, files, training

_WRAPPED: dict[int, Callable[..., Any]] = {}
DIRECTORY_FUNCTIONS = {
    "image_dataset_from_directory": "image",
    "text_dataset_from_directory": "text",
}


def _is_shim(obj: object) -> bool:
    return bool(getattr(obj, "_kmshim", False))


def _wrap_once(fn: Callable[..., Any], make: Callable[[Callable[..., Any]], Callable[..., Any]]):
    key = id(fn)
    if key not in _WRAPPED:
        wrapper = make(fn)
        wrapper._kmshim = True  # type: ignore[attr-defined]
        _WRAPPED[key] = wrapper
    return _WRAPPED[key]


def _function_wrapper(name: str, fn: FunctionType) -> Callable[..., Any] | None:
    module = getattr(fn, "__module__", "") or ""
    if ".datasets." in module and name in ("load_data", "get_word_index"):
        dataset = module.rsplit(".", 1)[-1]
        if dataset in datasets.LOADERS:
            return _wrap_once(fn, lambda f: datasets.wrap(f, dataset, name))
    if name == "get_file":
        return _wrap_once(fn, files.wrap_get_file)
    if name in DIRECTORY_FUNCTIONS:
        return _wrap_once(fn, lambda f: files.wrap_from_directory(f, DIRECTORY_FUNCTIONS[name]))
    return None


def _trains(cls: type) -> bool:
    d = cls.__dict__
    return "compile" in d or "fit_generator" in d or cls.__name__.endswith("Trainer")


def _patch_class(cls: type) -> None:
    d = cls.__dict__
    if isinstance(d.get("flow_from_directory"), FunctionType) and not _is_shim(
        d["flow_from_directory"]
    ):
        wrapped = files.wrap_from_directory(d["flow_from_directory"], "image", method=True)
        wrapped._kmshim = True  # type: ignore[attr-defined]
        cls.flow_from_directory = wrapped  # type: ignore[attr-defined]
    if not _trains(cls):
        return
    for meth in training.METHODS:
        fn = d.get(meth)
        if isinstance(fn, FunctionType) and not _is_shim(fn):
            wrapped = training.clamp(fn)
            wrapped._kmshim = True  # type: ignore[attr-defined]
            setattr(cls, meth, wrapped)


def patch_module(module: ModuleType) -> None:
    for attr, value in list(vars(module).items()):
        if isinstance(value, FunctionType):
            if _is_shim(value):
                continue
            new = _function_wrapper(getattr(value, "__name__", attr), value)
            if new is not None:
                setattr(module, attr, new)
        elif inspect.isclass(value) and value.__module__ == module.__name__:
            _patch_class(value)
