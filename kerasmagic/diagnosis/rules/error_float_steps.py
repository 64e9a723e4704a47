"""Error rule: a step count given as a float (``steps_per_epoch=len(x) / batch_size``).

Keras 2's training loop counted ``step < steps_per_epoch`` and so ran ``ceil(n)`` steps for a
float ``n``; Keras 3 passes the count to ``range()``, which refuses a float ("'float' object
cannot be interpreted as an integer"). Each such count of the failing ``fit``/``evaluate``/
``predict`` call becomes ``math.ceil(…)``: the number of steps Keras 2 ran, an int. Evidence: the
live receiver is a Keras model, and the value is a float literal, a true division, or a name
the namespace holds a float under (a NumPy float too: ``np.ceil(n / batch)``)."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-float-steps"
METHODS = ("fit", "evaluate", "predict", "fit_generator", "evaluate_generator", "predict_generator")  # fmt: skip
COUNTS = ("steps_per_epoch", "validation_steps", "steps")


@rule(ENTRY, when=(STATIC,), family="model-methods", needs=("steps",))
def float_steps(ctx: CellContext) -> list[Problem]:
    """Float step counts of the cell's calls of live Keras 3 models: ``math.ceil(…)`` (every
    one at once: the next would fail the same way; proved from the source and the live model,
    before or after the error)."""
    tree = ctx.cell.tree
    if tree is None:
        return []
    edits: list[Edit] = []
    names: list[str] = []
    math = _math_name(ctx)
    keras3 = ctx.versions.get("keras", "0").split(".")[0].isdigit() and int(ctx.versions["keras"].split(".")[0]) >= 3  # fmt: skip
    failing: int | None = None  # the line of the count the error came from
    for call in walk(tree):  # every such count of the cell: the next one would fail the same way
        if not isinstance(call, ast.Call):
            continue
        if not keras3 or not _keras_model_method(ctx, call.func):
            continue
        for kw in call.keywords:
            if kw.arg in COUNTS and _is_float(ctx, kw.value):
                text = node_text(ctx.cell, kw.value)
                edit = node_edit(ctx.cell, kw.value, f"{math or 'math'}.ceil({text})") if text else None  # fmt: skip
                if edit is not None:
                    edits.append(edit)
                    names.append(kw.arg)
                    if failing is None or call.lineno in ctx.failing_lines:
                        failing = call.lineno  # the failing call's line, else the first
    if not edits or failing is None:
        return []
    if math is None:
        line = insertion_line(ctx.cell)
        edits.insert(0, Edit(line, 0, line, 0, "import math\n"))
    return [
        from_entry(ENTRY, failing, edits, names, ctx.shown_versions,
                   keyword=names[0], keras=ctx.versions.get("keras", "3"))  # fmt: skip
    ]


def _keras_model_method(ctx: CellContext, func: ast.expr) -> bool:
    """``model.fit`` (``vae.model.fit``) where the name (the attribute chain on it), read live,
    is a Keras model."""
    if not (isinstance(func, ast.Attribute) and func.attr in METHODS):
        return False
    value = live_value(func.value, ctx.live_names)
    module = str(getattr(type(value), "__module__", ""))
    return (
        value is not None
        and live.is_keras_object(type(value))
        and module.startswith("keras.")  # the installed keras (tf_keras counted a float)
        and hasattr(value, func.attr)
    )


def _is_float(ctx: CellContext, node: ast.expr) -> bool:
    """A float literal, a true division, or a name holding a float."""
    if isinstance(node, ast.Constant):
        return type(node.value) is float
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return True
    if isinstance(node, ast.Name):  # a global, or a local of the function that failed
        value = (ctx.live_names or {}).get(node.id)
        return isinstance(value, float) or _numpy_floating(value)  # np.ceil(…) is a numpy.float64
    return False


def _numpy_floating(value: object) -> bool:
    """A NumPy float scalar (``np.float32``, which is no Python ``float``), without importing NumPy."""
    return any(k.__name__ == "floating" and k.__module__ == "numpy" for k in type(value).__mro__)


def _math_name(ctx: CellContext) -> str | None:
    """The name the cell (or an earlier cell) binds to the ``math`` module."""
    return next((name for name, path in ctx.scope.bindings.items() if path == "math"), None)
