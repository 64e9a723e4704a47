"""Short training: at most one epoch (after ``initial_epoch``), at most two steps where steps are
given. The wrapper binds the arguments to the original's signature; when they do not bind it
calls the original unchanged, so Keras raises its own error."""

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
STEP_ARGS = ("steps_per_epoch", "validation_steps", "steps")


def _int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def clamp(fn: Callable[..., Any]) -> Callable[..., Any]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return fn

    @functools.wraps(fn)
    def shortened(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # noqa: F841
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError:
            return fn(*args, **kwargs)
        a = bound.arguments
        if "epochs" in sig.parameters:
            start = a.get("initial_epoch", 0)
            start = int(start) if _int(start) else 0
            epochs = a.get("epochs", sig.parameters["epochs"].default)
            if _int(epochs) and epochs > start + 1:
                a["epochs"] = start + 1
        for name in STEP_ARGS:
            if name in a and _int(a[name]) and a[name] > MAX_STEPS:
                a[name] = MAX_STEPS
        return fn(*bound.args, **bound.kwargs)

    return shortened
