"""What one optimizer class is, measured: its defaults (``get_config()`` of a bare instance, else
``inspect.signature``) and what the habits ``lr=`` / ``decay=`` do with it. Construction, defaults
and habits are measured once per class object; habits once per process (they are the class's code).
"""

from __future__ import annotations

import contextlib
import inspect
import types
from typing import Any

from kerasmagic.probes.optimizer_report import Habit
from kerasmagic.probes.optimizer_session import ListHandler, recording

# The habits of old tutorials: (argument, value passed, the setting it was meant for).
# Odd values, so that "honoured" cannot be a default that happens to match (SGD's lr is 0.01).
HABITS = (("lr", 0.0123, "learning_rate"), ("decay", 0.000123, "decay"))


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return float(f"{value:.7g}")  # float32 variables read back as 0.0010000000474974513
    item = getattr(value, "item", None)
    if callable(item):
        with contextlib.suppress(Exception):
            return jsonable(item())
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return repr(value)


def _signature_defaults(cls: type) -> dict[str, Any]:
    try:
        params = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {
        p.name: jsonable(p.default)
        for p in params
        if p.name not in ("self", "name")
        and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        and p.default is not p.empty
    }


def _config(opt: Any) -> dict[str, Any]:
    config = dict(opt.get_config())
    config.pop("name", None)
    return jsonable(config)


def _learning_rate(opt: Any, config: dict[str, Any]) -> Any:
    if "learning_rate" in config:
        return config["learning_rate"]
    if "lr" in config:
        return config["lr"]
    return None


def error_of(exc: BaseException) -> tuple[str, str]:
    return type(exc).__qualname__, str(exc)


def _measure_habits(cls: type, module: types.ModuleType, handler: ListHandler) -> list[Habit]:
    params = _signature_params(cls)
    out = []
    for arg, value, meant in HABITS:
        with recording(handler) as messages:
            try:
                opt = cls(**{arg: value})
                config = _config(opt)
            except Exception as exc:
                kind, message = error_of(exc)
                habit = Habit(arg, value, "rejected", f"{kind}: {message}")
            else:
                held = (
                    _learning_rate(opt, config) if meant == "learning_rate" else config.get("decay")
                )
                honoured = held is not None and abs(float(held) - value) < value * 1e-3
                shown = "not in get_config()" if held is None else f"{meant}={held}"
                habit = Habit(arg, value, "honoured" if honoured else "ignored", shown)
        habit.warnings = _dedupe(messages)
        habit.maps_to = (
            arg
            if habit.outcome == "honoured" and meant == "decay"
            else _maps_to(arg, meant, params, module)
        )
        out.append(habit)
    return out


def _signature_params(cls: type) -> set[str]:
    try:
        return set(inspect.signature(cls.__init__).parameters)
    except (TypeError, ValueError):
        return set()


def _maps_to(arg: str, meant: str, params: set[str], module: types.ModuleType) -> str:
    if meant == "learning_rate":
        return "learning_rate" if "learning_rate" in params else ("lr" if "lr" in params else "")
    if "decay" in params:
        return "decay"
    schedules = getattr(getattr(module, "optimizers", None), "schedules", None)
    if schedules is not None and hasattr(schedules, "InverseTimeDecay"):
        # the legacy rule lr / (1 + decay * iterations) is InverseTimeDecay with decay_steps=1
        return "learning_rate=optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)"
    return ""


def _dedupe(messages: list[str]) -> list[str]:
    seen: list[str] = []
    for m in messages:
        m = m.strip()
        if m and m not in seen:
            seen.append(m)
    return seen


class ClassFacts:
    """Per class object: construction, defaults and habits are measured once."""

    def __init__(self, handler: ListHandler) -> None:
        self.handler = handler
        self._calls: dict[tuple[int, str], tuple[Any, Any, Any]] = {}
        self._seeds: dict[int, tuple[type, Any]] = {}

    def get(self, module: types.ModuleType, name: str) -> type:
        """``optimizers.get(name)``'s class; one call per function object (``tf.keras`` and
        ``keras`` share it under Keras 3); its instance serves as the default construction."""
        fn = module.optimizers.get
        key = (id(fn), name)
        if key not in self._calls:
            with recording(self.handler):
                try:
                    instance = fn(name)
                    self._calls[key] = (fn, instance, None)
                    self._seeds.setdefault(id(type(instance)), (type(instance), instance))
                except Exception as exc:
                    self._calls[key] = (fn, None, exc)
        _, instance, exc = self._calls[key]
        if exc is not None:
            raise exc
        return type(instance)

    def measure(self, cls: type, module: types.ModuleType) -> dict[str, Any]:
        facts: dict[str, Any] = {"signature": _signature_defaults(cls)}
        seed = self._seeds.get(id(cls))
        with recording(self.handler):
            try:
                # get(name) built it with no arguments, exactly as cls() would
                instance = seed[1] if seed is not None and seed[0] is cls else cls()
                facts["config"] = _config(instance)
            except Exception as exc:
                facts["error"] = error_of(exc)
        if "config" not in facts:
            facts["habits"] = []
        else:
            facts["habits"] = _measure_habits(cls, module, self.handler)
        return facts


def optimizer_classes(module: types.ModuleType) -> dict[str, str]:
    """lower-case name → class name of the optimizers a namespace exports (constructible bare)."""
    opts = module.optimizers
    base = getattr(opts, "Optimizer", None)
    out = {}
    for attr in dir(opts):
        if attr.startswith("_") or attr == "Optimizer":
            continue
        obj = getattr(opts, attr, None)
        if not isinstance(obj, type) or base is None or not issubclass(obj, base):
            continue
        required = [
            p
            for p in inspect.signature(obj.__init__).parameters.values()
            if p.name != "self"
            and p.default is p.empty
            and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        ]
        if not required:  # LossScaleOptimizer, MultiOptimizer wrap another optimizer
            out[attr.lower()] = attr
    return out
