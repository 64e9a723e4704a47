"""Trap rules on what a cell imports: TensorFlow's private ``tensorflow.python.keras``, Keras 3's
legacy shims reached through ``tf.keras``, and objects of two Keras implementations in one cell."""

from __future__ import annotations

import sys
import types
from typing import Any

from kerasmagic.diagnosis.context import AFTER_RUN, STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import node_edit
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.trap_support import (
    PUBLIC_SUBMODULES,
    api_path,
    applies_to_kind,
    keras_parts,
    private_keras_on_disk,
    text_of,
    trap_namespace,
    trap_problem,
)
from kerasmagic.knowledge.catalogue import entry as catalogue_entry
from kerasmagic.probes.which_keras import (
    DISTRIBUTION,
    KIND_NAMES,
    kind_of_module,
    kind_of_path,
    object_module,
    tf_keras_kind,
)


@rule(
    "private-tf-python-keras-import",
    when=(STATIC, AFTER_RUN),
    family="mixed-keras",
    needs=r"keras",
    kind="trap",
)
def private_imports(ctx: CellContext) -> list[Problem]:
    """Imports from the private `tensorflow.python.keras`."""
    out: list[Problem] = []
    entry = catalogue_entry("private-tf-python-keras-import")
    prefix = entry.data["private_prefix"]
    public = entry.data["public_prefix"]
    nodes, edits, certain = private_import_edits(ctx, prefix, public)
    if not nodes or not applies_to_kind(entry, "tf_private", ctx.versions):
        return out
    if not ctx.ran and not private_keras_on_disk():
        return out
    first = nodes[0][1]
    out.append(
        trap_problem(
            ctx,
            entry,
            {
                "module": first,
                "tf_keras": KIND_NAMES.get(tf_keras_kind(ctx.versions) or "", "tf.keras"),
                "fixed_import": first.replace(prefix, public),
            },
            fix_code=first.replace(prefix, public),
            edits=edits if certain else [],
            line=nodes[0][0].lineno,
            confidence=0.9,
            verify="In the corrected cell, `type(obj).__module__` of every layer/optimizer "
            "starts with `keras` or `tf_keras`, never `tensorflow.python.keras`.",
        )
    )
    return out


def private_import_edits(ctx: CellContext, prefix: str, public: str) -> tuple[list, list, bool]:
    """``(nodes, edits, certain)``: the cell's imports and written paths of the private package
    ``prefix`` (``from tensorflow.python import keras`` too: the package itself as a name), each
    rewritten to the public one."""
    nodes = [(n, m) for n, m in ctx.facts.imports if m.startswith(prefix)]
    parent, _, last = prefix.rpartition(".")
    nodes += [
        (n, prefix)
        for n, m in ctx.facts.imports
        if m == parent and all(a.name == last for a in getattr(n, "names", []))
    ]
    nodes += [  # written paths (`tf.python.keras.X`), not names imported from it
        (n, r)
        for n, text, r in ctx.facts.paths
        if ".python.keras" in text and (r.startswith(prefix + ".") or r == prefix)
    ]
    edits = []
    certain = True
    for node, module in nodes:
        rest = module[len(prefix) :].lstrip(".")
        if rest and rest.split(".")[0] not in PUBLIC_SUBMODULES:
            certain = False
        original = text_of(ctx, node)
        written = parent if getattr(node, "module", None) == parent else prefix
        if original is None or written not in original:
            certain = False
            continue
        instead = public.rpartition(".")[0] if written == parent else public
        edits.append(node_edit(ctx.cell, node, original.replace(written, instead, 1)))
    return nodes, edits, certain


@rule(
    "keras3-legacy-shim",
    when=(STATIC, AFTER_RUN),
    family="legacy-optimizers",
    needs=r"keras",
    kind="trap",
)
def legacy_shims(ctx: CellContext) -> list[Problem]:
    """Keras 3's legacy shims reached through `tf.keras`."""
    out: list[Problem] = []
    entry = catalogue_entry("keras3-legacy-shim")
    # the versions are read only once the cell names a shim (ctx.versions: once per context)
    prefix = entry.data["module_prefix"]
    replacements = entry.data.get("replacements", {})
    seen: set[str] = set()
    for _node, text, resolved in ctx.facts.paths:
        if not resolved.startswith("tensorflow.keras."):
            continue
        name = resolved.rsplit(".", 1)[-1]
        sub = resolved[len("tensorflow.keras.") :].rsplit(".", 1)[0]
        if sub not in entry.data["paths"] or name not in replacements or name in seen:
            continue
        if not entry.applies_to(ctx.versions) or tf_keras_kind(ctx.versions) != "keras3":
            return out
        module = _live_module(ctx, resolved)
        if module is not None and not module.startswith(prefix):
            continue
        seen.add(name)
        _shim_finding(ctx, out, entry, text, name, replacements[name], sub)
    if ctx.ran and trap_namespace(ctx) is not None:
        for var in ctx.facts.bound:
            obj = trap_namespace(ctx).get(var)
            module = object_module(obj)
            if module and module.startswith(prefix):
                name = obj.__name__ if isinstance(obj, type) else type(obj).__name__
                if name not in seen and name in replacements and entry.applies_to(ctx.versions):
                    seen.add(name)
                    _shim_finding(
                        ctx,
                        out,
                        entry,
                        f"tf.keras.{module.split('.')[-1]}…{name}",
                        name,
                        replacements[name],
                        "preprocessing." + module.rsplit(".", 1)[-1],
                        var=var,
                    )
    return out


def _live_module(ctx: CellContext, resolved: str) -> str | None:
    from kerasmagic.diagnosis.capture import tf_keras_resolved

    if not tf_keras_resolved(sys.modules.get("tensorflow")):
        return None  # resolving it here would decide tf.keras behind the user's back
    try:
        from kerasmagic.diagnosis.live import OK, resolve_path

        status, obj = resolve_path(resolved)
    except Exception:
        return None
    return getattr(obj, "__module__", None) if status == OK else None


def _shim_finding(
    ctx: CellContext,
    out: list[Problem],
    entry: Any,
    path: str,
    name: str,
    replacement: str,
    submodule: str,
    var: str = "",
) -> None:
    out.append(
        trap_problem(
            ctx,
            entry,
            {"path": path, "name": name, "replacement": replacement},
            fix_code=None,
            confidence=1.0 if var else 0.9,
            verify=f"`from keras.{submodule} import {name}` fails here: the "
            "replacement runs under both `keras` and `tf.keras`.",
        )
    )


@rule(
    "mixed-keras-implementations",
    when=(STATIC, AFTER_RUN),
    family="mixed-keras",
    needs=r"keras",
    kind="trap",
)
def mixed(ctx: CellContext) -> list[Problem]:
    """Objects of two Keras implementations in one cell."""
    out: list[Problem] = []
    entry = catalogue_entry("mixed-keras-implementations")
    kinds: dict[str, int] = {}
    for node, _, resolved in ctx.facts.paths:
        if api_path(resolved):
            kind = kind_of_path(resolved, ctx.versions)
            if kind in DISTRIBUTION:
                kinds.setdefault(kind, node.lineno)
    if ctx.ran and trap_namespace(ctx) is not None:
        referenced = {text.split(".")[0] for _, text, _ in ctx.facts.paths}
        for var in sorted(set(ctx.facts.bound) | referenced):
            value = trap_namespace(ctx).get(var)
            if isinstance(value, types.ModuleType):
                continue  # importing a module mixes nothing; using its objects does
            for obj in keras_parts(value):
                kind = kind_of_module(object_module(obj) or "", ctx.versions)
                if kind:
                    kinds.setdefault(kind, ctx.facts.bound.get(var, 0))
    kinds.pop("tf_private", None)  # reported by its own trap
    if len(kinds) < 2 or not all(applies_to_kind(entry, k, ctx.versions) for k in kinds):
        return out
    names = [KIND_NAMES[k] for k in sorted(kinds, key=kinds.get)]
    tf_kind = tf_keras_kind(ctx.versions)
    other = (
        "`tf.keras` is tf_keras " + ctx.versions.get("tf-keras", "")
        if tf_kind == "tf_keras"
        else "`tf_keras` is " + ctx.versions.get("tf-keras", "")
    )
    advice = (
        "with TF_USE_LEGACY_KERAS=1 write `tf.keras.…` (tf_keras) everywhere, or unset it "
        "and use `keras.…` everywhere"
    )
    out.append(
        trap_problem(
            ctx,
            entry,
            {"kinds": " and ".join(names), "other": other, "advice": advice},
            confidence=0.9,
            verify="Every Keras object of the cell has a `type(obj).__module__` starting with "
            "the same package (`keras` or `tf_keras`).",
        )
    )
    return out
