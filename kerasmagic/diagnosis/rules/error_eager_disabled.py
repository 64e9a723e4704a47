"""Error rule: TensorFlow 1 graph mode switched on (``tf.compat.v1.disable_eager_execution()``)
in a notebook that trains with Keras 3.

TF1-to-2 transition code turned eager execution off at its top, and Keras 2 trained the same
model in graph mode. Keras 3 runs only eagerly (or inside its own ``tf.function``): with eager
execution off its training fails ("`tf.data.Dataset` only supports Python-style iteration in eager
mode or within tf.function", and others). The evidence is the live state, whatever the message:
the kernel's TensorFlow is not executing eagerly, the Keras in use is Keras 3, and a statement
of the cell turns eager execution off. That statement goes (the cell that made it: the entry's
``earlier_cell``); eager execution cannot be turned on again in the same process, so ``migrate``
runs the cells again in a fresh kernel (``loop._in_fresh_kernel``).

The same graph mode, for a block only: Keras 2 scripts built and trained a model inside ``with
tf.Graph().as_default():`` (a fresh graph for each run, or for TensorBoard's logs), where
TensorFlow 2 does not execute eagerly either. When the error is raised inside such a block (a
``tf.Graph()`` or the default graph got there, or a name the block reads only for it that holds a
graph in the kernel, or that the cell binds to one) and Keras 3 trains
it, the block's body goes in its place one level less indented (``keras3-graph-block``):
the eager execution TensorFlow 2 runs outside it is what Keras 3 needs, and a model built in a
fresh graph is a fresh model already. tf.keras 2 runs a model in graph mode only when it was built
there: one built eagerly and used inside the block (Keras 2 servers kept the default graph to
enter around ``predict``) fails with "Calling `Model.predict` in graph mode is not supported when
the `Model` instance was constructed with eager mode enabled", and its block goes the same way.
"""

from __future__ import annotations

import ast
import re
import sys

from kerasmagic.diagnosis.block_bodies import body_in_place
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import statement_removal, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-eager-disabled"
GRAPH_ENTRY = "keras3-graph-block"
# the calls that give a graph: a fresh one, or the default one (a handle: getting it runs nothing)
GRAPHS = ("tensorflow.Graph", "tensorflow.compat.v1.Graph", "tensorflow.compat.v1.get_default_graph", "tensorflow.get_default_graph")  # fmt: skip
SWITCHES = ("disable_eager_execution", "disable_v2_behavior")
BUILT_EAGERLY = re.compile(r"in graph mode is not supported when the `Model` instance was constructed with eager mode enabled")


@rule(ENTRY, when=(ERROR,), family="keras3-over-old-tf", needs=SWITCHES)
def eager_disabled(ctx: CellContext) -> list[Problem]:
    """Each statement of the cell that turns eager execution off, removed."""
    if ctx.cell.tree is None or _eager() is not False or not _keras3_trains(ctx):
        return []
    edits, names = [], []
    for stmt in walk(ctx.cell.tree):
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        name = getattr(getattr(call, "func", None), "attr", None)
        if name in SWITCHES:
            edit = statement_removal(ctx.cell, stmt, ctx.cell.tree)
            if edit is not None:
                edits.append(edit)
                names.append(name)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, names, ctx.shown_versions, switch=names[0])  # fmt: skip
    problem.certain = True  # Keras 3 trains eagerly or in its own tf.function, never in TF1 graphs
    return [problem]


@rule(GRAPH_ENTRY, when=(ERROR,), family="keras3-over-old-tf", needs="as_default")
def graph_blocks(ctx: CellContext) -> list[Problem]:
    """Each ``with tf.Graph().as_default():`` block of the cell holding the failing line: its body
    in its place."""
    tree = ctx.cell.tree
    if tree is None or _eager() is not True:
        return []  # (eager execution off for the whole kernel: eager_disabled's)
    if not (_keras3_trains(ctx) or BUILT_EAGERLY.search(ctx.message or "")):
        return []
    failing = ctx.failing_lines
    edits = []
    for block in _graph_blocks(ctx, tree):
        if any(block.body[0].lineno <= line <= (block.end_lineno or block.lineno) for line in failing):
            edits.append(body_in_place(ctx.cell, block))
    if not edits:
        return []
    problem = from_entry(GRAPH_ENTRY, ctx.line or edits[0].line, edits, ["Graph", "as_default"], ctx.shown_versions)  # fmt: skip
    problem.certain = True
    return [problem]


def _graph_blocks(ctx: CellContext, tree: ast.AST) -> list[ast.With]:
    """The outermost ``with G.as_default():`` blocks (no ``as``, one item) whose ``G`` is a
    TensorFlow graph made or got there (``tf.Graph()``, ``tf.compat.v1.get_default_graph()``), or a
    name the cell reads for nothing else that the cell binds to one, or that holds one in the
    kernel (a ``Graph``, whoever made it: this cell before it failed, an earlier cell, a session's
    ``.graph``)."""
    made = {  # the names bound to a `tf.Graph()`
        node.targets[0].id
        for node in walk(tree)
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and _a_graph(ctx, node.value)
    }  # fmt: skip
    blocks: list[ast.With] = []
    for node in walk(tree):
        if not isinstance(node, ast.With) or len(node.items) != 1 or node.items[0].optional_vars is not None:
            continue
        call = node.items[0].context_expr
        if not (isinstance(call, ast.Call) and not call.args and isinstance(call.func, ast.Attribute) and call.func.attr == "as_default"):  # fmt: skip
            continue
        graph = call.func.value
        held = isinstance(graph, ast.Name) and _graph_object((ctx.namespace or {}).get(graph.id))
        named = isinstance(graph, ast.Name) and (graph.id in made or held) and _read_once(tree, graph.id)
        if (named or _a_graph(ctx, graph)) and not any(_inside(node, b) for b in blocks):
            blocks.append(node)
    return blocks


def _a_graph(ctx: CellContext, node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and not node.args and not node.keywords and ctx.scope.bound_path(node.func) in GRAPHS  # fmt: skip


def _graph_object(value: object) -> bool:
    """Is ``value`` a TensorFlow ``Graph`` (read from the kernel: made by an earlier cell)?"""
    graph = getattr(sys.modules.get("tensorflow"), "Graph", None)
    return isinstance(graph, type) and isinstance(value, graph)


def _read_once(tree: ast.AST, name: str) -> bool:
    return sum(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for n in walk(tree)) == 1  # fmt: skip


def _inside(node: ast.AST, block: ast.With) -> bool:
    return block.lineno < getattr(node, "lineno", 0) <= (block.end_lineno or block.lineno)


def _eager() -> bool | None:
    """Does the kernel's TensorFlow execute eagerly (None: no TensorFlow loaded)?"""
    executing = getattr(sys.modules.get("tensorflow"), "executing_eagerly", None)
    return bool(executing()) if callable(executing) else None


def _keras3_trains(ctx: CellContext) -> bool:
    """Keras 3 is what trains: not tf_keras (Keras 2), which has graph mode."""
    if not ctx.versions.get("keras", "").startswith("3"):
        return False
    return not (ctx.versions.get("tf.keras", "3").split(".")[0] != "3" and "tf_keras" in sys.modules)
