"""How optimizer names resolve in this interpreter: ``'adam'`` vs ``Adam()`` vs ``legacy.Adam``.

For each optimizer name and each way of asking (``<keras>.optimizers.get(name)``,
``<keras>.optimizers.X``, ``….legacy.X``, ``….experimental.X`` for every Keras present:
``tf.keras``, ``keras``, ``tf_keras``) the class it gives and the Keras it belongs to, or the exact
exception; the constructor defaults (live ``get_config()`` or ``inspect.signature``) and what the
habits ``lr=`` and ``decay=`` do here. Everything is read from the live objects.

In the kernel only Keras modules that are already imported are used (``tf.keras`` only once it has
been resolved), so probing imports nothing; only ``probe=True`` runs the same code in a subprocess
of this interpreter. Optimizers are built on the CPU, never ``build()``-t, and
Keras 3's name counters are restored afterwards, so the user's next ``Adam()`` is still ``adam``.
Each call re-measures the classes and their defaults; what ``lr=``/``decay=`` do is the class's
code and is measured once per class object per process.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import logging
import sys
import types
import warnings
import weakref
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

NAMESPACES = ("tf.keras", "keras", "tf_keras")
DISTRIBUTIONS = {"tf.keras": "tensorflow", "keras": "keras", "tf_keras": "tf-keras"}
# The habits of old tutorials: (argument, value passed, the setting it was meant for).
# Odd values, so that "honoured" cannot be a default that happens to match (SGD's lr is 0.01).
HABITS = (("lr", 0.0123, "learning_rate"), ("decay", 0.000123, "decay"))
KERAS_WORDS = {
    "keras3": "Keras 3",
    "tf_keras": "tf_keras (Keras 2 package)",
    "keras2": "Keras 2 (bundled with TF)",
}


@dataclass
class KerasNamespace:
    """One Keras a user can reach (``tf.keras``, ``keras``, ``tf_keras``) and whether it was used."""

    name: str
    available: bool
    keras: str | None = None  # keras3 | tf_keras | keras2
    version: str | None = None
    module: str | None = None  # the real module behind the name (tf.keras is an alias)
    note: str = ""  # why it was not used: not installed, not imported here, import error


@dataclass
class Habit:
    """What ``Opt(lr=0.01)`` / ``Opt(decay=1e-4)`` does with this class, measured."""

    argument: str
    value: float
    outcome: str  # rejected | honoured | ignored
    detail: str  # the exception, or the value the built optimizer holds
    warnings: list[str] = field(default_factory=list)
    maps_to: str = ""  # the argument (or code) that does it here


@dataclass
class Way:
    """One way of asking for an optimizer and what it gives here."""

    code: str  # e.g. "tf.keras.optimizers.legacy.Adam()"
    namespace: str
    route: str  # get | class | legacy | experimental
    class_path: str | None = None
    keras: str | None = None
    keras_version: str | None = None
    error_type: str | None = None
    error: str | None = None  # the exception's message, exactly
    failed_at: str | None = None  # lookup | construct
    group: str | None = None  # ways with the same letter give the same class object
    defaults: dict[str, Any] = field(default_factory=dict)
    defaults_source: str = ""  # get_config | signature
    habits: list[Habit] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_type is None


@dataclass
class OptimizerResolution:
    """Every way of asking for one optimizer name, side by side."""

    name: str
    class_name: str
    ways: list[Way]
    differing: list[str] = field(default_factory=list)  # defaults that differ between ways

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for way in self.ways:
            if way.group:
                out.setdefault(way.group, []).append(way.code)
        return out


@dataclass
class ModelOptimizer:
    """The optimizer a (compiled) model carries, and whether it is of the model's Keras."""

    variable: str
    model_class: str
    model_keras: str | None
    model_keras_version: str | None
    compiled: bool
    class_path: str | None = None
    class_name: str | None = None
    keras: str | None = None
    keras_version: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    same_keras: bool | None = None
    note: str = ""


@dataclass
class OptimizerReport:
    """The answer of ``%keras_optimizers``: namespaces, then one resolution per name."""

    namespaces: list[KerasNamespace]
    optimizers: list[OptimizerResolution]
    measured_in: str  # kernel | subprocess
    note: str = ""
    problems: list[str] = field(default_factory=list)
    model: ModelOptimizer | None = None

    @property
    def names(self) -> list[str]:
        return [o.name for o in self.optimizers]

    def get(self, name: str) -> OptimizerResolution | None:
        return next((o for o in self.optimizers if o.name == name.lower()), None)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for opt, data in zip(self.optimizers, out["optimizers"]):
            data["groups"] = opt.groups()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OptimizerReport:
        def way(d: dict[str, Any]) -> Way:
            d = dict(d)
            d["habits"] = [Habit(**h) for h in d.get("habits", [])]
            return Way(**d)

        return cls(
            namespaces=[KerasNamespace(**n) for n in data["namespaces"]],
            optimizers=[
                OptimizerResolution(
                    name=o["name"],
                    class_name=o["class_name"],
                    ways=[way(w) for w in o["ways"]],
                    differing=list(o.get("differing", [])),
                )
                for o in data["optimizers"]
            ],
            measured_in=data["measured_in"],
            note=data.get("note", ""),
            problems=list(data.get("problems", [])),
            model=ModelOptimizer(**data["model"]) if data.get("model") else None,
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from kerasmagic.render.optimizers import optimizers_mimebundle

        return optimizers_mimebundle(self)

    def __str__(self) -> str:
        from kerasmagic.render.optimizers import optimizers_to_text

        return optimizers_to_text(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


# -- reaching the Keras modules -----------------------------------------------------------------


def _installed(dist: str) -> bool:
    try:
        from importlib.metadata import PackageNotFoundError, version

        version(dist)
        return True
    except PackageNotFoundError:
        return False


def _find_spec(name: str) -> Any:
    """``importlib.util.find_spec`` that answers None instead of raising (a module without a
    spec in ``sys.modules``, a broken finder)."""
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return None


def _tf_keras_resolved(tf: types.ModuleType) -> bool:
    """``tf.keras`` was already used (TF ≥ 2.15 resolves it lazily; touching it would fix it)."""
    obj = tf.__dict__.get("keras")
    if obj is None:
        return False
    if type(obj).__name__ == "KerasLazyLoader":
        return bool(vars(obj).get("_tfll_initialized"))
    return True


def _keras_of(top: types.ModuleType) -> tuple[str, str | None]:
    """(keras3 | tf_keras | keras2, version) of a Keras API module, from its real package."""
    name = getattr(top, "__name__", "")
    file = (getattr(top, "__file__", None) or "").replace("\\", "/")
    root = name.split(".")[0]
    if root == "tensorflow" and "/tf_keras/" in file:
        root = "tf_keras"
    version = getattr(top, "__version__", None)
    package = sys.modules.get(root)
    version = version or getattr(package, "__version__", None)
    if root == "tf_keras":
        return "tf_keras", version
    if root == "keras":
        return ("keras3" if str(version).startswith("3") else "keras2"), version
    return "keras2", version


def _keras_of_class(cls: type) -> tuple[str | None, str | None]:
    package = sys.modules.get(cls.__module__.split(".")[0])
    if package is None:
        return None, None
    return _keras_of(package)


def _reach(name: str, in_kernel: bool) -> tuple[KerasNamespace, types.ModuleType | None]:
    """The Keras API module behind ``name``; in the kernel only if already imported."""
    dist = DISTRIBUTIONS[name]
    root = "tensorflow" if name == "tf.keras" else name
    if root not in sys.modules and _find_spec(root) is None:
        return KerasNamespace(name, False, note=f"{dist} is not installed"), None
    if in_kernel and root not in sys.modules:
        return KerasNamespace(
            name, False, note="not imported in this kernel (--probe measures it)"
        ), None
    try:
        if name == "tf.keras":
            tf = sys.modules.get("tensorflow") or importlib.import_module("tensorflow")
            if in_kernel and not _tf_keras_resolved(tf):
                note = "tf.keras not used yet in this kernel (--probe measures it)"
                return KerasNamespace(name, False, note=note), None
            module = tf.keras
        else:
            module = importlib.import_module(name)
        module.optimizers  # noqa: B018 - the namespace we probe must exist
    except Exception as exc:
        return KerasNamespace(name, False, note=f"{type(exc).__name__}: {exc}"), None
    kind, version = _keras_of(module)
    real = getattr(module, "__name__", name)
    idle = _runtime_not_started(module, kind) if in_kernel else None
    if idle:
        return KerasNamespace(name, False, kind, version, real, note=idle), None
    return KerasNamespace(name, True, kind, version, real), module


def _runtime_not_started(module: types.ModuleType, kind: str) -> str | None:
    """Why building an optimizer here would start the backend's runtime (which fixes GPU
    settings such as memory growth for the rest of the session); None when it already runs."""
    backend = "tensorflow"
    if kind == "keras3" and getattr(module, "__name__", "") == "keras":
        with contextlib.suppress(Exception):
            backend = module.backend.backend()
    if backend == "tensorflow":
        context = sys.modules.get("tensorflow.python.eager.context")
        ctx = getattr(context, "_context", None)
        if ctx is None or not getattr(ctx, "_initialized", False):
            return "TensorFlow's runtime has not started in this kernel yet (--probe measures it)"
    elif backend == "jax":
        bridge = sys.modules.get("jax._src.xla_bridge")
        if bridge is None or not getattr(bridge, "_backends", None):
            return "JAX has not started its devices in this kernel yet (--probe measures it)"
    return None


# -- keeping the session as it was ----------------------------------------------------------------


@contextlib.contextmanager
def _contained(modules: list[types.ModuleType]) -> Iterator[_ListHandler]:
    """Build on the CPU, keep Keras log lines off the screen, restore Keras 3 name counters."""
    handler = _ListHandler([])
    # Keras 2 logs its habit warnings through the "tensorflow" logger: capture, do not print.
    loggers = [logging.getLogger(n) for n in ("", "absl", "tensorflow")]
    saved = [(lg.handlers[:], lg.propagate, lg.level) for lg in loggers]
    state = sys.modules.get("keras.src.backend.common.global_state")
    uids = _copy_uids(state)
    with contextlib.ExitStack() as stack:
        tf = sys.modules.get("tensorflow")
        if tf is not None:
            stack.enter_context(tf.device("/CPU:0"))
        for module in modules:
            device = getattr(module, "device", None)  # Keras 3: every backend
            if callable(device) and not isinstance(device, type):
                with contextlib.suppress(Exception):
                    stack.enter_context(device("cpu"))
        for lg in loggers:
            lg.handlers = [handler]
            lg.propagate = False
            lg.setLevel(logging.WARNING)
        try:
            yield handler
        finally:
            for lg, (handlers, propagate, level) in zip(loggers, saved):
                lg.handlers = handlers
                lg.propagate = propagate
                lg.setLevel(level)
            _restore_uids(state, uids)


@contextlib.contextmanager
def _recording(handler: _ListHandler) -> Iterator[list[str]]:
    """The warnings and log lines of one construction."""
    messages: list[str] = []
    handler.sink = messages
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield messages
        finally:
            messages.extend(str(w.message) for w in caught)


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.sink.append(record.getMessage())


def _copy_uids(state: types.ModuleType | None) -> dict[str, int] | None:
    if state is None:
        return None
    tracker = getattr(state, "GLOBAL_STATE_TRACKER", None)
    uids = getattr(tracker, "object_name_uids", None)
    return dict(uids) if uids is not None else None


def _restore_uids(state: types.ModuleType | None, saved: dict[str, int] | None) -> None:
    """Keras 3 counts auto-generated names ('adam', 'adam_1'); put the counts back."""
    if state is None:
        return
    tracker = getattr(state, "GLOBAL_STATE_TRACKER", None)
    uids = getattr(tracker, "object_name_uids", None)
    if uids is None:
        return
    if saved is None:
        tracker.object_name_uids = None
    else:
        uids.clear()
        uids.update(saved)


# -- measuring ----------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return float(f"{value:.7g}")  # float32 variables read back as 0.0010000000474974513
    item = getattr(value, "item", None)
    if callable(item):
        with contextlib.suppress(Exception):
            return _jsonable(item())
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return repr(value)


def _signature_defaults(cls: type) -> dict[str, Any]:
    try:
        params = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {
        p.name: _jsonable(p.default)
        for p in params
        if p.name not in ("self", "name")
        and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        and p.default is not p.empty
    }


def _config(opt: Any) -> dict[str, Any]:
    config = dict(opt.get_config())
    config.pop("name", None)
    return _jsonable(config)


def _learning_rate(opt: Any, config: dict[str, Any]) -> Any:
    if "learning_rate" in config:
        return config["learning_rate"]
    if "lr" in config:
        return config["lr"]
    return None


def _error(exc: BaseException) -> tuple[str, str]:
    return type(exc).__qualname__, str(exc)


def _measure_habits(cls: type, module: types.ModuleType, handler: _ListHandler) -> list[Habit]:
    params = _signature_params(cls)
    out = []
    for arg, value, meant in HABITS:
        with _recording(handler) as messages:
            try:
                opt = cls(**{arg: value})
                config = _config(opt)
            except Exception as exc:
                kind, message = _error(exc)
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


_HABITS_SEEN: weakref.WeakKeyDictionary[type, list[Habit]] = weakref.WeakKeyDictionary()


class _ClassFacts:
    """Per class object: construction, defaults and habits are measured once."""

    def __init__(self, handler: _ListHandler) -> None:
        self.handler = handler
        self._cache: dict[int, tuple[type, dict[str, Any]]] = {}
        self._calls: dict[tuple[int, str], tuple[Any, Any, Any]] = {}
        self._seeds: dict[int, tuple[type, Any]] = {}

    def get(self, module: types.ModuleType, name: str) -> type:
        """``optimizers.get(name)``'s class; one call per function object (``tf.keras`` and
        ``keras`` share it under Keras 3); its instance serves as the default construction."""
        fn = module.optimizers.get
        key = (id(fn), name)
        if key not in self._calls:
            with _recording(self.handler):
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
        hit = self._cache.get(id(cls))
        if hit is not None and hit[0] is cls:
            return hit[1]
        facts: dict[str, Any] = {"signature": _signature_defaults(cls)}
        seed = self._seeds.get(id(cls))
        with _recording(self.handler):
            try:
                # get(name) built it with no arguments, exactly as cls() would
                instance = seed[1] if seed is not None and seed[0] is cls else cls()
                facts["config"] = _config(instance)
            except Exception as exc:
                facts["error"] = _error(exc)
        if "config" not in facts:
            facts["habits"] = []
        elif cls in _HABITS_SEEN:  # what lr=/decay= do is the class's code: once per process
            facts["habits"] = _HABITS_SEEN[cls]
        else:
            facts["habits"] = _HABITS_SEEN[cls] = _measure_habits(cls, module, self.handler)
        self._cache[id(cls)] = (cls, facts)
        return facts


def _optimizer_classes(module: types.ModuleType) -> dict[str, str]:
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


def _way_routes(ns: str, module: types.ModuleType) -> list[tuple[str, str]]:
    """(route, code prefix) of the ways to ask this namespace."""
    routes = [("get", f"{ns}.optimizers.get"), ("class", f"{ns}.optimizers")]
    routes.append(("legacy", f"{ns}.optimizers.legacy"))
    if ns == "tf.keras" or hasattr(module.optimizers, "experimental"):
        routes.append(("experimental", f"{ns}.optimizers.experimental"))
    return routes


def _resolve_way(
    route: str,
    prefix: str,
    ns: str,
    module: types.ModuleType,
    name: str,
    class_name: str,
    facts: _ClassFacts,
) -> Way:
    if route == "get":
        way = Way(f"{prefix}({name!r})", ns, route)
    else:
        way = Way(f"{prefix}.{class_name}()", ns, route)
    cls: type | None = None
    with _recording(facts.handler):
        try:
            if route == "get":
                cls = facts.get(module, name)
            else:
                space = module.optimizers
                if route in ("legacy", "experimental"):
                    space = getattr(space, route)
                cls = getattr(space, class_name)
        except Exception as exc:
            way.error_type, way.error = _error(exc)
            way.failed_at = "lookup" if route != "get" else "call"
    if cls is None:
        return way
    way.class_path = f"{cls.__module__}.{cls.__qualname__}"
    way.keras, way.keras_version = _keras_of_class(cls)
    known = facts.measure(cls, module)
    if "error" in known:
        way.error_type, way.error = known["error"]
        way.failed_at = "construct"
        way.defaults, way.defaults_source = dict(known["signature"]), "signature"
    else:
        way.defaults, way.defaults_source = dict(known["config"]), "get_config"
        way.habits = list(known["habits"])  # shared, never changed after measuring
    way._cls = cls  # type: ignore[attr-defined]  # identity for grouping, never serialised
    return way


def _group(ways: list[Way]) -> None:
    letters: list[tuple[type, str]] = []
    for way in ways:
        cls = getattr(way, "_cls", None)
        if cls is None:
            continue
        letter = next((g for c, g in letters if c is cls), None)
        if letter is None:
            letter = chr(ord("A") + len(letters))
            letters.append((cls, letter))
        way.group = letter
        del way._cls  # type: ignore[attr-defined]


def _differing(ways: list[Way]) -> list[str]:
    keys: list[str] = []
    for way in ways:
        keys += [k for k in way.defaults if k not in keys]
    out = []
    for key in keys:
        values = {repr(w.defaults.get(key, "—")) for w in ways if w.defaults}
        if len(values) > 1:
            out.append(key)
    return out


def collect(names: list[str] | None = None, in_kernel: bool = True) -> OptimizerReport:
    """Measure in this process; ``in_kernel`` limits it to Keras modules already imported."""
    reached = [_reach(ns, in_kernel) for ns in NAMESPACES]
    namespaces = [ns for ns, _ in reached]
    modules = [(ns.name, m) for ns, m in reached if m is not None]
    measured_in = "kernel" if in_kernel else "subprocess"
    if not modules:
        installed = [n for n in namespaces if "not installed" not in n.note]
        note = (
            "Keras is not installed in this interpreter: tensorflow, keras and tf-keras are all missing."
            if not installed
            else "No Keras module is usable here: "
            + "; ".join(f"{n.name}: {n.note}" for n in namespaces)
        )
        return OptimizerReport(namespaces, [], measured_in, note=note)
    catalogue: dict[str, str] = {}
    problems: list[str] = []
    for ns, module in modules:
        try:
            for low, cls_name in _optimizer_classes(module).items():
                catalogue.setdefault(low, cls_name)
        except Exception as exc:
            problems.append(f"could not list {ns}.optimizers: {type(exc).__name__}: {exc}")
    wanted = [n.lower() for n in names] if names else sorted(catalogue)
    results = []
    with _contained([m for _, m in modules]) as handler:
        facts = _ClassFacts(handler)
        for name in wanted:
            class_name = catalogue.get(name, name[:1].upper() + name[1:])
            ways = [
                _resolve_way(route, prefix, ns, module, name, class_name, facts)
                for ns, module in modules
                for route, prefix in _way_routes(ns, module)
            ]
            _group(ways)
            results.append(OptimizerResolution(name, class_name, ways, _differing(ways)))
    return OptimizerReport(namespaces, results, measured_in, problems=problems)


def collect_as_dict(names: list[str] | None = None) -> dict[str, Any]:
    """Subprocess entry point of :func:`resolve_optimizers` (imports every installed Keras)."""
    return collect(names, in_kernel=False).to_dict()


def resolve_optimizers(names: list[str] | None = None, probe: bool = False) -> OptimizerReport:
    """How each optimizer name resolves here; ``probe`` measures a fresh import in a subprocess.

    Without ``probe`` only the Keras modules already imported in this process are used; when
    none is, the report says so and that ``--probe`` measures (nothing is started unasked)."""
    if not probe:
        report = collect(names, in_kernel=True)
        usable = any(ns.available for ns in report.namespaces)
        installed = any("not installed" not in ns.note for ns in report.namespaces)
        if not usable and installed:
            report.note = (
                "No Keras is in use in this kernel yet (not imported, or its runtime not "
                "started), and measuring here would import it: nothing was measured. "
                "`--probe` measures a fresh import in a separate process of this interpreter."
            )
        return report
    first_note = "Measured in a fresh subprocess of this interpreter (--probe)."
    from kerasmagic.probes.subprocess_probe import ProbeFailed, run_probe

    try:
        data = run_probe("kerasmagic.probes.optimizers", "collect_as_dict", kwargs={"names": names})
    except ProbeFailed as exc:
        report = collect(names, in_kernel=True)
        report.problems.append(f"{exc}\n{exc.stderr}".strip())
        return report
    report = OptimizerReport.from_dict(data)
    report.note = " ".join(p for p in (first_note, report.note) if p)
    return report


def env_section(names: list[str] | None = None, probe: bool = False) -> OptimizerReport:
    """The optimizer part of ``%keras_env``: ``names`` (default ``adam``) as resolved by the Keras
    modules already in use here; never a subprocess unless ``probe`` (then a fresh import)."""
    names = names or ["adam"]
    return resolve_optimizers(names, probe=True) if probe else collect(names, in_kernel=True)


def model_optimizer(model: Any, variable: str = "model") -> ModelOptimizer:
    """Read (never build or change) the optimizer ``model`` carries."""
    cls = type(model)
    kind, version = _keras_of_class(cls)
    out = ModelOptimizer(
        variable, f"{cls.__module__}.{cls.__qualname__}", kind, version, compiled=False
    )
    if not hasattr(model, "compile"):
        out.note = f"{variable} is a {cls.__qualname__}, not a Keras model: it has no optimizer"
        return out
    opt = getattr(model, "optimizer", None)
    if opt is None:
        out.note = f"{variable} is not compiled: it carries no optimizer yet"
        return out
    ocls = type(opt)
    out.compiled = True
    out.class_path = f"{ocls.__module__}.{ocls.__qualname__}"
    out.class_name = ocls.__name__
    out.keras, out.keras_version = _keras_of_class(ocls)
    try:
        out.config = _jsonable(dict(opt.get_config()))
    except Exception as exc:
        out.note = f"get_config() failed: {type(exc).__name__}: {exc}"
    if kind and out.keras:
        out.same_keras = (kind, version) == (out.keras, out.keras_version)
    return out
