"""Short training: at most one epoch (after ``initial_epoch``) of at most two steps, and at most
two evaluation steps. Steps are capped where given and set where not (with the default batch size
of 32 made explicit for arrays, since Keras would otherwise split the arrays into two huge
batches); ``predict`` keeps its steps (code uses every prediction). The ``History`` a shortened
``fit`` returns is given the length of the training asked for, each list repeating its last value,
because published code plots ``range(epochs)`` against it. The wrapper binds the
arguments to the original's signature; when they do not bind it calls the original unchanged,
so Keras raises its own error."""

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
        start = a.get("initial_epoch", 0)
        start = int(start) if _int(start) else 0
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
        result = fn(*bound.args, **bound.kwargs)
        if asked:
            _lengthen(result, asked)
        return result

    return shortened
