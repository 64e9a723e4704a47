"""What the trap rules share: reading the namespace after a run, the cell's env-var settings,
the captured warnings, and the one way a trap becomes a problem (``trap_problem``)."""

from __future__ import annotations

import ast
import math
import os
import re
import sys
import types
from collections.abc import Mapping
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import Edit, node_text
from kerasmagic.knowledge.catalogue import Entry, fill
from kerasmagic.knowledge.installs import code_for, fix_for
from kerasmagic.probes.which_keras import (
    DISTRIBUTION,
    KERAS_TYPE_PREFIXES,
    kind_of_module,
    kind_of_path,
    object_module,
    version_of,
)

PUBLIC_SUBMODULES = {
    "layers", "models", "optimizers", "losses", "metrics", "callbacks", "activations",
    "initializers", "regularizers", "constraints", "backend", "utils", "preprocessing",
    "applications", "datasets", "mixed_precision",
}  # fmt: skip


def trap_namespace(ctx: CellContext) -> Mapping[str, Any] | None:
    """The namespace the cell left, when it ran (None before a run: lint)."""
    return ctx.namespace if ctx.ran and isinstance(ctx.namespace, Mapping) else None


def said(ctx: CellContext, entry: Entry) -> bool:
    """Did the cell emit one of the entry's warning / log messages?"""
    patterns = entry.data.get("messages", [])
    return any(re.search(p, m) for p in patterns for m in ctx.captured_texts)


def applies_to_kind(entry: Entry, kind: str | None, versions: Mapping[str, str]) -> bool:
    """Does the trap apply to objects of this implementation at its installed version?"""
    if kind is None or not entry.applies_to(versions):
        return False
    spec = entry.data.get("implementations", {}).get(DISTRIBUTION.get(kind, ""))
    version = version_of(kind, versions)
    if not spec or not version:
        return False
    try:
        return SpecifierSet(spec).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False


def trap_problem(
    ctx: CellContext,
    entry: Entry,
    fields: Mapping[str, Any],
    *,
    edits: list[Edit | None] | None = None,
    **kw: Any,
) -> Problem:
    """A trap of catalogue ``entry``, worded with ``fields``; ``edits`` (all or nothing) make
    its corrected cell, verified by the engine like every other fix."""
    values = {**ctx.versions, **fields}
    wanted = list(edits or [])
    certain = bool(wanted) and all(e is not None for e in wanted)
    return Problem(
        id=entry.id,
        line=kw.pop("line", 1),
        title=fill(entry.title, values) or entry.id,
        cause=fill(entry.cause, values),
        fix=kw.pop("fix", None) or fix_for(entry, lambda text: fill(text, values)),
        fix_code=kw.pop("fix_code", code_for(entry, lambda text: fill(text, values))),
        edits=[e for e in wanted if e is not None] if certain else [],
        certain=certain,
        references=[entry.source],
        kind="trap",
        severity=kw.pop("severity", entry.severity),
        **kw,
    )


def call_kind(ctx: CellContext, resolved: str, obj: Any) -> tuple[str | None, bool]:
    """(implementation, legacy optimizer?) of the optimizer a call builds."""
    if obj is not None:
        module = type(obj).__module__
        return kind_of_module(module, ctx.versions), is_legacy_optimizer(module)
    if not is_optimizer_path(resolved):
        return None, False
    return kind_of_path(resolved, ctx.versions), is_legacy_optimizer(resolved)


def object_for(ctx: CellContext, call: ast.Call) -> Any:
    """The Keras object a call's result was bound to, after the run."""
    target = ctx.facts.targets.get(id(call))
    ns = trap_namespace(ctx)
    if ns is None or not target:
        return None
    obj = lookup(ns, target)
    module = type(obj).__module__ if obj is not None else ""
    if not (isinstance(module, str) and module.startswith(KERAS_TYPE_PREFIXES)):
        return None
    return obj


def set_in_cell(ctx: CellContext, var: str) -> tuple[bool, int | None, str | None]:
    """(set?, line, value) of an environment variable the cell sets (or changed while running)."""
    sets = [(line, value) for name, line, value in ctx.facts.env_sets if name == var]
    if sets:
        return True, sets[0][0], sets[-1][1]
    before = getattr(getattr(ctx.captured, "before", None), "env", None) or {}
    if ctx.ran and var in before and before.get(var) != os.environ.get(var):
        return True, None, os.environ.get(var)
    return False, None, None


def first_line(
    ctx: CellContext, prefixes: tuple[str, ...], *, imports_only: bool = False
) -> int | None:
    """The first line importing (or using) a module under one of ``prefixes``."""
    lines = []
    for node, module in ctx.facts.imports:
        if module.startswith(prefixes) or any(module == p.rstrip(".") for p in prefixes):
            lines.append(node.lineno)
    if not imports_only:
        for node, _, resolved in ctx.facts.paths:
            if resolved.startswith(prefixes):
                lines.append(node.lineno)
    return min(lines) if lines else None


def text_of(ctx: CellContext, node: ast.AST) -> str | None:
    try:
        return node_text(ctx.cell, node)
    except Exception:
        return None


def literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except Exception:
        return None


def is_optimizer_path(resolved: str) -> bool:
    return ".optimizers." in resolved or ".optimizer_v2." in resolved


def is_legacy_optimizer(module_or_path: str) -> bool:
    return ".legacy." in module_or_path or ".optimizer_v2." in module_or_path


def lookup(namespace: Mapping[str, Any], target: str) -> Any:
    """The object ``name`` or ``name.attr`` refers to in the namespace (plain attribute reads)."""
    head, _, attr = target.partition(".")
    obj = namespace.get(head) if isinstance(namespace, Mapping) else None
    if obj is None or not attr:
        return obj
    try:
        return getattr(obj, attr, None)
    except Exception:
        return None


def as_float(value: Any) -> float | None:
    try:
        out = float(value)
    except Exception:
        return None
    return out if math.isfinite(out) else None


API_ROOTS = ("tensorflow.keras.", "keras.", "tf_keras.", "tensorflow.python.keras.")
API_TOP_NAMES = {"Sequential", "Model", "Input"}


def api_path(resolved: str) -> bool:
    """Does a resolved dotted path name a Keras API object (``keras.layers.Dense``), not just the
    module or its metadata (``keras.__version__``)?"""
    for root in API_ROOTS:
        if resolved.startswith(root):
            rest = resolved[len(root) :].split(".")
            return rest[0] in API_TOP_NAMES or (rest[0] in PUBLIC_SUBMODULES and len(rest) > 1)
    return False


def keras_parts(obj: Any) -> list[Any]:
    """A Keras object and, for a compiled model, its optimizer (cheap attribute reads)."""
    module = object_module(obj)
    if not module or not module.startswith(KERAS_TYPE_PREFIXES):
        return []
    parts = [obj]
    if not isinstance(obj, (type, types.ModuleType)):
        try:
            opt = obj.__dict__.get("optimizer") if hasattr(obj, "__dict__") else None
        except Exception:
            opt = None
        if opt is not None:
            parts.append(opt)
    return parts


def private_keras_on_disk() -> bool:
    """Does ``tensorflow/python/keras`` exist (found without importing TensorFlow)?"""
    import importlib.util

    tf = sys.modules.get("tensorflow")
    try:
        locations = list(getattr(tf, "__path__", None) or [])
        if not locations:
            spec = importlib.util.find_spec("tensorflow")
            locations = list(getattr(spec, "submodule_search_locations", None) or [])
    except (ImportError, ValueError):
        return False
    return any(os.path.isdir(os.path.join(base, "python", "keras")) for base in locations)


def fill_left_out(fix: str, left_out: list[str]) -> str:
    """The fix, saying which metrics the corrected cell could not carry over."""
    names = ", ".join(f"`{n}`" for n in left_out)
    return (
        f"{fix} The file's metrics {names} have no plain name here: add them to `metrics=` by hand."
    )


def checkpoint_generation(path: str) -> str | None:
    """ "legacy" or "new (2.11+)": which optimizer generation wrote a TF checkpoint (its keys)."""
    if path.endswith((".h5", ".hdf5", ".keras")):
        return None
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return None
    try:
        keys = [name for name, _ in tf.train.list_variables(path)]
    except Exception:
        return None
    if any(k.startswith("optimizer/_iterations") or "optimizer/_variables" in k for k in keys):
        return "new (2.11+)"
    if any(k.startswith("optimizer/iter/") for k in keys):
        return "legacy"
    return None
