"""How optimizer names resolve in this interpreter: ``'adam'`` vs ``Adam()`` vs ``legacy.Adam``.

For each optimizer name and each way of asking (``<keras>.optimizers.get(name)``,
``<keras>.optimizers.X``, ``….legacy.X``, ``….experimental.X`` for every Keras present:
``tf.keras``, ``keras``, ``tf_keras``) the class it gives and the Keras it belongs to, or the exact
exception; the constructor defaults (live ``get_config()`` or ``inspect.signature``) and what the
habits ``lr=`` and ``decay=`` do here. Everything is read from the live objects.

``%keras_optimizers`` asks for this kernel's answer: every installed Keras is imported here and the
optimizers are built here, which starts TensorFlow's runtime (or JAX's devices) in this kernel if
it had not started; the report says so in one line, and Keras's config file is left on disk as it
was. ``%keras_env`` starts nothing: it uses only Keras modules already imported, resolved and
running. ``probe=True`` runs the same code in a fresh subprocess of this interpreter. Optimizers are
built on the CPU, never ``build()``-t, and Keras 3's name counters are restored afterwards, so the
user's next ``Adam()`` is still ``adam``.
Each call re-measures the classes and their defaults; what ``lr=``/``decay=`` do is the class's
code and is measured once per class object per process.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from kerasmagic.probes.interpreter import place
from kerasmagic.probes.loaded import attribute
from kerasmagic.probes.optimizer_facts import (
    HABITS,
    ClassFacts,
    error_of,
    jsonable,
    optimizer_classes,
)
from kerasmagic.probes.optimizer_namespaces import (
    NAMESPACES,
    idle_runtime,
    keras_home_kept,
    keras_of_class,
    reach,
)
from kerasmagic.probes.optimizer_report import (
    Habit,
    KerasNamespace,
    ModelOptimizer,
    OptimizerReport,
    OptimizerResolution,
    Way,
)
from kerasmagic.probes.optimizer_session import contained, recording

__all__ = [
    "HABITS",
    "Habit",
    "KerasNamespace",
    "ModelOptimizer",
    "OptimizerReport",
    "OptimizerResolution",
    "Way",
    "collect",
    "collect_as_dict",
    "env_section",
    "model_optimizer",
    "resolve_optimizers",
]


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
    facts: ClassFacts,
) -> Way:
    if route == "get":
        way = Way(f"{prefix}({name!r})", ns, route)
    else:
        way = Way(f"{prefix}.{class_name}()", ns, route)
    cls: type | None = None
    with recording(facts.handler):
        try:
            if route == "get":
                cls = facts.get(module, name)
            else:
                space = module.optimizers
                if route in ("legacy", "experimental"):
                    space = getattr(space, route)
                cls = getattr(space, class_name)
        except Exception as exc:
            way.error_type, way.error = error_of(exc)
            way.failed_at = "lookup" if route != "get" else "call"
    if cls is None:
        return way
    if not isinstance(cls, type):  # `__dict__`, a function: nothing that makes an optimizer
        way.error_type = "TypeError"
        way.error = f"`{way.code}` names a {type(cls).__name__}, not an optimizer class"
        way.failed_at = "lookup"
        return way
    way.class_path = f"{cls.__module__}.{cls.__qualname__}"
    way.keras, way.keras_version = keras_of_class(cls)
    known = facts.measure(cls, module)
    if "error" in known:
        way.error_type, way.error = known["error"]
        way.failed_at = "construct"
        way.defaults, way.defaults_source = dict(known["signature"]), "signature"
    else:
        way.defaults, way.defaults_source = dict(known["config"]), "get_config"
        way.habits = list(known["habits"])  # shared, never changed after measuring
        # identity for grouping, never serialised; a way whose construction fails is an error
        # row, not a class of its own (issue 19, item 5)
        way._cls = cls  # type: ignore[attr-defined]
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
        values = {repr(w.defaults.get(key, "—")) for w in ways if w.defaults and w.ok}
        if len(values) > 1:
            out.append(key)
    return out


# Where to see what %keras_env does not measure (it starts nothing in the kernel), from where
# the user types: IPython, or a terminal (`python -m kerasmagic env`)
HOW_TO_SEE = {
    "this kernel": "To see it: `%keras_optimizers` (builds them in this kernel, starting "
    "TensorFlow's runtime there), or `%keras_optimizers --probe` / `%keras_env --probe`, which "
    "measure in a fresh subprocess of this interpreter.",
    "this Python": "To see it: `python -m kerasmagic optimizers`, or `python -m kerasmagic env "
    "--probe`, which measures in a fresh subprocess of this interpreter.",
}
ROOTS = ("tensorflow", "keras", "tf_keras")


def kernel_state(namespaces: list[KerasNamespace]) -> str:
    """What each Keras is here, in words: ``keras: not imported in this kernel yet``."""
    return "; ".join(f"{n.name}: {n.note}" for n in namespaces if not n.available)


def collect(
    names: list[str] | None = None, in_kernel: bool = True, start: bool = False
) -> OptimizerReport:
    """Measure in this process; ``in_kernel`` limits it to Keras modules already imported and
    running, unless ``start``: then every installed Keras is imported and built with here, and the
    report's note says what that imported and started in this kernel."""
    before = {r for r in ROOTS if r in sys.modules}
    with keras_home_kept():
        report, started = _collect(names, in_kernel, start)
    if start and report.optimizers:
        report.note = built_here_note(before, started)
    return report


def built_here_note(before: set[str], started: list[str]) -> str:
    """The one line saying that the optimizers were built in this kernel, and what that did."""
    imported = [r for r in ROOTS if r in sys.modules and r not in before]
    did = []
    if imported:
        did.append("imported " + ", ".join(imported))
    did += [f"started {what}" for what in started]
    done = f" (kerasmagic {' and '.join(did)} here)" if did else ""
    return (
        f"Built in this kernel, as you asked{done}; `--probe` measures a fresh import in a "
        "subprocess instead."
    )


def _collect(
    names: list[str] | None, in_kernel: bool, start: bool
) -> tuple[OptimizerReport, list[str]]:
    """The report, and the runtimes that building its optimizers started here."""
    reached = [reach(ns, in_kernel, start) for ns in NAMESPACES]
    namespaces = [ns for ns, _ in reached]
    modules = [(ns.name, m) for ns, m in reached if m is not None]
    measured_in = "kernel" if in_kernel else "subprocess"
    if not modules:
        installed = [n for n in namespaces if "not installed" not in n.note]
        if not installed:
            note = "Keras is not installed in this interpreter: tensorflow, keras and tf-keras are all missing."
        elif start:
            note = (
                f"No Keras could be used in this kernel ({kernel_state(namespaces)}); `--probe` "
                "measures a fresh import in a subprocess."
            )
        else:
            here = place()
            note = f"Not measured in {here} yet ({kernel_state(namespaces)}). {HOW_TO_SEE[here]}"
        return OptimizerReport(namespaces, [], measured_in, note=note), []
    catalogue: dict[str, str] = {}
    problems: list[str] = []
    for ns, module in modules:
        try:
            for low, cls_name in optimizer_classes(module).items():
                catalogue.setdefault(low, cls_name)
        except Exception as exc:
            problems.append(f"could not list {ns}.optimizers: {type(exc).__name__}: {exc}")
    wanted = [n.lower() for n in names] if names else sorted(catalogue)
    idle = {
        what
        for ns, module in reached
        if module is not None and ns.keras
        for what in [idle_runtime(module, ns.keras)]
        if what
    }
    results = []
    with contained([m for _, m in modules]) as handler:
        facts = ClassFacts(handler)
        for name in wanted:
            class_name = catalogue.get(name, name[:1].upper() + name[1:])
            ways = [
                _resolve_way(route, prefix, ns, module, name, class_name, facts)
                for ns, module in modules
                for route, prefix in _way_routes(ns, module)
            ]
            _group(ways)
            results.append(OptimizerResolution(name, class_name, ways, _differing(ways)))
    report = OptimizerReport(
        namespaces, results, measured_in, problems=problems, known=sorted(catalogue)
    )
    still = {idle_runtime(m, ns.keras) for ns, m in reached if m is not None and ns.keras}
    return report, sorted(what for what in idle if what not in still)


def collect_as_dict(names: list[str] | None = None) -> dict[str, Any]:
    """Subprocess entry point of :func:`resolve_optimizers` (imports every installed Keras)."""
    return collect(names, in_kernel=False).to_dict()


def resolve_optimizers(names: list[str] | None = None, probe: bool = False) -> OptimizerReport:
    """How each optimizer name resolves here; ``probe`` measures a fresh import in a subprocess.

    Without ``probe`` the answer is this kernel's: every installed Keras is imported and the
    optimizers built here (starting TensorFlow's runtime if it had not started), said in the
    report's note."""
    if not probe:
        return collect(names, in_kernel=True, start=True)
    first_note = "Measured in a fresh subprocess of this interpreter (--probe)."
    from kerasmagic.probes.subprocess_probe import ProbeFailed, run_probe, timeout_setting

    timeout_note = timeout_setting()[1]
    try:
        data = run_probe("kerasmagic.probes.optimizers", "collect_as_dict", kwargs={"names": names})
    except ProbeFailed as exc:
        report = collect(names, in_kernel=True)
        report.problems.append(f"{exc}\n{exc.stderr}".strip())
        report.note = " ".join(p for p in (report.note, timeout_note) if p)
        return report
    report = OptimizerReport.from_dict(data)
    report.note = " ".join(p for p in (first_note, report.note, timeout_note) if p)
    return report


def env_section(names: list[str] | None = None, probe: bool = False) -> OptimizerReport:
    """The optimizer part of ``%keras_env``: ``names`` (default ``adam``) as resolved by the Keras
    modules already in use here; never a subprocess unless ``probe`` (then a fresh import)."""
    names = names or ["adam"]
    return resolve_optimizers(names, probe=True) if probe else collect(names, in_kernel=True)


def _class_path(cls: type) -> str:
    return f"{attribute(cls, '__module__', '?')}.{attribute(cls, '__qualname__', '?')}"


def _said(exc: BaseException) -> str:
    """``Type: message`` of an exception whose ``str()`` may itself raise."""
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:
        return type(exc).__name__


def model_optimizer(model: Any, variable: str = "model") -> ModelOptimizer:
    """Read (never build or change) the optimizer ``model`` carries. Whatever the object's
    attributes raise is said in the note: the user's object is examined, never trusted."""
    cls = type(model)
    kind, version = keras_of_class(cls)
    out = ModelOptimizer(variable, _class_path(cls), kind, version, compiled=False)
    try:
        is_model = hasattr(model, "compile")
        opt = getattr(model, "optimizer", None) if is_model else None
    except Exception as exc:
        out.note = f"reading {variable} raised {_said(exc)}"
        return out
    if not is_model:
        out.note = f"{variable} is a {cls.__qualname__}, not a Keras model: it has no optimizer"
        return out
    if opt is None:
        out.note = f"{variable} is not compiled: it carries no optimizer yet"
        return out
    ocls = type(opt)
    out.compiled = True
    out.class_path = _class_path(ocls)
    out.class_name = ocls.__name__
    out.keras, out.keras_version = keras_of_class(ocls)
    try:
        out.config = jsonable(dict(opt.get_config()))
    except Exception as exc:
        out.note = f"get_config() failed: {_said(exc)}"
    if kind and out.keras:
        out.same_keras = (kind, version) == (out.keras, out.keras_version)
    return out
