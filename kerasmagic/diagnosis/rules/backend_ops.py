"""Static rule: ``K.mean(x)``, ``K.int_shape(x)``… on the backend module of Keras 3, which no
longer has the Keras 2 backend functions.

Two ways, both checked against the live API here:

* a curated replacement (``backend-replace`` entries of the catalogue: ``K.int_shape(x)`` →
  ``tuple(x.shape)``, ``K.get_value(v)`` → ``keras.ops.convert_to_numpy(v)``, and the functions
  whose same-named op computes something else), filled by ``knowledge.call_template``;
* else the Keras 3 function that computes it (the generated map's ``ops`` target when the map is
  shipped, else ``keras.ops.<name>``): the call's arguments are bound to the Keras 2 signature
  (read from Keras 3's own legacy copy of the backend), renamed where the map says so, written as
  keywords where the positions differ, and every Keras 2 default the Keras 3 function does not
  share is written out (``K.concatenate([a, b])`` → ``keras.ops.concatenate([a, b], axis=-1)``).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.bindings import rename_keyword_edit
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import (
    backend_module,
    call_sources,
    generated_home,
    generated_keywords,
    inside_function,
    keras3_here,
    keras_root,
    legacy_signature,
    literal_default,
    signature,
)
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    closing_insert_edit,
    insertion_line,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import Entry, entries_with_rule, find_entry
from kerasmagic.probes.keras_setup import keras_backend

ENTRY = "keras3-backend-ops"
KERAS1_KEYWORDS = "keras1-backend-keyword-renamed"
LEGACY_FAILED = "keras3-legacy-backend-failed"
# Keras 2 functions whose `x` is a list of tensors (concatenate: `tensors`)
LISTS_BY_DESIGN = ("stack",)
_PACKAGE_PATH = re.compile(r"(?<![\w.])keras\.")  # ``keras.ops`` but not ``tf.keras.ops``


def _curated(name: str) -> Entry | None:
    for entry in entries_with_rule("backend-replace"):
        if name in entry.data.get("replace", {}) and name not in entry.data.get("unsafe", []):
            return entry
    return None


def _curated_problem(
    ctx: CellContext, call: ast.Call, name: str, entry: Entry, as_id: str | None = None
) -> Problem | None:
    """The curated Keras 3 code of ``entry`` for ``call`` (reported as ``as_id`` if given)."""
    from kerasmagic.knowledge.call_template import render_call

    sources = call_sources(ctx, call)
    if sources is None:
        return None
    template = entry.data["replace"][name]
    try:
        text = render_call(template, entry.data["params"][name], *sources)
    except (ValueError, SyntaxError, KeyError):
        return None
    root = keras_root(ctx) if "keras." in (text or "") else ("", [])
    around = _around_argument(ctx, call, text, sources[0]) if text else None
    edit = node_edit(ctx.cell, call, text) if text and around is None else None
    if (edit is None and around is None) or root is None:
        return None
    edits = [*_rooted(around or [edit], root[0]), *root[1]]
    return from_entry(
        as_id or entry.id,
        call.lineno,
        edits,
        [name],
        ctx.shown_versions,
        name=name,
        replacement=text,
        keras=ctx.versions.get("keras", "3"),
    )


def _rooted(edits: list[Edit], name: str) -> list[Edit]:
    """The edits' ``keras.`` paths written through ``name``, the name the cell binds the
    package to (``import keras as ks``: ``ks.ops.sum``)."""
    if name in ("", "keras"):
        return edits
    return [dataclasses.replace(e, text=_PACKAGE_PATH.sub(name + ".", e.text)) for e in edits]


def _string_dtype_fails() -> list[str]:
    entry = find_entry(LEGACY_FAILED)
    return list(entry.data.get("string_dtype_fails", [])) if entry is not None else []


def _string_dtype(ctx: CellContext, call: ast.Call) -> bool:
    """The call's first argument, read from the namespace (names and attributes only, an
    attribute Keras 3 renamed read under its new name: ``opt.lr`` as ``opt.learning_rate``), has a
    string ``dtype``: a Keras 3 variable."""
    node = call.args[0] if call.args else None
    chain: list[str] = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in ctx.live_names:
        return False
    value: Any = ctx.live_names[node.id]
    renames = {
        old: new for e in entries_with_rule("attribute-rename") for old, new in e.data.get("renames", {}).items()
    }  # fmt: skip
    for attr in reversed(chain):
        try:
            found = getattr(value, attr, _MISSING)
            if found is _MISSING and attr in renames:
                found = getattr(value, renames[attr], _MISSING)
        except Exception:
            return False
        if found is _MISSING:
            return False
        value = found
    try:
        return isinstance(getattr(value, "dtype", None), str)
    except Exception:
        return False


_MISSING = object()


def _around_argument(ctx: CellContext, call: ast.Call, text: str, args: list[str]) -> list[Edit] | None:  # fmt: skip
    """``text`` as two edits around the call's first argument, left as it is, when ``text`` holds
    that argument's source once (``K.set_value(opt.lr, v)`` → ``opt.lr.assign(v)``): another
    rule's edit inside the argument (``lr`` → ``learning_rate``) then applies too."""
    if not call.args or not args or text.count(args[0]) != 1:
        return None
    whole, inner = node_edit(ctx.cell, call, ""), node_edit(ctx.cell, call.args[0], "")
    if whole is None or inner is None:
        return None
    before, after = text.split(args[0])
    return [
        Edit(whole.line, whole.col, inner.line, inner.col, before),
        Edit(inner.end_line, inner.end_col, whole.end_line, whole.end_col, after),
    ]


def _target(name: str) -> tuple[str, object] | None:
    """The Keras 3 function computing backend function ``name``: the generated map's ``ops``
    target, else ``keras.ops.<name>``; only one that resolves here."""
    home = generated_home(f"keras.backend.{name}")
    if home is not None and home.kind != "ops":
        return None  # the map knows it has no same-meaning op
    path = home.target if home is not None and home.target else f"keras.ops.{name}"
    status, func = live.resolve_path(path)
    return (path, func) if status == live.OK and callable(func) else None


def _keras2_keyword(old: inspect.Signature, keyword: str) -> str:
    """Keras 2's name of a keyword the backend function took in Keras 1 (``std`` of
    ``random_normal`` is ``stddev``), where Keras 2's signature has that name and not the old."""
    entry = find_entry(KERAS1_KEYWORDS)
    new = entry.data.get("renames", {}).get(keyword) if entry is not None else None
    if keyword in old.parameters or new not in old.parameters:
        return keyword
    return new


def _ops_edits(ctx: CellContext, call: ast.Call, name: str, func: object) -> list[Edit] | None:
    """Edits turning ``K.name(...)`` into a call of ``func`` with the same meaning, or None."""
    old, new = legacy_signature(name), signature(func)
    if old is None or new is None:
        return None
    renames = generated_keywords(f"keras.backend.{name}").get("kw", {})
    keywords = {_keras2_keyword(old, k.arg): k for k in call.keywords if k.arg}
    try:
        bound = old.bind(*call.args, **keywords)
    except TypeError:
        return None
    positional = [
        p.name
        for p in new.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    edits: list[Edit] = []
    extra: list[str] = []
    as_keywords = False
    for index, param in enumerate(old.parameters.values()):
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            return None
        target = renames.get(param.name, param.name)
        wanted = new.parameters.get(target) if target else None
        if param.name not in bound.arguments:
            if wanted is None:
                continue  # Keras 3 has no such option: its Keras 2 default was the only one
            if wanted.default is not inspect.Parameter.empty and wanted.default == param.default:
                continue
            default = literal_default(param.default)
            if default is None or wanted.kind is wanted.POSITIONAL_ONLY:
                return None
            extra.append(f"{target}={default}")
            continue
        if wanted is None:
            return None  # an argument Keras 3's function cannot take
        value = bound.arguments[param.name]
        if isinstance(value, ast.keyword):
            if target != value.arg:  # Keras 3's name, or Keras 2's for a Keras 1 spelling
                edit = rename_keyword_edit(ctx.cell, value, target)
                if edit is None:
                    return None
                edits.append(edit)
            continue
        if not as_keywords and index < len(positional) and positional[index] == target:
            continue
        as_keywords = True
        if wanted.kind is wanted.POSITIONAL_ONLY:
            return None
        start = node_edit(ctx.cell, value, "")
        if start is None:
            return None
        edits.append(Edit(start.line, start.col, start.line, start.col, f"{target}="))
    if extra:
        closing = closing_insert_edit(ctx.cell, call, ", ".join(extra))
        if closing is None:
            return None
        edits.append(closing)
    first = next(iter(old.parameters), None)
    packed = call.args[0] if call.args and first == "x" and name not in LISTS_BY_DESIGN else None
    if isinstance(packed, ast.List | ast.Tuple) and not all(
        isinstance(e, ast.Constant) for e in packed.elts
    ):  # TensorFlow stacked a list of tensors given as one tensor; Keras 3's ops take a tensor
        text = node_text(ctx.cell, packed)
        edit = node_edit(ctx.cell, packed, f"keras.ops.stack({text})") if text else None
        if edit is None:
            return None
        edits.append(edit)
    return edits


@rule(ENTRY, when=(STATIC,), family="backend", needs=r"\(")
def backend_functions(ctx: CellContext) -> list[Problem]:
    """``K.f(...)`` where ``K`` is Keras 3's backend module and has no ``f``: the curated Keras 3
    code, or the Keras 3 function of the same meaning with the arguments it needs."""
    tree = ctx.cell.tree
    if tree is None or not any(p.split(".")[0] == "keras" for p in ctx.scope.bindings.values()):
        return []
    if not keras3_here():
        return []
    from kerasmagic.diagnosis.rules.keras1_layer_weights import weight_calls
    from kerasmagic.diagnosis.rules.keras3_gradients import handled_lines

    gradients = handled_lines(ctx)  # `g = K.gradients(…)` that keras3_gradients rewrites
    weights = {id(found[0]) for found in weight_calls(ctx)}  # `self.b = K.zeros(…)`: a weight
    found: dict[str, Problem] = {}
    for call in walk(tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not isinstance(func, ast.Attribute) or call.lineno in gradients or id(call) in weights:
            continue
        module = backend_module(ctx, func.value)
        name = func.attr
        if module is None or hasattr(module, name) or name.startswith("_"):
            continue
        entry = _curated(name)
        if entry is not None:
            problem = _curated_problem(ctx, call, name, entry)
        else:
            problem = _ops_problem(ctx, call, name) or _tf_keras_problem(ctx, call, name)
        if problem is None:
            continue  # no certain rewrite of this call: the others are still fixed
        if _unseeded_random_traced(ctx, call, problem):
            problem.certain = False
            problem.cause += (
                f" On the {keras_backend()} backend a random op in a function Keras traces (a "
                "`Lambda`, a layer's `call`) needs a `keras.random.SeedGenerator` attached to a "
                "layer, passed as `seed=`: an unseeded one fails when the model is traced (rewrite "
                "the function as a layer holding `self.seed_generator`)."
            )
        if name in found:
            found[name].edits.extend(problem.edits)
        else:
            found[name] = problem
    return list(found.values())


def _unseeded_random_traced(ctx: CellContext, call: ast.Call, problem: Problem) -> bool:
    """Does the rewrite call a ``keras.random`` op without a seed, inside a function of the
    cell, on JAX (which refuses unseeded random ops while tracing)?"""
    if not any("keras.random." in e.text for e in problem.edits):
        return False
    if any(k.arg == "seed" for k in call.keywords) or keras_backend() != "jax":
        return False
    return ctx.cell.tree is not None and inside_function(ctx.cell.tree, call)


def _ops_problem(ctx: CellContext, call: ast.Call, name: str) -> Problem | None:
    target = _target(name)
    root = keras_root(ctx)
    if target is None or root is None or legacy_signature(name) is None:
        return None
    path, func = target
    head = node_edit(ctx.cell, call.func, path)
    edits = _ops_edits(ctx, call, name, func)
    if head is None or edits is None:
        return None
    return from_entry(
        ENTRY,
        call.lineno,
        [*_rooted([head, *edits], root[0]), *root[1]],
        [name],
        ctx.shown_versions,
        name=name,
        new=path,
        keras=ctx.versions.get("keras", "3"),
    )


TF_KERAS_BACKEND = "keras3-backend-tf-keras"


def _tf_keras_problem(ctx: CellContext, call: ast.Call, name: str) -> Problem | None:
    """``K.ctc_batch_cost(...)`` with no Keras 3 op of the same meaning: TensorFlow's
    ``tf.keras.backend`` still has it (the generated map says so, read from real installs), on
    the TensorFlow backend with TensorFlow installed."""
    home = generated_home(f"keras.backend.{name}")
    if home is None or not getattr(home, "tf_keras", False) or keras_backend() != "tensorflow":
        return None
    if not live.top_exists("tensorflow"):
        return None
    path = f"tensorflow.keras.backend.{name}"
    expr = ctx.scope.expr_for(path)
    extra: list[Edit] = []
    if expr is None:
        if (
            "tf" in ctx.scope.user_bound
            or ctx.scope.bindings.get("tf", "tensorflow") != "tensorflow"
        ):
            return None
        at = insertion_line(ctx.cell)
        extra.append(Edit(at, 0, at, 0, "import tensorflow as tf\n"))
        expr = f"tf.keras.backend.{name}"
    head = node_edit(ctx.cell, call.func, expr)
    if head is None:
        return None
    return from_entry(
        TF_KERAS_BACKEND,
        call.lineno,
        [head, *extra],
        [name],
        ctx.shown_versions,
        name=name,
        new=expr,
        keras=ctx.versions.get("keras", "3"),
    )
