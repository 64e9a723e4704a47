"""Static rule: positional arguments that Keras 3 binds to another parameter than Keras 2 did
(``self.add_weight("total", initializer="zeros")``: Keras 2's first parameter was ``name``,
Keras 3's is ``shape``).

The Keras 2 order comes from the generated map (``keras2to3.json``: each Keras 2 positional
parameter under its Keras 3 keyword), the Keras 3 order from the live signature. The corrected
call names every positional argument from the first that moved, so each reaches the parameter it
reached in Keras 2. Calls of Keras classes and functions, and of methods on ``self`` inside a
class whose bases are Keras classes, or on an object a Keras class or function makes (in an
earlier cell, or in this one: ``model = Sequential(…)`` then ``model.compile('sgd', 'mse', ['mae'])``,
whose third argument Keras 3 takes as ``loss_weights``).
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from typing import Any

from kerasmagic.diagnosis import live, public_paths
from kerasmagic.diagnosis.compiled import RUNS, failing_model_calls, traceback_model_calls
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import (
    enclosing_keras_classes,
    generated_keywords,
    models_are_keras3,
    receiver_classes,
    signature,
)
from kerasmagic.diagnosis.keyword_dicts import unpacked_keys
from kerasmagic.diagnosis.keyword_sites import keyword_edits
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


@rule("keras3-positional-moved", when=(STATIC,), family="keyword-arguments", needs=r"\(")
def positional_moved(ctx: CellContext) -> list[Problem]:
    """``self.add_weight("total", …)``: positional arguments named with the Keras 3 keyword of the
    Keras 2 parameter they reached, from the first one Keras 3 binds elsewhere."""
    tree = ctx.cell.tree
    if tree is None or not any(isinstance(n, ast.Call) and n.args for n in walk(tree)):
        return []
    if not models_are_keras3(ctx):
        return []
    out: list[Problem] = []
    for call, target, path in _keras_calls(ctx, tree):
        same_as = generated_keywords(path).get("same_as")
        renamed = _same_as(target, same_as) if same_as else None
        moved = _moved_arguments(ctx, call, renamed or target, path)
        if not moved:
            continue
        edits: list[Edit] = []
        if renamed is not None:  # Keras 2's add_variable was add_weight: call that one
            edit = _method_rename(ctx, call, same_as)
            if edit is None:
                continue
            edits.append(edit)
        named = keyword_edits(ctx.cell, moved)
        if named is None:
            continue
        edits.extend(named)
        name = path.rsplit(".", 2)
        shown = ".".join(name[-2:]) if _is_method(path) else name[-1]
        problem = from_entry(
            "keras3-positional-moved",
            call.lineno,
            edits,
            [shown, *(k for _, k in moved)],
            ctx.shown_versions,
            callable=shown,
            keywords=", ".join(f"`{k}=`" for _, k in moved),
            keras=ctx.versions.get("keras", "3"),
        )
        if renamed is not None:
            old_name = shown.rsplit(".", 1)[-1]
            problem.fix += (
                f" Keras 2's `{old_name}` handed every argument to `{same_as}`, so the "
                f"corrected cell calls `{same_as}` (Keras 3's `{old_name}` takes them in "
                "another order and requires an initializer)."
            )
        problem.raised_it = _failed_later_on(ctx, call)
        out.append(problem)
    return out


def _failed_later_on(ctx: CellContext, call: ast.Call) -> bool:
    """Did the cell fail later in a call that runs the object whose method took the moved
    argument (``model.compile('sgd', 'mse', ['mae'])``, then ``model.fit`` fails on the loss
    weights it was given)? The move then explains the error, though raised on another line: a
    call on the same name on a failing line after it (``compiled.failing_model_calls``), or,
    where a later cell failed (the call is in an earlier cell, diagnosed for that cell's error),
    a call in the traceback whose receiver is the very object the kernel holds under that name
    (``compiled.traceback_model_calls``)."""
    func = call.func
    if ctx.exc is None or not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return False
    owner = func.value.id
    if any(name == owner and later.lineno > call.lineno for later, name, _ in failing_model_calls(ctx, RUNS)):
        return True
    held = (ctx.namespace or {}).get(owner)
    return held is not None and any(model is held for _, model in traceback_model_calls(ctx.exc, RUNS))


def _same_as(target: Any, name: str) -> Any:
    """The live method ``name`` of the class that holds ``target`` (a method), or None."""
    owner_name = str(getattr(target, "__qualname__", "")).rpartition(".")[0]
    module = inspect.getmodule(target)
    owner = getattr(module, owner_name, None) if owner_name and "." not in owner_name else None
    method = getattr(owner, name, None) if isinstance(owner, type) else None
    return method if callable(method) else None


def _method_rename(ctx: CellContext, call: ast.Call, name: str) -> Edit | None:
    """``obj.add_variable(`` → ``obj.add_weight(``: the attribute's own text replaced."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    owner = node_text(ctx.cell, func.value)
    return node_edit(ctx.cell, func, f"{owner}.{name}") if owner is not None else None


def _is_method(path: str) -> bool:
    parts = path.split(".")
    return len(parts) >= 2 and parts[-2][:1].isupper()


def _moved_arguments(ctx: CellContext, call: ast.Call, target: Any, path: str) -> list[tuple[ast.expr, str]]:  # fmt: skip
    """``[(argument, its Keras 3 keyword)]`` from the first positional argument Keras 3 binds to
    another parameter; ``[]`` when none moved or the call cannot be rewritten with certainty."""
    if not call.args or any(isinstance(a, ast.Starred) for a in call.args):
        return []
    given: set[str | None] = {k.arg for k in call.keywords if k.arg is not None}
    for k in call.keywords:
        if k.arg is None:  # ``**kwargs``: the keys of the dict where it is made, else anything
            keys = unpacked_keys(ctx, k.value)
            if keys is None:
                return []
            given |= set(keys)
    keras2 = generated_keywords(path).get("args") or []
    sig = signature(target.__init__ if isinstance(target, type) else target)
    if sig is None or len(call.args) > len(keras2):
        return []
    params = [p for p in sig.parameters.values() if p.name != "self"]
    keras3 = [p.name for p in params if p.kind in POSITIONAL]
    first = next(
        (i for i, arg in enumerate(call.args) if i >= len(keras3) or keras3[i] != keras2[i]),
        None,
    )
    if first is None:
        return []
    wanted = keras2[first : len(call.args)]
    names = {p.name for p in params}
    if any(k is None or k not in names or k in given for k in wanted):
        return []  # Keras 3 has no such parameter, or the call also names it: not certain
    return list(zip(call.args[first:], wanted))  # type: ignore[arg-type]


def _keras_calls(ctx: CellContext, tree: ast.AST) -> Iterator[tuple[ast.Call, Any, str]]:
    """Calls with positional arguments of a live Keras callable: ``(call, callable, the path the
    generated map knows it by)``."""
    classes = enclosing_keras_classes(ctx, tree)
    for call in walk(tree):
        if not isinstance(call, ast.Call) or not call.args:
            continue
        found = ctx.scope.callee(call.func)
        if found is not None:
            obj, path = found
            if callable(obj) and live.is_keras_object(obj):
                yield call, obj, path
            continue
        func = call.func
        if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
            continue
        if func.value.id == "self":
            owners = classes.get(id(call), [])
        else:
            owners = receiver_classes(ctx, func.value)
        method = _method(owners, func.attr)
        if method is not None:
            yield call, *method


def _method(owners: list[type], name: str) -> tuple[Any, str] | None:
    """The live method ``name`` of the first owner class that has it, and its member path under
    the public name of the nearest class in its MRO the generated map knows the member of."""
    for owner in owners:
        func = getattr(owner, name, None)
        if not callable(func) or not live.is_keras_object(func):
            continue  # a user's subclass that defines the method itself: its own parameters
        for klass in owner.__mro__:
            for path in public_paths.export_names(klass):
                if generated_keywords(f"{path}.{name}"):
                    return func, f"{path}.{name}"
    return None
