"""Keras 2 → 3 rule on what a Python generator given to a model yields: Keras 2 took a bare
array as a batch, Keras 3 wants a tuple. The generator is the one the failing call is given: a
generator expression, a name the cell binds to one, or a call of a generator function defined in
the cell or in an earlier one (changed where it is defined: ``redefine``).

Whether the batch is the input alone or Keras 2.0-2.3's ``(x, y)`` read by its length is read
from the live model the call trains (compiled with a loss or not), never from the case.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.redefine import definition, placed
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    node_edit,
    node_text,
    single_assignment,
    walk,
)
from kerasmagic.diagnosis.rules import rule

GENERATOR_NOT_TUPLE = re.compile(
    r"When passing a Python generator to a Keras model, the generator must return a tuple.*?"
    r"Received: (?P<received>.)",
    re.S,
)
DATA_METHODS = ("fit", "evaluate", "predict", "predict_generator", "evaluate_generator")
# training and evaluating methods: Keras 2.0-2.3 read a batch of length 2 (3) as (x, y[, weights])
UNPACKING_METHODS = ("fit", "evaluate", "evaluate_generator")

Edits = tuple[list[Edit], "list[Edit] | None"]  # (edits for the cell at hand, across: migrate's)


def _one_tuple(cell: ParsedCell, node: ast.expr, unpack: bool) -> Edit | None:
    text = node_text(cell, node)
    if text is None:
        return None
    return node_edit(cell, node, f"tuple({text})" if unpack else f"({text},)")


def _yield_edits(cell: ParsedCell, function: ast.FunctionDef, unpack: bool) -> list[Edit]:
    """Every ``yield`` of ``function`` made to yield a tuple; none when one yields a structure
    already (not this problem) or cannot be edited."""
    edits: list[Edit] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Yield) and node.value is not None:
            if isinstance(node.value, (ast.Tuple, ast.List)):
                return []
            edit = _one_tuple(cell, node.value, unpack)
            if edit is None:
                return []
            edits.append(edit)
    return edits


def _generator_edits(ctx: CellContext, tree: ast.Module, value: ast.expr, unpack: bool) -> Edits:
    """Edits making the generator ``value`` yield one-element tuples, or (``unpack``) the tuple
    of the batch's items; a generator function an earlier cell defines is defined again, changed,
    at the top of the corrected cell, and changed in its own cell for ``migrate``."""
    if isinstance(value, ast.Name):
        bound = single_assignment(tree, value.id)
        if bound is None:
            return [], None  # made in an earlier cell: the kernel holds it, made already
        value = bound
    if isinstance(value, ast.GeneratorExp):
        if isinstance(value.elt, (ast.Tuple, ast.List)):
            return [], None
        edit = _one_tuple(ctx.cell, value.elt, unpack)
        return ([edit] if edit is not None else []), None
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
        return [], None
    name = value.func.id
    if len([n for n in walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name]) > 1:
        return [], None
    for index, parsed in cells(ctx):
        function = definition(parsed, name, index is None)
        if function is None:
            continue
        edits = _yield_edits(parsed, function, unpack)
        moved = placed(ctx.cell, ctx.namespace, parsed, function, edits, index) if edits else None
        return moved if moved is not None else ([], None)
    return [], None

@rule(
    "keras3-generator-yields-array",
    when=(ERROR,),
    family="model-methods",
    errors=("ValueError",),
)
def generator_yields_array(ctx: CellContext) -> list[Problem]:
    """A generator that yields bare arrays given to ``predict``/``fit`` of a Keras 3 model (Keras 2
    took them; Keras 3 wants a tuple): where the message shows an array was received, the
    generator of the failing line yields ``(x,)``. Given to ``fit`` or ``evaluate`` of a model
    compiled with a loss, the batch was Keras 2.0-2.3's ``(x, y)`` read by its length (an array
    of two rows, ``np.array([X, Y])``; x alone left the loss nothing to compare): it yields
    ``tuple(batch)``, and a batch of any other length fails its check again (the change is
    undone)."""
    match = GENERATOR_NOT_TUPLE.search(ctx.message)
    tree = ctx.cell.tree
    if match is None or tree is None or match["received"] != "[":
        return []
    if re.search(r"Received: \[\s*array\(", ctx.message):
        return []  # a list of arrays: inputs or (inputs, targets)? not certain
    for node in walk(tree):
        func = node.func if isinstance(node, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr in DATA_METHODS):
            continue
        if ctx.line is not None and not node.lineno <= ctx.line <= (node.end_lineno or 0):
            continue
        value = node.args[0] if node.args else None
        value = value or next((k.value for k in node.keywords if k.arg in ("x", "generator")), None)
        if value is None:
            continue
        unpack = func.attr in UNPACKING_METHODS and _compiled_with_loss(ctx, func.value)
        edits, across = _generator_edits(ctx, tree, value, unpack)
        if edits:
            problem = from_entry(
                "keras2-generator-batch-unpacked" if unpack else "keras3-generator-yields-array",
                node.lineno,
                edits,
                [func.attr, "generator"],
                ctx.shown_versions,
                method=func.attr,
                keras=ctx.versions.get("keras", "3"),
            )
            problem.across = across
            return [problem]
    return []


def _compiled_with_loss(ctx: CellContext, receiver: ast.expr) -> bool:
    """Is the live model the call is made on compiled with a loss (one to compare targets with)?"""
    model = live_value(receiver, ctx.live_names or {})
    return live.from_keras(model) and getattr(model, "loss", None) is not None
