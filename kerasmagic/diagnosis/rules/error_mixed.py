"""Error rule: objects of two Keras packages mixed in one model, taken from one package."""

from __future__ import annotations

import ast
import re
import sys

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras_paths import root_of
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry
from kerasmagic.probes.which_keras import tf_keras_words


@rule("mixed-keras-objects", when=(ERROR,), family="mixed-keras")
def mixed_keras(ctx: CellContext) -> list[Problem]:
    """A model of one Keras package given objects of another: take them all from ``tf.keras``
    (when the cell builds its model with ``tf.keras``) or all from ``keras``."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    entry = find_entry("mixed-keras-objects")
    if not re.search(entry.match.get("message", "$^"), message) or cell.tree is None:
        return []
    if re.search(r"identifier: <class ", message):
        return []  # a class where an instance belongs, not an object of another package
    if "tensorflow" not in sys.modules or "keras" not in sys.modules:
        return []
    tf = sys.modules["tensorflow"]
    tf_keras = getattr(tf, "keras", None)
    keras = sys.modules["keras"]
    same = getattr(tf_keras, "Model", None) is getattr(keras, "Model", False)
    # the cell names the separate tf_keras package (Keras 2) beside this Keras
    named_tf_keras = "tf_keras" in sys.modules and re.search(r"\btf_keras\b", cell.source)
    if same and "tensorflow.python.keras" not in cell.source and not named_tf_keras:
        return []  # tf.keras is this same Keras: the mix comes from elsewhere
    if not re.search(
        r"tensorflow\.keras|tf\.keras|tensorflow\.python\.keras|\btf_keras\b", cell.source
    ):
        return []  # the cell uses one package only
    edits: list[Edit] = []
    movable = True  # every import of the other package can be moved to tensorflow.keras
    for node in walk(cell.tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            root = root_of(node.module)
            if root == "keras" or node.module.startswith("tensorflow.python.keras"):
                rest = node.module.split(".", 1)[1] if "." in node.module else ""
                if node.module.startswith("tensorflow.python.keras"):
                    rest = node.module[len("tensorflow.python.keras") + 1 :]
                new = "tensorflow.keras" + (f".{rest}" if rest else "")
                status, mod = live.module_status(new)
                if status != live.OK or not all(
                    a.name == "*" or live.has_attr(mod, new, a.name) for a in node.names
                ):
                    movable = False
                    break
                text = node_text(cell, node) or ""
                edit = node_edit(cell, node, text.replace(node.module, new, 1))
                if edit:
                    edits.append(edit)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "keras" and not alias.asname:
                    edit = node_edit(cell, node, "from tensorflow import keras")
                    if edit and len(node.names) == 1:
                        edits.append(edit)
    if not movable:
        edits = []  # explained without a rewrite: no certain one exists here
    problem = from_entry(
        entry.id,
        line or 1,
        edits,
        ["keras"],
        tf_keras_kind=tf_keras_words(tf_keras, tf),
        keras=getattr(keras, "__version__", "?"),
    )
    if "tensorflow.python.keras" in cell.source:
        problem.cause = (
            "This cell imports from `tensorflow.python.keras`, the private Keras 2 copy inside "
            f"TensorFlow {getattr(tf, '__version__', '?')}, while `tf.keras` here is "
            f"{tf_keras_words(tf_keras, tf)}: a model of one cannot take optimizers, layers or "
            "tensors of the other, and private paths change without notice."
        )
    if same and named_tf_keras:  # tf.keras is this Keras; the other one is tf_keras itself
        version = getattr(sys.modules["tf_keras"], "__version__", "")
        problem.edits = []
        problem.cause = (
            f"This cell uses the separate `tf_keras` package ({version}, Keras 2) while `keras` "
            f"here is Keras {getattr(keras, '__version__', '?')}: a model of one package cannot "
            "take optimizers, layers or tensors of the other."
        )
    return [problem]
