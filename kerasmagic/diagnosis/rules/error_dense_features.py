"""Error rule: ``tf.keras.layers.DenseFeatures`` (feature columns into a model), gone in Keras 3.

tf.keras 2's ``DenseFeatures(feature_columns)`` turned a dict of input features into one dense
tensor through TensorFlow's feature columns (``tf.feature_column.numeric_column``,
``bucketized_column``, ``indicator_column``, ``embedding_column``, …). Keras 3 has no such layer,
but TensorFlow still ships the columns and the machinery the layer ran them with
(``tf.__internal__.feature_column``: its ``StateManager`` and ``FeatureTransformationCache``,
exported for Keras's own layer). So the layer is written into the cell as a Keras 3 layer that
does what tf.keras 2's did (``knowledge/written_in/dense_features.py``): the same columns, in
the order of their names, each one's dense tensor side by side, an embedding column's table a
weight of the layer made by the column's initializer. Evidence: the error names
``DenseFeatures``; the live TensorFlow has that machinery. Each ``….layers.DenseFeatures`` read
through a Keras module becomes ``DenseFeatures``, each ``from … import DenseFeatures`` goes (an
``as`` name bound to the layer), and the layer is defined before the first statement that
reads it, unless an earlier cell's written-in layer is in the kernel already.
"""

from __future__ import annotations

import ast
import sys

from kerasmagic.diagnosis.cell_facts import dotted, resolve
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.import_bindings import written_in_import
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, top_level_start, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.written_in import written_in

ENTRY = "dense-features-written-in"
EXPLAINED = "dense-features-keras3"  # no TensorFlow machinery to write it over, or no Keras read
LAYER = "DenseFeatures"
WRITTEN = "_FeatureColumnState"  # a name only the written-in code binds
MACHINERY = ("StateManager", "FeatureTransformationCache")


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("AttributeError", "ImportError"), needs=LAYER)  # fmt: skip
def dense_features(ctx: CellContext) -> list[Problem]:
    """The written-in ``DenseFeatures`` for each Keras ``DenseFeatures`` the cell reads."""
    tree = ctx.cell.tree
    if tree is None or LAYER not in ctx.message:
        return []
    if not _machinery_here():  # what the layer was, and how to keep it: Keras 2
        return [from_entry(EXPLAINED, ctx.line or 1, [], [LAYER], ctx.shown_versions)]
    edits: list[Edit] = []
    first: ast.stmt | None = None  # the first statement that reads the layer
    for stmt in tree.body:
        for node in walk(stmt):
            edit = _edit(ctx, node)
            if edit is not None:
                edits.append(edit)
            read = edit is not None and (isinstance(node, ast.Attribute) or _aliased(node))
            if first is None and (read or (isinstance(node, ast.Name) and node.id == LAYER)):
                first = stmt
    if not edits:
        return [from_entry(EXPLAINED, ctx.line or 1, [], [LAYER], ctx.shown_versions)]
    if first is not None and WRITTEN not in (ctx.namespace or {}):  # an earlier cell's, run
        at = top_level_start(tree, first.lineno)
        edits.insert(0, Edit(at, 0, at, 0, written_in("dense_features") + "\n\n"))
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [LAYER], ctx.shown_versions)
    problem.certain = True  # tf.keras 2's computation, on TensorFlow's own feature columns
    return [problem]


def _edit(ctx: CellContext, node: ast.AST) -> Edit | None:
    """The change of one node: a Keras module's ``DenseFeatures`` read bare, an import of it
    dropped (the other names kept; an ``as`` name bound to the layer)."""
    if isinstance(node, ast.Attribute) and node.attr == LAYER and _through_keras(ctx, node.value):
        return node_edit(ctx.cell, node, LAYER)
    if isinstance(node, ast.ImportFrom) and "keras" in (node.module or "").split("."):
        return written_in_import(ctx.cell, node, {LAYER}) if any(a.name == LAYER for a in node.names) else None  # fmt: skip
    return None


def _aliased(node: ast.AST) -> bool:
    """Is ``node`` ``from … import DenseFeatures as X`` (its change binds ``X`` to the layer)?"""
    return isinstance(node, ast.ImportFrom) and any(a.name == LAYER and a.asname not in (None, LAYER) for a in node.names)  # fmt: skip


def _through_keras(ctx: CellContext, base: ast.expr) -> bool:
    """Is ``base`` a Keras module (its live value, else the path the cell's imports give it)?"""
    text = dotted(base)
    if text is None:
        return False
    value = live_value(base, ctx.namespace or {})
    path = getattr(value, "__name__", None) or resolve(text, ctx.scope.bindings)
    return any(part.startswith("keras") for part in path.split("."))


def _machinery_here() -> bool:
    """Does the live TensorFlow export what the written-in layer runs the columns with?"""
    tf = sys.modules.get("tensorflow")
    exported = getattr(getattr(tf, "__internal__", None), "feature_column", None)
    return all(hasattr(exported, name) for name in MACHINERY)
