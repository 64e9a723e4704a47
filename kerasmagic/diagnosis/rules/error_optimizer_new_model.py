"""Error rule: a custom training loop's optimizer, built for an earlier model, given the variables
of a model the cell makes again (``my_model = MyModel()`` then ``train_step`` calling
``optimizer.apply_gradients`` on the notebook's one ``optimizer``).

The optimizers of TensorFlow 2.11+ and Keras 3 are built once, for the variables of the first
model they update, and refuse any other ("Unknown variable: <Variable path=my_model_2/…>. This
optimizer can only be called for the variables it was originally built with"); Keras 2's
``OptimizerV2`` made slots for new variables as it met them. Evidence, from the live kernel: the
message's variable belongs to a model this cell binds (its name is the path's first part), and
exactly one built Keras optimizer of the namespace lacks it. The repair gives the new model its
own optimizer of the same class and settings right after the cell makes it, under the name the
loop reads; the finding says its step count starts from 0 (Adam's bias correction afresh), as
for ``optimizer-reused-across-models``.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_text
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.optimizer_state import UNKNOWN_VARIABLE, built_without
from kerasmagic.diagnosis.source_bindings import bindings

ENTRY = "optimizer-built-for-another-model"


@rule(ENTRY, when=(ERROR,), family="optimizers", errors=("ValueError",))
def optimizer_new_model(ctx: CellContext) -> list[Problem]:
    """A fresh copy of the loop's optimizer after the statement that makes the new model."""
    found = UNKNOWN_VARIABLE.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or tree is None:
        return []
    root = found.group(1).split("/")[0]
    made = _binding_of_model(ctx, tree, root)
    optimizers = [(n, v) for n, v in (ctx.namespace or {}).items() if built_without(v, found.group(1))]  # fmt: skip
    if made is None or len(optimizers) != 1:
        return []
    name = optimizers[0][0]
    statement, model = made
    if getattr((ctx.namespace or {}).get(model), "optimizer", None) is optimizers[0][1]:
        return []  # compiled with it: `optimizer-reused-across-models` gives each compile its own
    if any(stmt.lineno >= statement.lineno for stmt, _ in bindings(tree, name, mutations=False)):
        return []  # the cell makes the optimizer after the model (a sub-model the outer one trains)
    end = statement.end_lineno or statement.lineno
    lines = ctx.cell.source.splitlines()
    if end > len(lines) or end in ctx.cell.frozen_lines:
        return []
    indent = lines[statement.lineno - 1][: statement.col_offset]
    text = f"{indent}{name} = type({name}).from_config({name}.get_config())  # {model} gets an optimizer of its own\n"  # fmt: skip
    edit = Edit(end + 1, 0, end + 1, 0, text)
    return [from_entry(ENTRY, ctx.line or statement.lineno, [edit], [name, model], ctx.shown_versions,
                       name=name, model=model, keras=ctx.versions.get("keras", "3"))]  # fmt: skip


def _binding_of_model(ctx: CellContext, tree: ast.AST, root: str) -> tuple[ast.stmt, str] | None:
    """The cell's last top-level ``NAME = …`` before the failing line whose live value is the
    Keras model named ``root``."""
    last = max(ctx.failing_lines, default=None)  # the top-level statement that ran the loop
    before = [s for s in getattr(tree, "body", []) if last is None or s.lineno < last]
    for statement in reversed(before):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                value = (ctx.namespace or {}).get(target.id)
                if live.from_keras(value) and getattr(value, "name", None) == root:
                    return statement, node_text(ctx.cell, target) or target.id
    return None
