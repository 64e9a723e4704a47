"""Error rule: a function of TensorFlow's ``tf.keras.backend`` that failed under Keras 3.

In TensorFlow 2.16+ ``tf.keras.backend`` is Keras 3's legacy copy of the Keras 2 backend
functions, made for TensorFlow tensors and variables: ``K.set_value(v, x)`` on a Keras 3 variable,
``tf.keras.backend.abs(a - b)`` on the symbolic tensors of a functional model. The error was raised
inside that function (its frame is in the traceback); every call of it in the cell becomes the
catalogue's Keras 3 code of the same name (``v.assign(x)``), else the Keras 3 op of the same
meaning (``keras.ops.abs``: rules/backend_ops.py's binding of the Keras 2 signature). On symbolic
tensors the cell's other legacy calls that read them fail next, and are rewritten with it.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import LEGACY_BACKEND, keras3_here
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.backend_ops import (
    LEGACY_FAILED,
    _curated,
    _curated_problem,
    _ops_problem,
    _string_dtype,
    _string_dtype_fails,
)
from kerasmagic.diagnosis.rules.error_symbolic_tf import symbolic_names


def _raised_in(exc: BaseException | None) -> set[Any]:
    """The code objects of every frame the exception passed through."""
    codes: set[Any] = set()
    tb = getattr(exc, "__traceback__", None)
    while tb is not None and len(codes) < 200:
        codes.add(tb.tb_frame.f_code)
        tb = tb.tb_next
    return codes


@rule(
    LEGACY_FAILED,
    when=(ERROR,),
    family="backend",
    needs=r"\(",
    errors=("AttributeError", "TypeError", "ValueError"),
)
def legacy_backend_failed(ctx: CellContext) -> list[Problem]:
    """``K.set_value(v, x)`` where ``K`` is TensorFlow's ``tf.keras.backend`` of Keras 3 (Keras
    3's legacy copy of the Keras 2 functions, made for TensorFlow variables) and the error was
    raised inside that function: every call of it in the cell becomes the catalogue's Keras 3 code
    of the same name (``v.assign(x)``)."""
    tree = ctx.cell.tree
    if tree is None or not keras3_here():
        return []
    inside = _raised_in(ctx.exc)
    calls: list[tuple[ast.Call, Any]] = []
    failed: set[Any] = set()
    for call in walk(tree):
        callee = ctx.scope.callee(call.func) if isinstance(call, ast.Call) else None
        func = callee[0] if callee is not None else None
        code = getattr(func, "__code__", None)
        if code is None or getattr(func, "__module__", None) != LEGACY_BACKEND:
            continue
        calls.append((call, func))
        if code in inside and call.lineno in ctx.failing_lines:
            failed.add(func)
        elif func.__name__ in _string_dtype_fails() and _string_dtype(ctx, call):
            failed.add(func)  # it would fail next: its argument is a Keras 3 variable
    if failed and "KerasTensor" in ctx.message:  # the others the cell gives symbolic tensors fail next
        symbolic = symbolic_names(ctx)
        for call, func in calls:
            if any(isinstance(n, ast.Name) and n.id in symbolic for a in call.args for n in ast.walk(a)):
                failed.add(func)
    out: dict[str, Problem] = {}
    for call, func in calls:
        entry = _curated(func.__name__) if func in failed else None
        problem = (
            _curated_problem(ctx, call, func.__name__, entry, LEGACY_FAILED) if entry else None
        )
        if problem is None and func in failed:  # Keras 3's op of the same meaning takes both
            problem = _legacy_as_op(ctx, call, func.__name__)
        if problem is None:
            continue
        if func.__name__ in out:
            out[func.__name__].edits.extend(problem.edits)
        else:
            out[func.__name__] = problem
    return list(out.values())


def _legacy_as_op(ctx: CellContext, call: ast.Call, name: str) -> Problem | None:
    """A legacy ``tf.keras.backend`` function that failed (on a symbolic tensor: it calls
    TensorFlow directly) as the Keras 3 op of the same meaning, which takes symbolic tensors and
    values alike (the generated map's target, the Keras 2 signature bound as for ``K.name``)."""
    problem = _ops_problem(ctx, call, name)
    if problem is None:
        return None
    keras = ctx.versions.get("keras", "3")
    path = next((e.text for e in problem.edits if e.text.startswith("keras.")), f"keras.ops.{name}")
    problem.title = (f"`tf.keras.backend.{name}` is Keras {keras}'s legacy copy of the Keras 2 "
                     f"function, for TensorFlow tensors only; `{path}` computes it on Keras's "
                     "symbolic tensors too")  # fmt: skip
    return problem
