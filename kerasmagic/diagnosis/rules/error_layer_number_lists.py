"""Error rule: a layer called on a Python list of numbers (a message fact).

tf.keras 2 converted the numbers of a layer's input to tensors itself, leaf by leaf, keeping the
list (``tf.nest.map_structure`` over the input: ``layer([1, 2, 3, 4])`` called ``call`` with four
scalar tensors). Keras 3 takes tensors and arrays only, and reads a list as a structure of
inputs: "Only input tensors may be passed as positional arguments. The following argument value
should be passed as a keyword argument: 1 (of type <class 'int'>)". The message names the
number; the call of the failing line whose callee is a live layer (a model is one) and whose
first argument is a list or tuple of numbers, written there or held by a name, gets that
argument converted as tf.keras 2 converted it: ``keras.tree.map_structure(
keras.ops.convert_to_tensor, …)``, the same structure of the same tensors (Python ints as int32,
floats as float32, as TensorFlow made them).
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-layer-number-list"
MESSAGE = re.compile(r"Only input tensors may be passed as positional arguments\. The following argument value "
                     r"should be passed as a keyword argument: (?P<value>.+?) \(of type <class '(?P<type>int|float|bool)'>\)")  # fmt: skip


@rule(ENTRY, when=(ERROR,), family="keras3-messages", errors=("ValueError",))
def layer_number_list(ctx: CellContext) -> list[Problem]:
    """The failing line's ``layer([1, 2, 3, 4])`` → ``layer(keras.tree.map_structure(
    keras.ops.convert_to_tensor, [1, 2, 3, 4]))``."""
    found = MESSAGE.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or tree is None:
        return []
    root = keras_root(ctx)
    if root is None:
        return []
    keras, edits = root
    changed: list[Edit] = []
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and call.args and getattr(call, "lineno", None) in ctx.failing_lines):
            continue
        layer = value_in(ctx.live_names, call.func)
        if layer is None or not live.is_layer_class(type(layer)) or not _numbers(ctx, call.args[0]):
            continue
        text = node_text(ctx.cell, call.args[0])
        edit = node_edit(ctx.cell, call.args[0], f"{keras}.tree.map_structure({keras}.ops.convert_to_tensor, {text})") if text else None  # fmt: skip
        if edit is not None:
            changed.append(edit)
    if not changed:
        return []
    problem = from_entry(ENTRY, ctx.line or changed[0].line, edits + changed, ["convert_to_tensor"],
                         ctx.shown_versions, value=found.group("value"))  # fmt: skip
    problem.certain = True
    return [problem]


def _numbers(ctx: CellContext, node: ast.expr) -> bool:
    """Is ``node`` a list or tuple of numbers (nested), written there or held by a name?"""
    if isinstance(node, (ast.List, ast.Tuple)):
        try:
            value = ast.literal_eval(node)
        except (ValueError, SyntaxError):
            return False
    else:
        value = value_in(ctx.live_names, node)
    return isinstance(value, (list, tuple)) and bool(value) and _all_numbers(value)


def _all_numbers(value: object) -> bool:
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_all_numbers(v) for v in value)
    return isinstance(value, (int, float))  # bool too: tf.keras 2 converted it as well
