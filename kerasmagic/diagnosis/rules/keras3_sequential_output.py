"""Keras 3 rule on a Sequential model's ``.input`` / ``.output``, which Keras 3 keeps for models
called on symbolic tensors: "has never been called and thus has no defined input". Read from the
live model (its ``inputs``/``outputs`` lists, its tensors' graph), on the failing line of the
cell or of a function this cell or an earlier one defines (Grad-CAM's helper, called cells after
its ``def``: the corrected cell defines it again, and ``migrate`` changes it where it is).
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import innermost_cell_function
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.redefine import definition, is_that_function, placed
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    insertion_line,
    node_edit,
    node_text,
    parent_map,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.sequential_graph import (
    head_text,
    layer_of,
    one_tensor_list,
    stale_output,
)

NEVER_CALLED = re.compile(r"has never been called and thus has no defined (input|output)\b")
INPUT = "keras3-sequential-input"
HEAD = "keras3-sequential-layer-output"


@rule(INPUT, when=(ERROR,), family="model-methods", errors=("AttributeError",))
def sequential_input(ctx: CellContext) -> list[Problem]:
    """``Model(inputs=model.input, …)`` after a Sequential model built from ``input_shape=``:
    Keras 3 raises "has never been called and thus has no defined input" for ``model.input``
    while the same model's ``inputs`` (read, never called) holds its one input tensor. Each
    ``X.input`` (``.output``) of the failing line whose live ``X`` has exactly one becomes
    ``X.inputs[0]`` (``.outputs[0]``), the tensor Keras 2 returned; ``X.output`` beside a layer's
    ``.output`` outside its graph becomes the model's output computed from it
    (:func:`_head_beside`)."""
    match = NEVER_CALLED.search(ctx.message)
    if match is None or ctx.cell.tree is None or ctx.line is None:
        return []
    attr = match.group(1)
    found = _rewrites(ctx, ctx.cell, ctx.cell.tree, ctx.line, attr, None)
    if found:
        return found
    failing = innermost_cell_function(ctx.exc, ctx.namespace, ctx.filename)
    if failing is None:
        return []
    function, line = failing
    for index, parsed in cells(ctx):
        node = definition(parsed, function, index is None)
        if node is None:
            continue
        if not is_that_function((ctx.namespace or {}).get(function), node):
            return []
        return _rewrites(ctx, parsed, node, line, attr, index)
    return []


def _rewrites(ctx: CellContext, parsed: ParsedCell, root: ast.AST, line: int, attr: str, index: int | None) -> list[Problem]:  # fmt: skip
    """The problems of the ``X.input``/``X.output`` reads on ``line`` under ``root`` (the cell,
    or a function of cell ``index``: its edits placed as :func:`redefine.placed` says)."""
    edits, owners, problems = [], [], []
    parents = parent_map(parsed.tree) if parsed.tree is not None else {}
    for node in walk(root):
        if not (
            isinstance(node, ast.Attribute)
            and node.attr == attr
            and isinstance(node.ctx, ast.Load)
            and isinstance(node.value, ast.Name)
            and node.lineno == line
        ):
            continue
        if not one_tensor_list(ctx.live_names.get(node.value.id), attr + "s"):
            continue
        head = _head_beside(ctx, parsed, node, parents) if attr == "output" else None
        if head is not None:
            problems.append(head)
            continue
        edit = node_edit(parsed, node, f"{node.value.id}.{attr}s[0]")
        if edit is not None:
            edits.append(edit)
            owners.append(node.value.id)
    if edits:
        problems.append(from_entry(INPUT, line, edits, [attr, *owners], ctx.shown_versions, attr=attr, model=owners[0]))  # fmt: skip
    if index is None and root is parsed.tree:
        return problems
    for problem in problems:  # edits inside a function ``root`` of this cell or an earlier one
        moved = placed(ctx.cell, ctx.namespace, parsed, root, problem.edits, index)  # type: ignore[arg-type]
        if moved is None:
            return []
        problem.edits, problem.across = moved
        problem.line = ctx.line or problem.line
    return problems


def _head_beside(ctx: CellContext, parsed: ParsedCell, node: ast.Attribute, parents: dict[int, ast.AST]) -> Problem | None:  # fmt: skip
    """``model.output`` in a list of outputs beside ``layer.output`` of one of the model's layers
    whose output is outside the graph of the model's output (``sequential_graph``): the model's
    output computed from that layer's output by the layers after it, so that a model of both
    holds one graph (a gradient of the prediction with respect to the layer's output is not
    None); None otherwise."""
    container = parents.get(id(node))
    if not isinstance(container, (ast.List, ast.Tuple)) or not isinstance(node.value, ast.Name):
        return None
    name = node.value.id
    model = ctx.live_names.get(name)
    for sibling in container.elts:
        if sibling is node or not (isinstance(sibling, ast.Attribute) and sibling.attr == "output"):
            continue
        layer = layer_of(model, name, sibling.value, ctx.live_names)
        layer_text = node_text(parsed, sibling.value)
        if layer is None or layer_text is None or not stale_output(model, layer):
            continue
        edit = node_edit(parsed, node, head_text(name, layer_text))
        imported = _functools_import(ctx, parsed, node, parents)
        if edit is None or imported is None:
            return None
        return from_entry(
            HEAD,
            node.lineno,
            [*imported, edit],
            ["output", name],
            ctx.shown_versions,
            model=name,
            layer=layer_text,
        )
    return None


def _functools_import(ctx: CellContext, parsed: ParsedCell, node: ast.AST, parents: dict[int, ast.AST]) -> list[Edit] | None:  # fmt: skip
    """The edits binding ``functools`` where ``node`` reads it: none when the cell binds it
    already; ``import functools`` at the cell's top for a read outside a function, else just
    before the function's statement that holds the read (the function may be defined again
    elsewhere); None when the name is the user's own."""
    if ctx.scope.bindings.get("functools") == "functools":
        return []
    if "functools" in ctx.scope.user_bound:
        return None
    statement, inside = node, False
    while id(statement) in parents and not isinstance(statement, ast.stmt):
        statement = parents[id(statement)]
    above = parents.get(id(statement))
    while above is not None:
        inside = inside or isinstance(above, (ast.FunctionDef, ast.AsyncFunctionDef))
        above = parents.get(id(above))
    if not inside:
        at = insertion_line(ctx.cell)
        return [Edit(at, 0, at, 0, "import functools\n")]
    indent = indent_of(ctx.cell, statement)
    line = getattr(statement, "lineno", 1)
    return [Edit(line, 0, line, 0, f"{indent}import functools\n")]
