"""Error rule: a Keras 3 layer or model subclass whose ``call`` is decorated with ``@tf.function``.

TF 2.0-era code (reinforcement-learning agents, custom training loops) decorated the forward pass:
``@tf.function def call(self, x): return self.d2(self.d1(x))``. Keras 2 traced it like any
function. In Keras 3 (TensorFlow backend) the sublayers are then built inside that trace on the
first call, and a ``GradientTape`` around later calls gets no gradient for their weights:
``optimizer.apply_gradients`` raises "No gradients provided for any variable", and a hand-written
update (``v.assign_add(-lr * g)``) a ``TypeError`` on ``None`` (measured in TensorFlow 2.20 / 2.21
with Keras 3.13 / 3.15; ``fit`` trains, since Keras traces its own step). The second is read as a
None gradient only where the notebook asks a tape for gradients (``.gradient(``).
The repair drops the decorator from ``call``: Keras calls the method itself, inside its own
``tf.function`` in ``fit``, and the user's ``@tf.function`` training step (if any) still traces
the whole step, so the numbers are the same.

The class is often defined cells before the training loop that fails: ``migrate`` finds it by
diagnosing the earlier cells with the error (the entry's ``earlier_cell``) and runs that cell and
the ones after it again, so the model is made from the changed class.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import keras3_here
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "layer-call-in-tf-function"
NO_GRADIENTS = "No gradients provided for any variable"
NONE_OPERAND = re.compile(r"unsupported operand type\(s\) for .*'NoneType'")


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("ValueError", "TypeError"), needs="function")
def call_in_tf_function(ctx: CellContext) -> list[Problem]:
    """Each class of the cell whose live class is a Keras 3 layer or model whose own ``call`` is a
    TensorFlow ``Function``: the ``@…function`` decorator of its ``def call`` is removed."""
    if not _no_gradient(ctx) or ctx.cell.tree is None or not keras3_here():
        return []
    edits: list[Edit] = []
    classes: list[str] = []
    for node in walk(ctx.cell.tree):
        if not isinstance(node, ast.ClassDef) or not _traced_keras3_call(ctx.live_names.get(node.name)):  # fmt: skip
            continue
        method = next((m for m in node.body if isinstance(m, ast.FunctionDef) and m.name == "call"), None)  # fmt: skip
        edit = _decorator_removal(ctx.cell, method) if method is not None else None
        if edit is not None:
            edits.append(edit)
            classes.append(node.name)
    if not edits:
        return []
    names = ", ".join(f"`{name}`" for name in classes)
    problem = from_entry(ENTRY, ctx.line or 1, edits, ["tf.function", *classes], ctx.shown_versions,
                         classes=names, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    return [problem]


def _no_gradient(ctx: CellContext) -> bool:
    """The optimizer's message, or arithmetic on ``None`` in a notebook that takes gradients."""
    if NO_GRADIENTS in ctx.message:
        return True
    return bool(NONE_OPERAND.search(ctx.message)) and any(".gradient(" in parsed.source for _, parsed in cells(ctx))  # fmt: skip


def _traced_keras3_call(klass: Any) -> bool:
    """A class made from Keras 3's ``Layer`` whose own ``call`` is a TensorFlow ``Function``."""
    if not isinstance(klass, type) or not live.is_layer_class(klass):
        return False
    call = vars(klass).get("call")
    traced = type(call).__name__ == "Function" and str(type(call).__module__).startswith("tensorflow.")  # fmt: skip
    keras3 = any(
        b.__name__ == "Layer" and str(b.__module__).split(".")[0] == "keras" for b in klass.__mro__
    )
    return traced and keras3


def _decorator_removal(cell: ParsedCell, method: ast.FunctionDef) -> Edit | None:
    """The lines of the method's one ``@tf.function`` / ``@tf.function(...)`` / ``@function``
    decorator, removed (None when it shares a line with other code or there are several)."""
    found = [d for d in method.decorator_list if _names_function(d)]
    if len(found) != 1:
        return None
    decorator = found[0]
    lines = cell.source.splitlines(keepends=True)
    first, last = decorator.lineno, decorator.end_lineno or decorator.lineno
    if any(n in cell.frozen_lines for n in range(first, last + 1)) or last >= len(lines):
        return None
    if not lines[first - 1].lstrip().startswith("@") or last >= method.lineno:
        return None
    tail = lines[last - 1][decorator.end_col_offset or 0 :].strip()
    if tail and not tail.startswith("#"):
        return None
    return Edit(first, 0, last + 1, 0, "")


def _names_function(decorator: ast.expr) -> bool:
    """``tf.function``, ``function`` or a call of either (``@tf.function(jit_compile=True)``)."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):
        return target.attr == "function"
    return isinstance(target, ast.Name) and target.id == "function"
