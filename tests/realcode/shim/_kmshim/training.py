"""Short training: at most one epoch (after ``initial_epoch``) of at most two steps, and at most
two evaluation steps. Steps are capped where given and set where not (with the default batch size
of 32 made explicit for arrays, since Keras would otherwise split the arrays into two huge
batches); ``predict`` keeps its steps (code uses every prediction). The ``History`` a shortened
``fit`` returns is given the length of the training asked for, each list repeating its last value,
because published code plots ``range(epochs)`` against it; the user's own callbacks (a
``Callback`` subclass of the code, a ``LambdaCallback``) likewise see every epoch asked for:
before their ``on_train_end``, the epochs cut are replayed to them as ``on_epoch_begin``/
``on_epoch_end`` with the last epoch's logs (Keras's own callbacks are not replayed: they would
save or stop again). The wrapper binds the arguments to the original's signature; when they do
not bind it calls the original unchanged, so Keras raises its own error."""

from __future__ import annotations

import functools
import inspect
import numbers
from collections.abc import Callable
from typing import Any

METHODS = (
    "fit",
    "evaluate",
    "predict",
    "fit_generator",
    "evaluate_generator",
    "predict_generator",
)
MAX_STEPS = 2
# the steps argument each method gets (set when missing) and the data it counts
SET_STEPS = {
    "fit": ("steps_per_epoch", "x"),
    "fit_generator": ("steps_per_epoch", "generator"),
    "evaluate": ("steps", "x"),
    "evaluate_generator": ("steps", "generator"),
}
CAP = ("steps_per_epoch", "validation_steps", "steps")


def _int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _initial_epoch(a: dict[str, Any]) -> int:
    """The bound arguments' ``initial_epoch`` (0 where none or not an integer)."""
    start = a.get("initial_epoch", 0)
    return int(start) if _int(start) else 0


def _arrays(x: object) -> bool:
    """Arrays or tensors (or a list/dict of them): data Keras batches itself."""
    if isinstance(x, (list, tuple)) and x:
        return all(_arrays(v) for v in x)
    if isinstance(x, dict) and x:
        return all(_arrays(v) for v in x.values())
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _shorten(name: str, sig: inspect.Signature, a: dict[str, Any]) -> int:
    """Shorten the bound arguments ``a`` in place; return the number of epochs asked for (0: not
    shortened)."""
    params = sig.parameters
    asked = 0
    if "epochs" in params:
        start = _initial_epoch(a)
        epochs = a.get("epochs", params["epochs"].default)
        if _int(epochs) and epochs > start + 1:
            a["epochs"] = start + 1
            asked = epochs - start
    for arg in CAP:
        if arg == "steps" and name.startswith("predict"):
            continue  # code pairs every prediction with its input
        if arg in a and _int(a[arg]) and a[arg] > MAX_STEPS:
            a[arg] = MAX_STEPS
    steps, data = SET_STEPS.get(name, (None, None))
    if steps in params and a.get(steps) is None and a.get(data) is not None:
        arrays = _arrays(a[data])
        if arrays and "batch_size" in params and a.get("batch_size") is None:
            a["batch_size"] = 32
        if arrays or not hasattr(a[data], "__array__"):
            a[steps] = MAX_STEPS
    val = a.get("validation_data")
    if "validation_steps" in params and val is not None and a.get("validation_steps") is None:
        a["validation_steps"] = MAX_STEPS
        if (
            _arrays(val)
            and "validation_batch_size" in params
            and a.get("validation_batch_size") is None
            and a.get("batch_size") is None
        ):
            a["validation_batch_size"] = 32
    return asked


def _lengthen(history: object, epochs: int) -> None:
    """Give a History of a shortened ``fit`` the ``epochs`` entries the code asked for."""
    logs = getattr(history, "history", None)
    if not isinstance(logs, dict):
        return
    for values in logs.values():
        if isinstance(values, list) and values and len(values) < epochs:
            values.extend(values[-1:] * (epochs - len(values)))
    epoch = getattr(history, "epoch", None)
    if isinstance(epoch, list) and epoch and len(epoch) < epochs:
        epoch.extend(range(epoch[-1] + 1, epoch[0] + epochs))


KERAS_MODULES = ("keras", "tensorflow", "tf_keras")


def _users(callback: object) -> bool:
    """A callback whose epoch hooks run the user's code."""
    kind = type(callback)
    return kind.__name__ == "LambdaCallback" or not kind.__module__.startswith(KERAS_MODULES)


def _replay_cut_epochs(callbacks: object, first: int, asked: int) -> list[object]:
    """Make each user callback of ``callbacks`` see epochs ``first`` … ``first + asked - 1``:
    epochs past the one run are replayed with its logs before the callback's ``on_train_end``.
    Return the callbacks changed (their instance hooks are removed after ``fit``)."""
    if not isinstance(callbacks, (list, tuple)):
        return []
    changed = []
    for callback in callbacks:
        if not _users(callback) or not callable(getattr(callback, "on_train_end", None)):
            continue
        if {"on_epoch_end", "on_train_end"} & set(getattr(callback, "__dict__", {})):
            continue  # hooks set on the instance itself: left as they are
        changed.append(callback)
        _hook(callback, first, asked)
    return changed


def _hook(callback: Any, first: int, asked: int) -> None:
    seen: dict[str, Any] = {"logs": None, "last": None}
    epoch_end, train_end = callback.on_epoch_end, callback.on_train_end

    def on_epoch_end(epoch: int, logs: Any = None) -> Any:
        seen["last"], seen["logs"] = epoch, logs
        return epoch_end(epoch, logs)

    def on_train_end(logs: Any = None) -> Any:
        if seen["last"] is not None:
            for epoch in range(seen["last"] + 1, first + asked):
                callback.on_epoch_begin(epoch, dict(seen["logs"] or {}))
                epoch_end(epoch, dict(seen["logs"] or {}))
        return train_end(logs)

    callback.on_epoch_end, callback.on_train_end = on_epoch_end, on_train_end


def _unhook(callbacks: list[Any]) -> None:
    for callback in callbacks:
        for name in ("on_epoch_end", "on_train_end"):
            callback.__dict__.pop(name, None)


def clamp(fn: Callable[..., Any]) -> Callable[..., Any]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return fn
    name = fn.__name__

    @functools.wraps(fn)
    def shortened(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # noqa: F841
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError:
            return fn(*args, **kwargs)
        asked = _shorten(name, sig, bound.arguments)
        callbacks, first = bound.arguments.get("callbacks"), _initial_epoch(bound.arguments)
        hooked = _replay_cut_epochs(callbacks, first, asked) if asked else []
        try:
            result = fn(*bound.args, **bound.kwargs)
        finally:
            _unhook(hooked)
        if asked:
            _lengthen(result, asked)
        return result

    return shortened
