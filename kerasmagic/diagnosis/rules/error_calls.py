"""Error rules that need the error's own words: a misspelt keyword, ``predict_classes``,
a class passed where ``compile`` wants an instance."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.bindings import rename_keyword_edit
from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    delete_keyword_edit,
    node_edit,
    node_text,
    parent_map,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge import api_index
from kerasmagic.knowledge.catalogue import entries_with_rule

KEYWORD_MESSAGES = (
    r"Keyword argument not understood:'?,?\s*'?(\w+)",
    r"unexpected keyword argument '(\w+)'",
    r"Unrecognized keyword arguments[^:]*:\s*\[?\{?'(\w+)'",
    r"Invalid keyword argument\(s\)[^:]*:\s*\(?\{?'(\w+)'",  # Keras 2.x: ({'class_mode'},)
)


def rejected_keyword_calls(ctx: CellContext) -> Iterator[tuple[ast.Call, ast.keyword]]:
    """The calls of the cell, up to the failing line, passing the keyword the error message says
    was rejected, each with that keyword (none when the message names no keyword)."""
    tree, line = ctx.cell.tree, ctx.line
    wrong = next((m.group(1) for p in KEYWORD_MESSAGES if (m := re.search(p, ctx.message))), None)
    if tree is None or not wrong:
        return
    for call in walk(tree):
        if not isinstance(call, ast.Call) or (line is not None and call.lineno > line):
            continue
        kw = next((k for k in call.keywords if k.arg == wrong), None)
        if kw is not None:
            yield call, kw


@rule(
    "keyword-typo",
    when=(ERROR,),
    family="keyword-arguments",
    errors=("TypeError", "ValueError"),
)
def keyword_typo(ctx: CellContext) -> list[Problem]:
    """``Dense(10, activaton='relu')``: the keyword the error names, closest to one the live
    callable accepts (its own and its base classes' explicit parameters)."""
    cell = ctx.cell
    for call, kw in rejected_keyword_calls(ctx):
        wrong = kw.arg
        callee = ctx.scope.callee(call.func)
        if callee is None or not live.is_keras_object(callee[0]):
            continue
        accepted: set[str] = set()
        for klass in getattr(callee[0], "__mro__", [callee[0]]):
            params = live.parameters(klass.__init__ if isinstance(klass, type) else klass)
            if params:
                accepted |= params[0]
        accepted -= {"self", "args", "kwargs"}
        close = api_index.closest(wrong, sorted(accepted), n=1, cutoff=0.75)
        given = {k.arg for k in call.keywords}
        name = callee[1].rsplit(".", 1)[-1]
        ignored = _keras2_ignored(callee[0])
        if ignored is not None and wrong in ignored.data.get("read", {}).get(name, ()):
            return []  # Keras 2 read it from **kwargs (ModelCheckpoint's period): not ignored
        if ignored is not None:  # whatever it is close to: Keras 2 ran without it
            return [_dropped_ignored(ctx, ignored, call, kw, name, close[0] if close else None)]
        if not close or close[0] in given:
            return []
        edit = rename_keyword_edit(cell, kw, close[0])
        if edit is None:
            return []
        return [
            Problem(
                id="keyword-typo",
                line=kw.lineno,
                title=f"`{name}` has no argument `{wrong}`; did you mean `{close[0]}`?",
                cause=f"The live signature of `{callee[1]}` (and its base classes) accepts "
                f"`{close[0]}`, not `{wrong}`.",
                fix=f"Spell it `{close[0]}`.",
                edits=[edit],
                names=[wrong],
            )
        ]
    return []


def _dropped_ignored(ctx: CellContext, entry: Any, call: ast.Call, kw: ast.keyword, klass: str, close: str | None) -> Problem:  # fmt: skip
    """The keyword Keras 2's ``klass`` ignored, dropped; the finding names the argument of a
    close name, where there is one, and what giving it the value would change."""
    dropped = delete_keyword_edit(ctx.cell, call, kw)
    problem = from_entry(entry.id, kw.lineno, [dropped] if dropped else [], [kw.arg or ""], ctx.shown_versions,
                         klass=klass, keyword=kw.arg, close=close or "", keras=ctx.versions.get("keras", "3"))  # fmt: skip
    if close is None:
        problem.fix = problem.fix.split(" (", 1)[0]
    return problem


def _keras2_ignored(callee: object) -> Any:
    """The catalogue entry saying Keras 2's class of this name took keywords it did not know and
    ignored them (the code ran with the default), or None."""
    for entry in entries_with_rule("keras2-ignored-keywords"):
        if isinstance(callee, type) and callee.__name__ in entry.data.get("classes", ()):
            return entry
    return None


@rule(
    "predict-classes-removed",
    when=(ERROR,),
    family="model-methods",
    needs=("predict_classes", "predict_proba"),
    errors=("AttributeError",),
)
def predict_classes(ctx: CellContext) -> list[Problem]:
    """``model.predict_classes(x)`` on a live model of the namespace: what Keras 2's
    ``Sequential.predict_classes`` did with the live model's output width (several units →
    argmax, one unit → threshold 0.5), whatever the last activation (three sigmoid units too)."""
    cell, exc, error_type, message, line, _namespace = ctx.unpacked()
    namespace = ctx.live_names  # a model made inside a function of the cell counts too
    if cell.tree is None or not namespace:
        return []
    if not re.search(r"has no attribute '(predict_classes|predict_proba)'", message):
        return []
    edits: list[Edit] = []
    for call in walk(cell.tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not isinstance(func, ast.Attribute) or func.attr not in (
            "predict_classes",
            "predict_proba",
        ):
            continue
        # the receiver, a name or an attribute chain on one (``self.model``), read live; one that
        # is not (yet) a live Keras model — a name the cell binds after the failing line — is
        # left for the run that reaches it
        model, receiver = live_value(func.value, namespace), dotted(func.value)
        if not live.is_keras_instance(model) or not hasattr(model, "predict"):  # a user's subclass too
            continue
        if receiver is None:
            continue
        args = ", ".join(filter(None, (node_text(cell, a) for a in [*call.args, *call.keywords])))
        predict = f"{receiver}.predict({args})"
        if func.attr == "predict_proba":
            text = predict
        elif _varies(cell.tree, call, receiver.split(".")[0]):  # another model each time: Keras's own test
            text = f"(lambda p: {SHAPE_TEST})({predict})"
        else:  # Keras 2 decided by the output's width alone, whatever its activation
            try:
                units = int(model.outputs[0].shape[-1])
            except Exception:
                continue
            if units > 1:
                text = f"{predict}.argmax(axis=-1)"
            else:
                text = f'({predict} > 0.5).astype("int32")'
        edit = node_edit(cell, call, text)
        if edit is None:
            continue
        edits.append(edit)
    if not edits:
        return []
    return [from_entry("predict-classes-removed", line or 1, edits, ["predict_classes"])]


# what ``Sequential.predict_classes`` did with the probabilities ``p`` (Keras 2.0-2.5, TF ≤ 2.5)
SHAPE_TEST = 'p.argmax(axis=-1) if p.shape[-1] > 1 else (p > 0.5).astype("int32")'


def _varies(tree: ast.AST, call: ast.Call, name: str) -> bool:
    """Is ``name`` at ``call`` a parameter of a function around it, or a loop's target: a model
    that may be another one at each call?"""
    parents = parent_map(tree)
    node: ast.AST | None = call
    while node is not None:
        node = parents.get(id(node))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = node.args
            if name in {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]}:
                return True
        targets = [node.target] if isinstance(node, (ast.For, ast.AsyncFor)) else []
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            targets = [g.target for g in node.generators]
        if any(isinstance(n, ast.Name) and n.id == name for t in targets for n in walk(t)):
            return True
    return False


@rule(
    "identifier-class-not-instance",
    when=(ERROR,),
    family="optimizer-identifiers",
    errors=("ValueError",),
)
def class_not_instance(ctx: CellContext) -> list[Problem]:
    """``compile(optimizer=Adam)``: the class where an instance belongs. Called with no
    arguments when the live class needs none."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    entry = next((e for e in entries_with_rule("instantiate-class")), None)
    if entry is None or cell.tree is None:
        return []
    match = re.search(entry.match.get("message", "$^"), message)
    if not match:
        return []
    keyword = entry.data.get("keywords", {}).get(match.group(1))
    if not keyword:
        return []
    edits: list[Edit] = []
    names: list[str] = []
    for call in walk(cell.tree):
        if not (isinstance(call, ast.Call) and getattr(call.func, "attr", None) == "compile"):
            continue
        value = next((k.value for k in call.keywords if k.arg == keyword), None)
        if value is None and keyword == "optimizer" and call.args:
            value = call.args[0]
        if not isinstance(value, (ast.Name, ast.Attribute)):
            continue
        found = ctx.scope.callee(value)
        obj = found[0] if found else None
        if obj is None and isinstance(value, ast.Name) and namespace:
            obj = namespace.get(value.id)
        if not isinstance(obj, type) or not live.is_keras_object(obj):
            continue
        if not _needs_no_arguments(obj):
            continue
        text = node_text(cell, value)
        edit = node_edit(cell, value, f"{text}()") if text else None
        if edit is not None:
            edits.append(edit)
            names.append(text)
    if not edits:
        return []
    return [from_entry(entry.id, line or 1, edits, names, name=names[0], what=keyword)]


def _needs_no_arguments(klass: type) -> bool:
    """Can ``klass()`` be called without arguments (every parameter has a default)?"""
    import inspect

    try:
        signature = inspect.signature(klass)
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in signature.parameters.values()
    )
