"""Error rule: a custom layer reads the shape Keras passes to ``build``/``compute_output_shape``
as a ``tf.TensorShape`` (``input_shape.as_list()``, ``.ndims``, ``.rank``); Keras 3 passes a
tuple. The message names the attribute the tuple lacks; the repair is the tuple's own spelling
(``list(shape)``, ``len(shape)``), which a ``TensorShape`` of known rank answers alike."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

MISSING = re.compile(r"'tuple' object has no attribute '(\w+)'")


@rule("keras3-shape-is-tuple", when=(ERROR,), family="layer-arguments", errors=("AttributeError",))
def shape_is_tuple(ctx: CellContext) -> list[Problem]:
    """``input_shape.as_list()`` (``.ndims``, ``.rank``) in a method of the class whose code
    raised: each such use of one of the method's parameters is rewritten in the tuple's terms."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    entry = find_entry("keras3-shape-is-tuple")
    found = MISSING.search(message)
    spellings = entry.data.get("spellings", {}) if entry is not None else {}
    if entry is None or cell.tree is None or line is None or not found:
        return []
    if found.group(1) not in spellings:
        return []
    klass = next(
        (
            node
            for node in walk(cell.tree)
            if isinstance(node, ast.ClassDef) and node.lineno <= line <= (node.end_lineno or 0)
        ),
        None,
    )
    if klass is None:
        return []
    edits = _edits(cell, klass, spellings)
    if not any(e.line <= line <= e.end_line for e in edits):
        return []  # the failing use is not one this rule can spell as a tuple
    problem = from_entry(entry.id, line, edits, [found.group(1)], attribute=found.group(1))
    problem.certain = True
    return [problem]


def _edits(cell, klass: ast.ClassDef, spellings: dict[str, str]) -> list[Edit]:
    """Every ``P.as_list()``, ``P.ndims``, ``P.rank`` of the class's methods, ``P`` a parameter
    of the method it is in (what Keras passed: a shape)."""
    edits: list[Edit] = []
    for method in klass.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        params = {a.arg for a in method.args.args[1:] + method.args.kwonlyargs}
        for node in walk(method):
            target = node.func if isinstance(node, ast.Call) and not node.args else node
            if not (isinstance(target, ast.Attribute) and target.attr in spellings):
                continue
            if not (isinstance(target.value, ast.Name) and target.value.id in params):
                continue
            if (target.attr == "as_list") != (target is not node):
                continue  # `as_list` is called, `ndims`/`rank` are read
            text = node_text(cell, target.value)
            edit = node_edit(cell, node, spellings[target.attr].format(text)) if text else None
            if edit is not None:
                edits.append(edit)
    return edits
