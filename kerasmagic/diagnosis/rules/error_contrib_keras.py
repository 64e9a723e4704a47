"""Error rule: ``tf.contrib.keras``, TensorFlow 1.2–1.3's copy of Keras (before ``tf.keras``), read
as an attribute chain (``keras = tf.contrib.keras``, ``tf.contrib.keras.layers.Dense(…)``).

TensorFlow 1.4 moved it to ``tf.keras`` (the same API: ``tf.contrib.keras.layers`` is
``tf.keras.layers``), and TensorFlow 2 removed ``tf.contrib`` ("module 'tensorflow' has no
attribute 'contrib'"). Each chain of the cell that starts ``T.contrib.keras`` (also
``T.contrib.keras.python.keras``, the package inside it), ``T`` being the live TensorFlow module,
starts ``T.keras`` instead: the Keras this TensorFlow exports. Imports
(``from tensorflow.contrib.keras import layers``) are moved by the module rules; the cell's other
``tf.contrib`` parts stay (TensorFlow 1 APIs, explained by ``tf1-api``).
"""

from __future__ import annotations

import ast
import sys

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, parent_map, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "tf-contrib-keras"
MESSAGE = "has no attribute 'contrib'"


@rule(
    ENTRY,
    when=(ERROR,),
    family="moved-modules",
    errors=("AttributeError",),
    needs=r"contrib\.keras",
)
def contrib_keras(ctx: CellContext) -> list[Problem]:
    """Every ``T.contrib.keras[.python.keras]`` of the cell → ``T.keras``."""
    tree, tf = ctx.cell.tree, sys.modules.get("tensorflow")
    if tree is None or tf is None or MESSAGE not in ctx.message:
        return []
    parents = parent_map(tree)
    edits: list[Edit] = []
    for node in walk(tree):
        root = _contrib_keras_root(node)
        if root is None or (ctx.namespace or {}).get(root.id) is not tf:
            continue
        whole: ast.AST = node
        inner = parents.get(id(node))
        outer = parents.get(id(inner)) if isinstance(inner, ast.Attribute) else None
        if isinstance(inner, ast.Attribute) and inner.attr == "python":
            if not (isinstance(outer, ast.Attribute) and outer.attr == "keras"):
                continue  # `.python` of something else: no Keras there to name
            whole = outer
        edit = node_edit(ctx.cell, whole, f"{root.id}.keras")
        if edit is None:
            return []  # on an IPython line: no certain rewrite
        edits.append(edit)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, ["contrib", "keras"], ctx.shown_versions)  # fmt: skip
    problem.certain = True  # the same Keras API, under the name TensorFlow gave it since 1.4
    return [problem]


def _contrib_keras_root(node: ast.AST) -> ast.Name | None:
    """``T`` of a node ``T.contrib.keras`` (``T`` a name), else None."""
    if not (isinstance(node, ast.Attribute) and node.attr == "keras"):
        return None
    contrib = node.value
    if isinstance(contrib, ast.Attribute) and contrib.attr == "contrib" and isinstance(contrib.value, ast.Name):  # fmt: skip
        return contrib.value
    return None
