"""Error rule: a symbolic loss summed onto a variable made only to start the sum
(``loss = K.variable(0.)`` then ``loss += coeff * K.sum(…)`` over a model's outputs, as deep-dream
and style-transfer code of the Keras 2 era wrote it; ``K.variable`` now ``keras.Variable``).

In Keras 2's graph a variable was a tensor like any other: adding a symbolic term to it made a
graph tensor. A Keras 3 variable holds a concrete TensorFlow variable, and its ``+`` runs a
TensorFlow op that cannot take a ``KerasTensor`` ("A KerasTensor cannot be used as input to a
TensorFlow function"). The variable is only the sum's first value (the failing statement rebinds
its name to the sum, and nothing assigns the variable), so a constant tensor of the same value
gives the same sum, and Keras 3's ops add a symbolic term to it. Evidence: the failing
statement reads a name whose live value is a Keras variable and a symbolic tensor; the name's
assignment in the cell is a Keras variable of a number literal.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import newest_binding, parsed_source
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_symbolic_tf import (
    MESSAGE,
    loaded_names,
    statements_on_line,
    symbolic_names,
)

ENTRY = "symbolic-sum-from-variable"
VARIABLE_MAKERS = ("keras.Variable", "keras.backend.variable", "keras.variable")


@rule(ENTRY, when=(ERROR,), family="layer-arguments", errors=("ValueError",))
def variable_start(ctx: CellContext) -> list[Problem]:
    """The assignment of the variable the failing sum starts from: a constant tensor."""
    if MESSAGE not in ctx.message or ctx.cell.tree is None or ctx.line is None:
        return []
    statement = _failing_sum(ctx)
    root = keras_root(ctx)
    if statement is None or root is None:
        return []
    symbolic = symbolic_names(ctx)
    read = loaded_names(statement)  # `x += …` reads its target too
    read += [
        n for n in _targets(statement) if isinstance(statement, ast.AugAssign) and n not in read
    ]
    if not set(read) & symbolic:
        return []
    edits: list[Edit] = []
    across: list[Edit] = []
    names: list[str] = []
    for name in read:
        if not _keras_variable(ctx.live_names.get(name)) or name not in _targets(statement):
            continue
        if _made_here(ctx, name, statement):
            made = _made_from_number(ctx, name, statement)
            if made is None:
                return []
            call, number = made
            edit = node_edit(ctx.cell, call, f"{root[0]}.ops.convert_to_tensor({number})")
            if edit is None:
                return []
            edits.append(edit)
            across.append(edit)
        else:  # made cells before (`loss = K.variable(0.)` in a cell of its own): changed there
            change = _made_earlier(ctx, name, statement, root[0])
            if change is None:
                return []
            edits += change[0]
            across += change[1]
        names.append(name)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line, [*root[1], *edits], names, ctx.shown_versions,
                         name=names[0], keras=ctx.versions.get("keras", "3"))  # fmt: skip
    problem.across = [*root[1], *across] if across != edits else None
    problem.certain = True
    return [problem]


def _made_here(ctx: CellContext, name: str, use: ast.stmt) -> bool:
    """Does the cell assign ``name`` before ``use`` (else an earlier cell made its value)?"""
    return any(
        isinstance(node, ast.Assign) and node is not use and node.lineno <= use.lineno and name in _targets(node)
        for node in walk(ctx.cell.tree)  # type: ignore[arg-type]
    )


def _made_earlier(ctx: CellContext, name: str, use: ast.stmt, keras: str) -> tuple[list[Edit], list[Edit]] | None:
    """The variable an earlier cell made from a number literal and never assigns to, as a
    constant tensor of that number where it is made: ``(edits, across)``, the corrected cell
    binding the name again at its top, ``migrate`` changing that cell."""
    made = newest_binding(ctx, None, ctx.cell, name, use, anywhere=False)  # the sum reads it first
    if made is None or made[0] is None or not isinstance(made[3], ast.Call):
        return None
    index, parsed, _binding, call = made
    path = ctx.scope.bound_path(call.func)
    number = call.args[0] if call.args else None
    if path is None or not path.endswith(VARIABLE_MAKERS) or not (isinstance(number, ast.Constant) and isinstance(number.value, (int, float))):  # fmt: skip
        return None
    trees = [ctx.cell.tree, *(parsed_source(source).tree for source in ctx.earlier)]
    if any(_assigned_to(tree, name) for tree in trees if tree is not None):
        return None
    text = f"{keras}.ops.convert_to_tensor({number.value!r})"
    where = node_edit(parsed, call, text)
    if where is None:
        return None
    top = insertion_line(ctx.cell)  # the sum reads the name before it binds it: bound here first
    return [Edit(top, 0, top, 0, f"{name} = {text}\n")], [replace(where, cell=index)]


def _assigned_to(tree: ast.AST, name: str) -> bool:
    """Does the tree call ``name.assign(…)`` (or ``assign_add``/``assign_sub``)?"""
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("assign", "assign_add", "assign_sub")
        and isinstance(node.func.value, ast.Name) and node.func.value.id == name
        for node in walk(tree)
    )  # fmt: skip


def _failing_sum(ctx: CellContext) -> ast.stmt | None:
    """The assignment (``x = x + …``, ``x += …``) on the failing line."""
    found = statements_on_line([ctx.cell.tree], ctx.line or 0, (ast.Assign, ast.AugAssign))
    return found[0] if found else None


def _targets(statement: ast.stmt) -> set[str]:
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]  # type: ignore[attr-defined]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _keras_variable(value: object) -> bool:
    """A live Keras 3 variable (``keras.Variable``, what ``K.variable`` became)."""
    return type(value).__name__ == "Variable" and live.from_keras(value) and hasattr(value, "assign")  # fmt: skip


def _made_from_number(ctx: CellContext, name: str, use: ast.stmt) -> tuple[ast.Call, str] | None:
    """The cell's one assignment of ``name`` before ``use`` from a Keras variable of a number
    literal (``keras.Variable(0., dtype=…)``, ``K.variable(0.0)``): the call and the number; None
    when the name is assigned otherwise too, or the variable is ever assigned to."""
    if _assigned_to(ctx.cell.tree, name):  # type: ignore[arg-type]
        return None
    made = None
    for node in walk(ctx.cell.tree):  # type: ignore[arg-type]
        if not isinstance(node, ast.Assign) or node is use or node.lineno > use.lineno:
            continue
        if name not in _targets(node):
            continue
        value = node.value
        path = ctx.scope.bound_path(value.func) if isinstance(value, ast.Call) else None
        if made is not None or path is None or not path.endswith(VARIABLE_MAKERS) or not value.args:  # type: ignore[union-attr]
            return None
        number = value.args[0]  # type: ignore[union-attr]
        text = node_text(ctx.cell, number)
        if not (isinstance(number, ast.Constant) and isinstance(number.value, (int, float))) or text is None:  # fmt: skip
            return None
        made = (value, text)
    return made
