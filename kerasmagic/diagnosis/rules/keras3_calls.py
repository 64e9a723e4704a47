"""Static rules on calls that Keras 3 rejects although Keras 2 took them: keywords that no
longer exist and had no effect (``fit(workers=…)``, ``BatchNormalization(fused=…)``),
``metrics='accuracy'`` (one metric, not a list) and
``model.optimizer.lr`` (``learning_rate``).

Each is checked against the live API here: the live signature lacks the keyword (and the
generated Keras 2 → 3 map, when shipped, lists it as removed), every ``Model`` class the cell can reach is a Keras 3 one."""

from __future__ import annotations

import ast
import inspect

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import (
    base_default_given,
    call_argument,
    enclosing_keras_classes,
    generated_keywords,
    keras2_default_given,
    keras_class_calls,
    models_are_keras3,
    removed_was,
    signature,
)
from kerasmagic.diagnosis.keyword_sites import (
    KeywordSite,
    from_the_dict,
    keyword_sites,
    site_change,
)
from kerasmagic.diagnosis.known_values import known_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    closing_insert_edit,
    node_edit,
    parent_map,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_saving import weights_ending
from kerasmagic.diagnosis.rules.optimizer_attributes import rate_read_edit
from kerasmagic.diagnosis.source_bindings import made_before
from kerasmagic.knowledge.catalogue import find_entry

MODEL_METHODS = ("fit", "evaluate", "predict", "fit_generator", "evaluate_generator")


def _no_effect_keywords(kind: str) -> set[str]:
    entry = find_entry("keras3-removed-keyword")
    return set(entry.data.get(kind, [])) if entry is not None else set()


def _map_says_removed(path: str, keyword: str) -> bool:
    """The generated map (when shipped) lists ``keyword`` as removed from ``path``; without the
    map the catalogue's list stands alone."""
    facts = generated_keywords(path)
    if not facts:
        return True
    return keyword in facts.get("kw", {}) and facts["kw"][keyword] is None


def _explicit(obj: object) -> frozenset[str] | None:
    """The explicit parameters of a callable (a class: its ``__init__`` through the MRO)."""
    names: set[str] = set()
    for klass in getattr(obj, "__mro__", [obj]) if isinstance(obj, type) else [obj]:
        target = klass.__init__ if isinstance(klass, type) else klass
        params = live.parameters(target)
        if params is None:
            return None
        names |= params[0]
    return frozenset(names - {"self"})


def _drop(ctx: CellContext, call: ast.Call, kw: KeywordSite, name: str, alone: bool = False) -> Problem | None:  # fmt: skip
    change = site_change(ctx, call, kw, leave_out=True)
    if change is None:
        return None
    problem = from_entry(
        "keras3-removed-keyword",
        kw.lineno,
        change.edits,
        [kw.arg or "", name],
        ctx.shown_versions,
        keyword=kw.arg,
        callable=name,
        reason=_reason(kw.arg or "", alone),
        keras=ctx.versions.get("keras", "3"),
    )
    from_the_dict(problem, kw, change, name)
    if kw.arg == "save_format" and name == "save_weights":
        weights_ending(ctx, call, problem)
    return problem


def _reason(keyword: str, alone: bool = False) -> str:
    """Why the removed ``keyword`` had no effect (the catalogue's words for it; ``alone``: a
    layer's keyword given without the keywords it worked with)."""
    entry = find_entry("keras3-removed-keyword")
    table = "alone_reasons" if alone else "reasons"
    return str((entry.data.get(table, {}) if entry is not None else {}).get(keyword, ""))


@rule("keras3-removed-keyword", when=(STATIC,), family="keyword-arguments", needs=("=", r"\*\*"))
def removed_keywords(ctx: CellContext) -> list[Problem]:
    """A keyword Keras 3 removed and that had no effect (queue and process options of ``fit``,
    ``fused`` of BatchNormalization): dropped where the live signature does not take it."""
    tree = ctx.cell.tree
    if tree is None or not any(isinstance(n, ast.Call) and n.keywords for n in walk(tree)):
        return []  # (before models_are_keras3, which indexes every Keras namespace here)
    if not models_are_keras3(ctx):
        return []
    layer_words, method_words = _no_effect_keywords("layers"), _no_effect_keywords("methods")
    entry = find_entry("keras3-removed-keyword")
    per_class = entry.data.get("classes", {}) if entry is not None else {}
    alone = entry.data.get("alone", {}) if entry is not None else {}  # no effect without these
    dropped: list[tuple[KeywordSite, ast.Call, str]] = []  # keyword, its call, the callable
    lone: set[int] = set()  # the keywords dropped as given without those they worked with
    defaults: list[Problem | None] = []  # removed keywords given their Keras 2 default
    for call, klass, path in keras_class_calls(ctx):
        explicit = _explicit(klass)
        name = path.rsplit(".", 1)[-1]
        words = layer_words | set(per_class.get(klass.__name__, ()))
        sites = keyword_sites(ctx, call)  # in the call, or keys of a dict it unpacks
        given = {k.arg for k in sites}
        for kw in sites:
            if kw.arg in words and explicit is not None and kw.arg not in explicit:
                if _map_says_removed(f"keras.layers.{name}", kw.arg):
                    dropped.append((kw, call, name))
            elif kw.arg in alone and explicit is not None and kw.arg not in explicit:
                if live.is_layer_class(klass) and not given & set(alone[kw.arg]):
                    dropped.append((kw, call, name))
                    lone.add(id(kw))
            elif kw.arg and explicit is not None and kw.arg not in explicit:
                default = keras2_default_given(path, name, kw) or base_default_given(klass, kw)
                if default is not None:
                    defaults.append(_drop_default(ctx, call, kw, name, default))
                elif (was := removed_was(path, name, kw.arg)) is not None:
                    defaults.append(_behaviour_gone(ctx, kw, name, was))
    for call in walk(tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr in MODEL_METHODS and call.keywords):
            continue
        bound = ctx.scope.callee(func)  # a live model's method: only what a dict gives is left here
        owners = ctx.scope.receiver_classes(func.value) or ctx.scope.model_classes() if bound is None else []
        methods = [getattr(m, func.attr, None) for m in owners] if bound is None else [bound[0]]
        sigs = [signature(m) for m in methods if callable(m)]
        if not sigs or any(s is None for s in sigs):
            continue
        # Keras 3's evaluate(**kwargs) refuses every keyword but its private one ("Arguments
        # not recognized"): a **kwargs method counts only where the generated map says removed
        loose = any(_has_var_kw(s) for s in sigs)  # type: ignore[arg-type]
        if loose and not generated_keywords(f"keras.Model.{func.attr}"):
            continue
        for kw in keyword_sites(ctx, call):
            if kw.arg not in method_words or (bound is not None and not kw.unpacked):
                continue  # (the call's own keyword of a live model: the error rule's, methods.py)
            if any(kw.arg in s.parameters for s in sigs if s is not None):
                continue
            if _map_says_removed(f"keras.Model.{func.attr}", kw.arg) or kw.arg.endswith("_q_size"):
                dropped.append((kw, call, f"Model.{func.attr}"))
    dropped += _member_keywords(ctx, tree, entry.data.get("members", {}) if entry else {})
    dropped.sort(key=lambda d: (d[0].lineno, d[0].keyword.col_offset))  # in the cell's order
    out = [_drop(ctx, call, kw, name, id(kw) in lone) for kw, call, name in dropped] + defaults
    return [p for p in out if p is not None]


def _behaviour_gone(ctx: CellContext, kw: KeywordSite, name: str, was: str) -> Problem:
    """``LSTM(time_major=True)``: a removed keyword given another value than Keras 2's default
    asked for a behaviour Keras 3 does not have; explained, never dropped."""
    value = kw.written or "…"
    return from_entry("keras3-removed-keyword-behaviour", kw.lineno, [], [kw.arg or "", name],
                      ctx.shown_versions, keyword=kw.arg, callable=name, value=value,
                      was=was if was != "?" else "not recorded", keras=ctx.versions.get("keras", "3"))  # fmt: skip


def _drop_default(ctx: CellContext, call: ast.Call, kw: KeywordSite, name: str, value: str) -> Problem | None:  # fmt: skip
    change = site_change(ctx, call, kw, leave_out=True)
    if change is None:
        return None
    problem = from_entry("keras3-removed-default-keyword", kw.lineno, change.edits, [kw.arg or "", name],
                         ctx.shown_versions, keyword=kw.arg, callable=name, value=value,
                         keras=ctx.versions.get("keras", "3"))  # fmt: skip
    return from_the_dict(problem, kw, change, name)


def _member_keywords(
    ctx: CellContext, tree: ast.AST, members: dict[str, list[str]]
) -> list[tuple[KeywordSite, ast.Call, str]]:
    """No-effect keywords of a Keras method (``self.add_loss(loss, inputs=x)`` in a custom layer,
    ``layer.add_loss(…)`` on an object an earlier cell built) that its live signature lacks."""
    if not members:
        return []
    classes = enclosing_keras_classes(ctx, tree)
    out = []
    for call in walk(tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr in members and call.keywords):
            continue
        if isinstance(func.value, ast.Name) and func.value.id == "self":
            owners = classes.get(id(call), [])
        else:  # an object an earlier cell built, else a model of the cell's Keras (`compile`)
            owners = ctx.scope.receiver_classes(func.value) or ctx.scope.model_classes()
        method = next((getattr(o, func.attr) for o in owners if hasattr(o, func.attr)), None)
        sig = signature(method) if callable(method) else None
        if sig is None or _has_var_kw(sig):
            continue
        for kw in keyword_sites(ctx, call):
            if kw.arg in members[func.attr] and kw.arg not in sig.parameters:
                out.append((kw, call, func.attr))
    return out


def _has_var_kw(sig: inspect.Signature) -> bool:
    return any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())


def _single_metric(ctx: CellContext, value: ast.expr) -> bool:
    """A ``metrics=`` value that is certainly one metric: a string, a call of a Keras metric
    class, or a Keras metric class/function named directly, or a name the cell bound to such a
    call before (``acc = SparseCategoricalAccuracy()``), else holding a Keras metric here."""
    known = known_value(ctx, value)  # written there, or a name holding it
    if isinstance(value, ast.Constant) or isinstance(known, str):
        return isinstance(known, str)
    if isinstance(value, ast.Name) and ctx.cell.tree is not None:
        if not (made := made_before(ctx.cell.tree, value)):
            held = (ctx.live_names or {}).get(value.id)
            kind = held if inspect.isclass(held) or inspect.isfunction(held) else type(held)
            return held is not None and live.is_keras_object(kind) and ".metrics" in kind.__module__
        if not isinstance(made[-1], ast.Call):
            return False
        value = made[-1]
    target = value.func if isinstance(value, ast.Call) else value
    if not isinstance(target, (ast.Name, ast.Attribute)):
        return False
    callee = ctx.scope.callee(target)
    return callee is not None and live.is_keras_object(callee[0]) and ".metrics." in callee[1]


@rule("keras3-metrics-not-list", when=(STATIC,), family="model-methods", needs=("metrics", r"\*\*"))  # fmt: skip
def metrics_not_list(ctx: CellContext) -> list[Problem]:
    """``compile(metrics='accuracy')`` (one metric) on a Keras 3 model: Keras 3 wants a list,
    tuple or dict; the metric is put in a list (where a dict unpacked into the call gives it,
    in the dict, whichever cell makes it)."""
    tree = ctx.cell.tree
    if tree is None or not models_are_keras3(ctx):
        return []
    out: list[Problem] = []
    for call in walk(tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == "compile"):
            continue
        for kw in keyword_sites(ctx, call):  # in the call, or a key of a dict it unpacks
            if kw.arg not in ("metrics", "weighted_metrics"):
                continue
            if kw.unpacked:  # the dict's own string: put in a list there
                change = site_change(ctx, call, kw, value_text=f"[{kw.written}]") if isinstance(kw.known, str) else None  # fmt: skip
                edits, across = (change.edits, change.across) if change is not None else ([], None)
            elif _single_metric(ctx, kw.value):
                whole = node_edit(ctx.cell, kw.value, "")
                edits = [] if whole is None else [
                    Edit(whole.line, whole.col, whole.line, whole.col, "["),
                    Edit(whole.end_line, whole.end_col, whole.end_line, whole.end_col, "]"),
                ]  # fmt: skip
                across = None
            else:
                continue
            if not edits:
                continue
            problem = from_entry("keras3-metrics-not-list", kw.lineno, edits, ["metrics", kw.arg],
                                 ctx.shown_versions, keyword=kw.arg, keras=ctx.versions.get("keras", "3"))  # fmt: skip
            problem.across = across
            out.append(problem)
    return out


@rule("keras3-optimizer-lr-attribute", when=(STATIC,), family="optimizer-arguments", needs=r"\.lr")
def optimizer_lr(ctx: CellContext) -> list[Problem]:
    """``model.optimizer.lr`` in a cell whose models are all Keras 3: ``learning_rate`` (the
    live Keras 3 optimizer class has no ``lr``)."""
    tree = ctx.cell.tree
    if tree is None or ".lr" not in ctx.source or not models_are_keras3(ctx):
        return []
    status, base = live.resolve_path("keras.optimizers.Optimizer")
    if status != live.OK or hasattr(base, "lr") or not hasattr(base, "learning_rate"):
        return []
    edits: list[Edit] = []
    parents = parent_map(tree)
    for node in walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "lr"):
            continue
        owner = node.value
        if not (isinstance(owner, ast.Attribute) and owner.attr == "optimizer"):
            continue
        edit = rate_read_edit(ctx.cell, node, parents)
        if edit is None:
            return []
        edits.append(edit)
    if not edits:
        return []
    line = edits[0].line
    return [
        from_entry(
            "keras3-optimizer-lr-attribute",
            line,
            edits,
            ["lr"],
            ctx.shown_versions,
            keras=ctx.versions.get("keras", "3"),
        )
    ]


@rule("keras3-required-argument", when=(STATIC,), family="keyword-arguments", needs=r"\(")
def required_argument(ctx: CellContext) -> list[Problem]:
    """A Keras class called without an argument Keras 3 requires and Keras 2 defaulted
    (``AveragePooling2D()``): the Keras 2 default written out, from the generated map, where the
    live signature requires that parameter."""
    out: list[Problem] = []
    for call, klass, path in keras_class_calls(ctx):
        name = path.rsplit(".", 1)[-1]
        defaults = generated_keywords(path).get("defaults", {})
        required = {k: v[0] for k, v in defaults.items() if v[1] is None and v[0] is not None}
        if not required:
            continue
        sig = signature(klass)
        if sig is None:
            continue
        for param, was in sorted(required.items()):
            live_param = sig.parameters.get(param)
            if live_param is None or live_param.default is not inspect.Parameter.empty:
                continue
            if any(isinstance(a, ast.Starred) for a in call.args) or any(
                k.arg is None for k in call.keywords
            ):
                break  # `*args` / `**kwargs` may pass it: not certain
            if call_argument(call, klass, param) is not None:
                continue
            try:
                ast.literal_eval(was)
            except (ValueError, SyntaxError):
                continue
            edit = closing_insert_edit(ctx.cell, call, f"{param}={was}")
            if edit is None:
                continue
            out.append(
                from_entry(
                    "keras3-required-argument",
                    call.lineno,
                    [edit],
                    [param, name],
                    ctx.shown_versions,
                    keyword=param,
                    callable=name,
                    default=was,
                    keras=ctx.versions.get("keras", "3"),
                )
            )
    return out
