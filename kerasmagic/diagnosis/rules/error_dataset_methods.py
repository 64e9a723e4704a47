"""Error rule: TensorFlow 1's ``tf.data.Dataset`` methods and properties that TensorFlow 2 moved to
functions of ``tf.compat.v1.data`` (``dataset.make_one_shot_iterator()``,
``dataset.output_shapes``).

TensorFlow 1.x code (and Keras 2.2's way of training on a pipeline: ``iterator =
dataset.make_one_shot_iterator()``, ``x, y = iterator.get_next()``) called them on the dataset;
TensorFlow 2's datasets have none of them ("'_BatchDataset' object has no attribute
'make_one_shot_iterator'"). TensorFlow keeps each as a function of ``tf.compat.v1.data`` taking
the dataset, which TensorFlow's own upgrade script writes
(``tensorflow/tools/compatibility/tf_upgrade_v2.py``): the same iterator (in eager mode, the
dataset's own), the same shapes and types. Each such use of the cell whose receiver is a live
``tf.data.Dataset`` (a name, or an attribute chain), or that the message names on the failing
line (``Dataset.from_tensor_slices(…).batch(32).make_one_shot_iterator()``), is rewritten so.
"""

from __future__ import annotations

import ast
import re
import sys

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.keras3_support import tensorflow_name
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, parent_map, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "tf1-dataset-methods"
METHODS = ("make_one_shot_iterator",)  # an initializable iterator does not run eagerly
PROPERTIES = {"output_shapes": "get_output_shapes", "output_types": "get_output_types", "output_classes": "get_output_classes"}  # fmt: skip
MISSING = re.compile(r"Dataset' object has no attribute '(\w+)'")


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("AttributeError",), needs=("make_one_shot_iterator", "output_"))  # fmt: skip
def dataset_methods(ctx: CellContext) -> list[Problem]:
    """``D.make_one_shot_iterator()`` → ``tf.compat.v1.data.make_one_shot_iterator(D)``,
    ``D.output_shapes`` → ``tf.compat.v1.data.get_output_shapes(D)`` (and the types, classes)."""
    tree, found = ctx.cell.tree, MISSING.search(ctx.message)
    if tree is None or found is None or found.group(1) not in (*METHODS, *PROPERTIES) or "tensorflow" not in sys.modules:  # fmt: skip
        return []
    named = tensorflow_name(ctx)
    if named is None:
        return []
    tf_name, imports = named
    parents = parent_map(tree)
    edits: list[Edit] = []
    for node in walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in (*METHODS, *PROPERTIES)):
            continue
        read_live = live.is_tf_dataset(value_in(ctx.namespace or {}, node.value))
        if not (read_live or (node.attr == found.group(1) and node.lineno in ctx.failing_lines)):
            continue  # a dataset read live, or the one the message names on the failing line
        receiver = node_text(ctx.cell, node.value)
        call = parents.get(id(node))
        if node.attr in METHODS:
            if not (isinstance(call, ast.Call) and call.func is node and not call.args and not call.keywords):  # fmt: skip
                continue
            edit = node_edit(ctx.cell, call, f"{tf_name}.compat.v1.data.{node.attr}({receiver})")
        else:
            edit = node_edit(ctx.cell, node, f"{tf_name}.compat.v1.data.{PROPERTIES[node.attr]}({receiver})")  # fmt: skip
        if edit is None or receiver is None:
            return []
        edits.append(edit)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, [*imports, *edits], [found.group(1)], ctx.shown_versions, name=found.group(1))  # fmt: skip
    problem.certain = True  # TensorFlow's own functions for them
    return [problem]
