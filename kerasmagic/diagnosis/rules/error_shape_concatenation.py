"""Error rule: a custom layer joins the shape Keras passed it with a list, as TF 2's tf.keras
allowed (``batch_input_shape[:-1] + [self.units]``: a ``tf.TensorShape`` concatenates with a
list); Keras 3 passes a tuple, and ``tuple + list`` raises "can only concatenate tuple (not
"list") to tuple". The repair makes the joined terms tuples (``(self.units,)``, ``tuple(x)``), so
the result is the tuple Keras 3 wants from ``compute_output_shape`` and ``add_weight`` takes."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-shape-tuple-concatenated"
MIXED = re.compile(r'can only concatenate (tuple|list) \(not "(list|tuple)"\) to (tuple|list)')
# the methods Keras hands a shape to (their parameters are shapes whatever their names)
SHAPE_METHODS = frozenset(
    {"build", "compute_output_shape", "compute_output_signature", "compute_mask"}
)


@rule(ENTRY, when=(ERROR,), family="layer-arguments", errors=("TypeError",))
def shape_tuple_concatenated(ctx: CellContext) -> list[Problem]:
    """Each ``+`` chain on the failing line of a class's method that joins one of the method's
    shape parameters (or a slice or item of one) with lists: the lists become tuples."""
    cell, line = ctx.cell, ctx.line
    if cell.tree is None or line is None or not MIXED.search(ctx.message or ""):
        return []
    method = _method_at(cell.tree, line)
    if method is None:
        return []
    shapes = _shape_parameters(method)
    edits: list[Edit] = []
    for chain in _chains_on_line(method, line):
        terms = _terms(chain)
        if any(_from_shape(t, shapes) for t in terms):
            edits += [e for t in terms if not _from_shape(t, shapes) for e in _as_tuple(cell, t)]
    if not edits:
        return []
    problem = from_entry(ENTRY, line, edits, [method.name], ctx.shown_versions,
                         keras=ctx.versions.get("keras", "3"), method=method.name)  # fmt: skip
    problem.certain = True
    return [problem]


def _method_at(tree: ast.AST, line: int) -> ast.FunctionDef | None:
    """The innermost method of a class holding ``line``."""
    found = None
    for klass in walk(tree):
        if not isinstance(klass, ast.ClassDef):
            continue
        for method in klass.body:
            if isinstance(method, ast.FunctionDef) and method.lineno <= line <= (method.end_lineno or 0):  # fmt: skip
                found = method
    return found


def _shape_parameters(method: ast.FunctionDef) -> set[str]:
    """The parameters Keras passes a shape in: all of a shape method's, else those named so."""
    params = [a.arg for a in method.args.args[1:] + method.args.kwonlyargs]
    if method.name in SHAPE_METHODS:
        return set(params)
    return {p for p in params if "shape" in p.lower()}


def _chains_on_line(method: ast.FunctionDef, line: int) -> list[ast.BinOp]:
    """The outermost ``a + b (+ …)`` expressions of the method that touch ``line``."""
    adds = [
        n
        for n in walk(method)
        if isinstance(n, ast.BinOp)
        and isinstance(n.op, ast.Add)
        and n.lineno <= line <= (n.end_lineno or n.lineno)  # fmt: skip
    ]
    inner = {id(side) for n in adds for side in (n.left, n.right) if isinstance(side, ast.BinOp)}
    return [n for n in adds if id(n) not in inner]


def _terms(node: ast.expr) -> list[ast.expr]:
    """The operands of a chain of ``+``, left to right."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*_terms(node.left), *_terms(node.right)]
    return [node]


def _from_shape(node: ast.expr, shapes: set[str]) -> bool:
    """The shape parameter itself, or a slice or item of it (``input_shape[:-1]``)."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return isinstance(node, ast.Name) and node.id in shapes


def _as_tuple(cell: ParsedCell, node: ast.expr) -> list[Edit]:
    """``[a, b]`` → ``(a, b)`` (``(a,)`` for one), a tuple display as it is, anything else
    wrapped in ``tuple(…)``."""
    if isinstance(node, ast.Tuple):
        return []
    if isinstance(node, ast.List):
        items = [node_text(cell, e) for e in node.elts]
        if None in items:
            return []
        text = f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"  # type: ignore[arg-type]
    else:
        inner = node_text(cell, node)
        if inner is None:
            return []
        text = f"tuple({inner})"
    edit = node_edit(cell, node, text)
    return [edit] if edit is not None else []
