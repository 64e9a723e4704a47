"""Error rule: a learning-rate schedule of the user's that does float arithmetic on the step it is
given, which newer optimizers pass as the integer ``iterations`` variable.

Keras up to 2.10 (``OptimizerV2``, today's ``legacy`` optimizers) called a schedule with the step
cast to the variables' float dtype (``math_ops.cast(self.iterations, var_dtype)``); the optimizers
of Keras 2.11+ and Keras 3 call it with ``self.iterations`` itself, an ``int64`` variable, so a
schedule written for the old ones (``tf.math.rsqrt(step)``, ``step ** -0.5``, as the TF 2
Transformer tutorial had it) fails in TensorFlow on an integer input. Evidence: the innermost
frame of the user's code that raised is the ``__call__`` of a live ``LearningRateSchedule``
subclass, and its step parameter holds an integer tensor there. The repair: the step is cast to
``float32`` on the first line of ``__call__``, the value the old optimizers passed, so the schedule
gives the same rates; a schedule defined in an earlier cell is corrected there (``earlier_cell``).
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import tensorflow_name
from kerasmagic.diagnosis.method_edits import before_body, raised_in
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "schedule-step-integer"


@rule(ENTRY, when=(ERROR,), family="optimizers", errors=("TypeError", "InvalidArgumentError", "NotFoundError"), needs="__call__")  # fmt: skip
def schedule_step_integer(ctx: CellContext) -> list[Problem]:
    """The user's ``LearningRateSchedule.__call__`` the error was raised in, its step an integer
    tensor: the step is cast to ``float32`` first."""
    if ctx.cell.tree is None:
        return []
    for klass in walk(ctx.cell.tree):
        if not isinstance(klass, ast.ClassDef) or not _is_schedule(ctx.live_names.get(klass.name)):
            continue
        method = next((m for m in klass.body if isinstance(m, ast.FunctionDef) and m.name == "__call__"), None)  # fmt: skip
        if method is None or len(method.args.args) < 2 or not raised_in(ctx, method):
            continue
        step = method.args.args[1].arg
        if not _integer_tensor(ctx.live_names.get(step)):
            return []
        tf = tensorflow_name(ctx)
        if tf is None:
            return []
        name, imports = tf
        edit = before_body(ctx, method, [f"{step} = {name}.cast({step}, {name}.float32)  # the optimizer passes its integer iterations"])  # fmt: skip
        if edit is None:
            return []
        problem = from_entry(ENTRY, ctx.line or method.lineno, [*imports, edit], [klass.name, "__call__"],
                             ctx.shown_versions, klass=klass.name, step=step, keras=ctx.versions.get("keras", "?"))  # fmt: skip
        return [problem]
    return []


def _is_schedule(obj: Any) -> bool:
    """A class with TF/Keras's ``LearningRateSchedule`` among its bases (the user's subclass)."""
    return isinstance(obj, type) and any(
        b.__name__ == "LearningRateSchedule" and live.is_keras_object(b) for b in obj.__mro__[1:]
    )


def _integer_tensor(value: Any) -> bool:
    """A tensor or variable of an integer dtype (``iterations``), read without calling anything
    of the user's."""
    dtype = getattr(value, "dtype", None)
    name = getattr(dtype, "name", dtype)
    return isinstance(name, str) and name.startswith(("int", "uint"))
