"""Error rule: a callback of the notebook's own that reads ``self.validation_data``.

Keras 2.0-2.2 gave every callback the validation data passed to ``fit`` as
``self.validation_data`` (``[x_val, y_val, …]``): the popular F1/AUC callbacks read
``self.model.predict(self.validation_data[0])`` at each epoch's end. tf.keras stopped setting it
(TensorFlow 1.11; 2.x keeps it ``None``: "'NoneType' object is not subscriptable"), Keras 3 has
no such attribute ("'Metrics' object has no attribute 'validation_data'").

Evidence from the live objects: the callback that raised (the ``AttributeError``'s object, or the
``self`` of the frame that raised, reading it as ``None``) is a Keras ``Callback`` passed by name
in the failing ``fit``'s ``callbacks=[…]`` (by name, or made there: ``callbacks=[Logger()]``,
then made a line before under a name of its own), and that ``fit`` has ``validation_data=``, or
``validation_split=`` of arrays given by name. The fix gives the callback what Keras 2 gave it,
before the ``fit``: ``metrics.validation_data = (x_val, y_val)`` (indexing ``[0]``/``[1]`` reads
the same arrays), or the slices Keras 2 split off (``x[int(len(x) * (1 - split)):]``, its
``split_at``); a model of several inputs or outputs gets them in one flat list, inputs first, as
Keras 2 did.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import innermost_cell_frame
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "callback-validation-data-removed"
ATTRIBUTE = "validation_data"
TRAINING = ("fit", "fit_generator")


@rule(ENTRY, when=(ERROR,), family="callbacks", errors=("AttributeError", "TypeError"), needs=(ATTRIBUTE, "validation_split"))  # fmt: skip
def callback_validation_data(ctx: CellContext) -> list[Problem]:
    """The callback that read ``validation_data``, passed by name to the cell's first ``fit`` that
    has ``validation_data=``, gets it before that ``fit`` (the first to run it, so the one that
    failed: the frame that raised may be a method of another cell)."""
    callback = _reading_callback(ctx)
    if callback is None or ctx.cell.tree is None:
        return []
    statements = [n for n in walk(ctx.cell.tree) if isinstance(n, (ast.Expr, ast.Assign))]
    for stmt in sorted(statements, key=lambda n: n.lineno):
        call = stmt.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)) or call.func.attr not in TRAINING:  # fmt: skip
            continue
        given = {k.arg: k.value for k in call.keywords if k.arg}
        data, listed = given.get(ATTRIBUTE), given.get("callbacks")
        text = _as_keras2_gave_it(ctx, data) if data is not None else _split_off(ctx, call, given)
        if text is None or not isinstance(listed, (ast.List, ast.Tuple)):
            continue
        held = [e for e in listed.elts if _is_the_callback(ctx, e, callback)]
        if not held:
            continue
        line_text = ctx.cell.source.splitlines()[stmt.lineno - 1]
        indent = line_text[: len(line_text) - len(line_text.lstrip())]
        name, edits = _named(ctx, held[0], type(callback).__name__, stmt.lineno, indent)
        given_to = f"{indent}{name}.{ATTRIBUTE} = {text}  # what Keras 2's fit gave its callbacks\n"
        edits.append(Edit(stmt.lineno, 0, stmt.lineno, 0, given_to))
        problem = from_entry(ENTRY, ctx.line or stmt.lineno, edits, [ATTRIBUTE, name],
                             ctx.shown_versions, name=name, klass=type(callback).__name__)  # fmt: skip
        problem.certain = True  # the arrays `fit` validates on, as Keras 2 handed them over
        return [problem]
    return []


def _is_the_callback(ctx: CellContext, element: ast.expr, callback: Any) -> bool:
    """``element`` of ``callbacks=[…]`` is the callback: its name, or a call of its class."""
    if isinstance(element, ast.Name):
        return ctx.live_names.get(element.id) is callback
    func = element.func if isinstance(element, ast.Call) else None
    return isinstance(func, ast.Name) and ctx.live_names.get(func.id) is type(callback)


def _named(ctx: CellContext, element: ast.expr, klass: str, line: int, indent: str) -> tuple[str, list[Edit]]:  # fmt: skip
    """The callback's name, and for one made in the list (``callbacks=[Logger()]``) the edits
    making it a line before the ``fit`` under a new name, which the list then holds."""
    if isinstance(element, ast.Name):
        return element.id, []
    base = re.sub(r"(?<!^)(?=[A-Z])", "_", klass).lower()
    taken = set(ctx.live_names) | {n.id for n in walk(ctx.cell.tree) if isinstance(n, ast.Name)}
    name = next(n for n in (base, f"{base}_callback", *(f"{base}_{i}" for i in range(2, 99))) if n not in taken)  # fmt: skip
    made = f"{indent}{name} = {node_text(ctx.cell, element)}\n"
    used = node_edit(ctx.cell, element, name)
    return name, [Edit(line, 0, line, 0, made), *([used] if used is not None else [])]


def _split_off(ctx: CellContext, call: ast.Call, given: dict[str, ast.expr]) -> str | None:
    """``validation_split=`` of arrays given by name: the slices Keras 2 split off and gave its
    callbacks (``x[int(len(x) * (1 - split)):]``, as its ``fit`` computed ``split_at``)."""
    split = given.get("validation_split")
    x = call.args[0] if call.args else given.get("x")
    y = call.args[1] if len(call.args) > 1 else given.get("y")
    simple = (ast.Name, ast.Attribute, ast.Subscript)
    if split is None or not isinstance(x, simple) or not isinstance(y, simple):
        return None
    texts = [node_text(ctx.cell, n) for n in (split, x, y)]
    if None in texts:
        return None
    fraction, xs, ys = texts
    return f"[{xs}[int(len({xs}) * (1 - {fraction})):], {ys}[int(len({ys}) * (1 - {fraction})):]]"


def _as_keras2_gave_it(ctx: CellContext, data: ast.expr) -> str | None:
    """The text of ``validation_data=``, with the lists of a model of several inputs or outputs
    spread into one flat list, as Keras 2 handed them over (``([x, ids], [y, aux])`` gave
    ``[x, ids, y, aux]``: ``[0]`` is the first input, ``[1]`` the second)."""
    if not isinstance(data, ast.Tuple) or not any(isinstance(e, (ast.List, ast.Tuple)) for e in data.elts):  # fmt: skip
        return node_text(ctx.cell, data)
    parts = [p for e in data.elts for p in (e.elts if isinstance(e, (ast.List, ast.Tuple)) else [e])]
    texts = [node_text(ctx.cell, p) for p in parts]
    return None if None in texts else "[" + ", ".join(texts) + "]"  # type: ignore[arg-type]


def _reading_callback(ctx: CellContext) -> Any:
    """The live Keras callback whose ``validation_data`` the error is about, or None."""
    exc = ctx.exc
    if isinstance(exc, AttributeError) and f"'{ATTRIBUTE}'" in ctx.message:
        callback = getattr(exc, "obj", None)
    elif isinstance(exc, TypeError) and "'NoneType' object is not subscriptable" in ctx.message:
        frame = innermost_cell_frame(exc, ctx.namespace, ctx.filename)
        callback = frame.f_locals.get("self") if frame is not None else None
        if getattr(callback, ATTRIBUTE, 0) is not None:
            return None
    else:
        return None
    bases = [c.__module__ for c in type(callback).__mro__ if c.__name__ == "Callback"]
    return callback if any(str(m).startswith(("keras", "tf_keras", "tensorflow")) for m in bases) else None
