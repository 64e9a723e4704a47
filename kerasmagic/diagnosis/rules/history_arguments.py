"""Error rule: a history key passed as an argument to the notebook's own plotting helper.

    def show_train_history(train_history, train, validation):
        plt.plot(train_history.history[train])
        ...
    show_train_history(train_history, 'acc', 'val_acc')

The ``KeyError: 'acc'`` is raised in the helper (an earlier cell, or above in the script) from a
parameter; the key is written at the call. The frame that raised tells which parameter holds
the key, the live ``History`` which key this Keras logged for the same metric
(``history._logged_name``: ``accuracy`` for ``acc`` since Keras 2.3, ``learning_rate`` for
``lr`` in Keras 3), and every call of the helper in the failing cell gets the logged key for
each string it passes to a parameter the helper uses as a key (``'val_acc'`` next to ``'acc'``
would fail next). A key given by a name (``metric = 'acc'`` cells before) is renamed where the
name gets it (``value_change.rewrite``); a key the helper's default gives (``def
plot_history(h, metric='acc')`` called as ``plot_history(h)``: the live function's
``__defaults__``, a method's too) is passed at the call by keyword, and the helper stays as it
is for its other callers.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.frames import innermost_frame
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import one_string, origins
from kerasmagic.diagnosis.rewrite import (
    Edit,
    closing_insert_edit,
    node_edit,
    node_text,
    quoted_like,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.history import _is_history, _logged_name, keras_metrics_of
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import Transform

ENTRY = "history-key-from-argument"


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("KeyError",))
def history_key_from_argument(ctx: CellContext) -> list[Problem]:
    """``KeyError`` of a key a function of the notebook received as an argument: the key this
    Keras logged, at every call of that function in the cell."""
    tree = ctx.cell.tree
    key = ctx.exc.args[0] if ctx.exc is not None and ctx.exc.args else None
    frame = innermost_frame(ctx.exc)
    if tree is None or not isinstance(key, str) or frame is None:
        return []
    code = frame.f_code
    if code.co_name.startswith("<") or frame.f_globals is not ctx.namespace:
        return []  # not a function of the notebook
    parameters = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    holding = [p for p in parameters if _ends(key, frame.f_locals.get(p))]
    history = _one_history([*frame.f_locals.values(), *ctx.live_names.values()])
    if not holding or history is None:
        return []
    logs = history.history
    metrics = keras_metrics_of(history)
    keyed = _keyed_parameters(ctx, frame) or set(holding)
    model = getattr(history, "model", None)

    def logged(text: str) -> str | None:
        return _logged_name(text, logs, metrics, model)

    edits: list[Edit] = []
    across: list[Edit] = []
    notes: list[str] = []
    renamed: dict[str, str] = {}
    for call in walk(tree):
        callee = _callee(ctx, call, code) if isinstance(call, ast.Call) else None
        if callee is None:
            continue
        bound, function = callee
        defaults = _defaults(function, code)
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):  # fmt: skip
            continue  # which parameter gets what cannot be told
        passed = list(zip(parameters[bound:], call.args))
        passed += [(kw.arg, kw.value) for kw in call.keywords if kw.arg in parameters]
        for parameter, value in passed:
            if parameter not in keyed:
                continue
            if _is_text(value):
                new = logged(value.value)  # type: ignore[attr-defined]
                text = node_text(ctx.cell, value)
                edit = node_edit(ctx.cell, value, quoted_like(text, new)) if new and text else None
                if edit is not None:
                    edits.append(edit)
                    across.append(edit)
                    renamed[value.value] = new  # type: ignore[attr-defined,index]
                continue
            held = one_string(origins(ctx, value, terms=False))  # `metric = 'acc'` cells before
            new = logged(held) if held else None
            change = rewrite(ctx, value, Transform(f"be `{new}`", literal=lambda _t, n=new: n)) if new else None  # fmt: skip
            if change is not None and held is not None and new is not None:
                edits += change.edits
                across += change.across
                notes.append(change.note)
                renamed[held] = new
        given = {p for p, _ in passed}
        for parameter in sorted(keyed - given):
            new = logged(defaults[parameter]) if parameter in defaults else None
            edit = closing_insert_edit(ctx.cell, call, f"{parameter}={new!r}") if new else None
            if edit is not None and new is not None:  # the default gave the old key
                edits.append(edit)
                across.append(edit)
                renamed[defaults[parameter]] = new
    old = next((k for k in renamed if key.endswith(k)), None)
    if old is None:
        return []
    line = min(e.line for e in edits if e.cell is None) if any(e.cell is None for e in edits) else ctx.line or 1  # fmt: skip
    problem = from_entry(ENTRY, line, edits, [key], ctx.shown_versions,
                         old=old, new=renamed[old], function=code.co_name)  # fmt: skip
    if any(e.cell is not None for e in across):
        problem.across = across
    problem.fix = f"{problem.fix} {' '.join(n for n in notes if n)}".strip()
    return [problem]


def _callee(ctx: CellContext, call: ast.Call, code: Any) -> tuple[int, Any] | None:
    """``(leading parameters the call leaves to its receiver, the live function)`` where ``call``
    calls the function whose ``code`` raised: ``(0, show)`` for ``show(h, 'acc')``, ``(1, the
    method)`` for ``obj.show(h, 'acc')`` where the live ``obj``'s class has that very function (a
    method of the notebook's own class); None for another call."""
    if isinstance(call.func, ast.Name):
        return (0, (ctx.namespace or {}).get(code.co_name)) if call.func.id == code.co_name else None
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == code.co_name):
        return None
    receiver = value_in(ctx.live_names or ctx.namespace or {}, call.func.value)  # a local too
    method = inspect.getattr_static(type(receiver), code.co_name, None) if receiver is not None else None
    return (1, method) if getattr(method, "__code__", None) is code else None


def _defaults(function: Any, code: Any) -> dict[str, str]:
    """The string defaults of the live function that runs ``code`` (by its parameters' names)."""
    if getattr(function, "__code__", None) is not code:
        return {}
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in parameters if isinstance(p.default, str)}


def _ends(key: str, value: Any) -> bool:
    """Is ``value`` the key, or its end (``'val_' + metric``)?"""
    return isinstance(value, str) and bool(value) and key.endswith(value)


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _one_history(values: list[Any]) -> Any:
    """The one live Keras ``History`` among ``values`` (None for none or several)."""
    found = {id(v): v for v in values if _is_history(v)}
    return next(iter(found.values())) if len(found) == 1 else None


def _keyed_parameters(ctx: CellContext, frame: Any) -> set[str]:
    """The names the function's own source uses in a subscript (``logs[train]``,
    ``logs['val_' + metric]``), read from its ``def`` in this cell or an earlier one, else from
    its source file; empty when no source is found."""
    name = frame.f_code.co_name
    for tree in _trees(ctx, frame):
        for node in walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                return {
                    n.id
                    for sub in walk(node)
                    if isinstance(sub, ast.Subscript)
                    for n in walk(sub.slice)
                    if isinstance(n, ast.Name)
                }
    return set()


def _trees(ctx: CellContext, frame: Any) -> list[ast.AST]:
    """This cell's tree, then the earlier cells' (newest first), then the frame's source."""
    trees: list[ast.AST] = [ctx.cell.tree] if ctx.cell.tree is not None else []
    for source in [*reversed(ctx.earlier), None]:
        try:
            text = source if source is not None else inspect.getsource(frame.f_code)
            trees.append(ast.parse(textwrap.dedent(text)))
        except Exception:
            continue
    return trees
