"""Error rule: a ``Lambda`` on integer or string inputs whose function needs them (``tf.one_hot``,
``tf.gather``, a bitwise op, a table lookup of strings, ``tf.strings``): Keras 3 cannot infer its
output.

Keras 2 ran a ``Lambda``'s function on the symbolic tensor it was called on, so
``Lambda(lambda x: tf.one_hot(x, n))(Input(shape=(5,), dtype='int32'))`` saw int32 ids. Keras 3
infers a ``Lambda``'s output by calling the function on placeholders of the input's shape in the
layer's compute dtype, float32 (``keras/src/layers/core/lambda_layer.py``
``compute_output_shape``); a function that refuses float ids fails there ("We could not
automatically infer the shape of the Lambda's output").

Evidence: the message (Keras lists the ``KerasTensor``s the layer was called on, each with its
dtype) says every input has one integer, boolean or string dtype; the ``Lambda`` is the one the failing
statement makes (``Lambda(f)(x)``, ``model.add(Lambda(f))``, a ``Sequential([...])`` list) or
the one a name it calls holds (``one_hot = Lambda(f)`` this cell or an earlier one, changed where
it is made). The corrected cell gives that ``Lambda`` the inputs' dtype (``dtype='int32'``): the
placeholders then have the input's dtype, as Keras 2's symbolic tensor had, and the layer
computes the same values (Keras casts only floating inputs to a layer's dtype; these have none).
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ANSI, ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import Origin, origins
from kerasmagic.diagnosis.rewrite import called_name, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.value_change import rewrite_origins
from kerasmagic.diagnosis.value_transforms import Transform

ENTRY = "keras3-lambda-integer-input"
MESSAGE = "could not automatically infer the shape of the Lambda's output"
# the line of Keras's call context that lists the positional arguments, and each KerasTensor's dtype
ARGS_LINE = re.compile(r"^\s*\W?\s*args=(.*)$", re.M)
TENSOR_DTYPE = re.compile(r"<KerasTensor shape=\([^)]*\), dtype=(\w+)")
OWN_DTYPE = re.compile(r"^(u?int(8|16|32|64)|bool|string)$")  # none Keras casts to float32


@rule(ENTRY, when=(ERROR,), family="layer-arguments", errors=("NotImplementedError",))
def lambda_integer_input(ctx: CellContext) -> list[Problem]:
    """The failing statement's one ``Lambda`` given its integer inputs' dtype."""
    tree = ctx.cell.tree
    message = ANSI.sub("", ctx.message)
    dtype = _inputs_dtype(message) if MESSAGE in message else None
    if tree is None or dtype is None:
        return []
    calls = [c for c in walk(tree) if isinstance(c, ast.Call) and c.lineno in ctx.failing_lines]
    held = [(c.func, _made_at(ctx, c.func)) for c in calls if _holds_lambda(ctx, c.func)]
    if any(origin is None for _, origin in held):
        return []
    sites = {id(o.value) for _, o in held if o is not None and o.here}  # type: ignore[union-attr]
    made = [c for c in calls if _makes_lambda(ctx, c) and id(c) not in sites]
    if len(made) + len(held) != 1:
        return []  # which of several Lambdas failed is not known
    keyword = f"dtype={dtype!r}"
    fill = {"dtype": dtype, "keras": ctx.versions.get("keras", "3")}
    if made:
        text = node_text(ctx.cell, made[0]) if _open(made[0]) else None
        new = _with_keyword(text, keyword) if text is not None else None
        edit = node_edit(ctx.cell, made[0], new) if new is not None else None
        return [from_entry(ENTRY, made[0].lineno, [edit], ["Lambda"], ctx.shown_versions, **fill)] if edit else []  # fmt: skip
    use, origin = held[0]
    if origin is None or not _open(origin.value):  # type: ignore[arg-type]
        return []
    change = rewrite_origins(ctx, [origin], Transform(f"take `{keyword}`", value=lambda text, _: _with_keyword(text, keyword)))  # fmt: skip
    if change is None or not change.edits:
        return []
    problem = from_entry(ENTRY, use.lineno, change.edits, ["Lambda"], ctx.shown_versions, **fill)
    problem.across = change.across
    problem.fix += " " + change.note
    return [problem]


def _made_at(ctx: CellContext, use: ast.expr) -> Origin | None:
    """Where the ``Lambda`` a name holds is made: its one origin, a ``Lambda(…)`` call."""
    found = origins(ctx, use, terms=False)
    if len(found) != 1:
        return None
    value = found[0].value
    return found[0] if isinstance(value, ast.Call) and called_name(value.func) == "Lambda" else None


def _inputs_dtype(message: str) -> str | None:
    """The one integer, boolean or string dtype of every ``KerasTensor`` the message says the
    layer was called on; None when there is none, a floating one, or several."""
    found = ARGS_LINE.search(message)
    dtypes = set(TENSOR_DTYPE.findall(found.group(1))) if found else set()
    if len(dtypes) != 1:
        return None
    dtype = dtypes.pop()
    return dtype if OWN_DTYPE.match(dtype) else None


def _makes_lambda(ctx: CellContext, call: ast.Call) -> bool:
    """``Lambda(…)`` of the live Keras class (the constructor, not a call of a layer)."""
    callee = ctx.scope.callee(call.func)
    return callee is not None and isinstance(callee[0], type) and callee[0].__name__ == "Lambda"


def _holds_lambda(ctx: CellContext, func: ast.expr) -> bool:
    """A name whose live value is a Keras ``Lambda`` layer (made this cell or an earlier one)."""
    if not isinstance(func, ast.Name):
        return False
    kind = type((ctx.namespace or {}).get(func.id))
    return kind.__name__ == "Lambda" and live.is_keras_object(kind)


def _open(call: ast.Call) -> bool:
    """No ``output_shape`` (second positional or keyword) and no ``dtype`` given yet, nor
    ``**kwargs`` that could hold them."""
    given = {k.arg for k in call.keywords}
    return len(call.args) < 2 and not given & {"output_shape", "dtype", None}


def _with_keyword(text: str, keyword: str) -> str | None:
    """A constructor call's text with ``keyword`` added as its last argument, its layout kept
    (a trailing comma and the line break before the closing parenthesis)."""
    body = text.rstrip()
    if not body.endswith(")"):
        return None
    head = body[:-1].rstrip()
    space = body[len(head) : -1]
    if head.endswith("("):
        return f"{head}{keyword}{space})"
    if head.endswith(","):
        return f"{head} {keyword},{space})"
    return f"{head}, {keyword}{space})"
