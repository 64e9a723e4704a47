"""Error rule: a recurrent cell of the user's whose ``get_initial_state`` reads the ``dtype`` Keras 2
passed it.

Keras 2's ``RNN`` asked a custom cell for its first state with ``get_initial_state(inputs=None,
batch_size=…, dtype=inputs.dtype)``; Keras 3's passes ``batch_size`` only (``keras/src/layers/rnn/
rnn.py``), so a cell written as Keras 2's docs taught (``def get_initial_state(self, inputs=None,
batch_size=None, dtype=None): … tf.zeros([batch_size, self.state_size], dtype=dtype)``) gets
``dtype=None`` and TensorFlow refuses it. Keras 3's own cells make their state in the layer's
``compute_dtype``, the dtype the RNN's inputs have under the layer's policy, which is what Keras 2
passed. Evidence: the error is raised in the method (a line of its body is in the traceback), the
failing frame's ``dtype`` is ``None``, and the live class is a Keras 3 layer. The repair: when
``dtype`` is ``None``, the method takes the cell's ``compute_dtype`` (two lines at the top of its
body); a cell defined in an earlier cell is corrected there (``earlier_cell``).
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import keras3_here
from kerasmagic.diagnosis.method_edits import before_body, raised_in
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-cell-initial-state-dtype"


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("TypeError", "ValueError"), needs="get_initial_state")  # fmt: skip
def cell_initial_state_dtype(ctx: CellContext) -> list[Problem]:
    """The user's ``get_initial_state(…, dtype=None)`` the error was raised in: ``dtype`` becomes
    the cell's ``compute_dtype`` when the RNN passes none."""
    if ctx.cell.tree is None or not keras3_here() or "dtype" not in ctx.live_names:
        return []
    if ctx.live_names.get("dtype") is not None:
        return []
    for klass in walk(ctx.cell.tree):
        if not isinstance(klass, ast.ClassDef) or not live.is_layer_class(ctx.live_names.get(klass.name)):  # fmt: skip
            continue
        method = next((m for m in klass.body if isinstance(m, ast.FunctionDef) and m.name == "get_initial_state"), None)  # fmt: skip
        if method is None or not raised_in(ctx, method) or not _dtype_defaults_to_none(method):
            continue
        edit = before_body(ctx, method, ["if dtype is None:  # Keras 3's RNN passes the batch size only", "    dtype = self.compute_dtype"])  # fmt: skip
        if edit is None:
            return []
        problem = from_entry(ENTRY, ctx.line or method.lineno, [edit], ["get_initial_state", klass.name],
                             ctx.shown_versions, klass=klass.name, keras=ctx.versions.get("keras", "3"))  # fmt: skip
        return [problem]
    return []


def _dtype_defaults_to_none(method: ast.FunctionDef) -> bool:
    """``dtype=None`` among the method's parameters."""
    args = method.args
    positional = args.posonlyargs + args.args
    pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    return any(a.arg == "dtype" and isinstance(d, ast.Constant) and d.value is None for a, d in pairs)
