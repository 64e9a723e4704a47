"""Error rule: ``multi_gpu_model`` (removed in TensorFlow 2.4, never in Keras 3).

``parallel = multi_gpu_model(model, gpus=2)`` split each batch across replicas of the model and
joined their outputs, so the loss and the gradients were those of the whole batch on the model
itself. The import becomes a function of the name it bound (its own, or the import's ``as``
name, or the name an assignment binds it to: ``multi_gpu_model = keras.utils.multi_gpu_model``)
that returns the model (one device computes the batch the replicas split; later cells keep
working), and a call read through a module (``keras.utils.multi_gpu_model(m, gpus=2)``) becomes
its model, and where a star import gave it (a NameError now) the stand-in goes at the cell's top.
Several devices: ``tf.distribute.MirroredStrategy``, said in the finding.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

NAME = "multi_gpu_model"
STAND_IN = (
    "def {name}(model, *args, **kwargs):  # removed in TF 2.4: one device, same batches\n"
    "{indent}    return model"
)


@rule("multi-gpu-model-stand-in", when=(ERROR,), family="removed-apis", needs=NAME,
      errors=("ImportError", "AttributeError", "NameError"))  # fmt: skip
def multi_gpu_model(ctx: CellContext) -> list[Problem]:
    """Its import → a stand-in returning the model; a call through a module → the model. The
    error names it, or is raised by an import of it (``from keras.utils.training_utils import
    multi_gpu_model``: Keras 2.0's module, which the message names instead), or the cell imports
    it where it is missing and failed first on something else (another import above it)."""
    if ctx.cell.tree is None:
        return []
    if NAME not in ctx.message and not _imported_on(ctx.cell.tree, ctx.line) and not _missing_import(ctx.cell.tree):  # fmt: skip
        return []
    edits: list[Edit | None] = []
    lines = ctx.cell.source.splitlines()
    for node in walk(ctx.cell.tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == NAME for a in node.names):
            bound = next(a.asname or NAME for a in node.names if a.name == NAME)
            indent = _indent(lines, node)
            rest = [a.name + (f" as {a.asname}" if a.asname else "") for a in node.names if a.name != NAME]  # fmt: skip
            stand_in = STAND_IN.format(name=bound, indent=indent)
            new = f"from {'.' * node.level}{node.module or ''} import {', '.join(rest)}\n{indent}{stand_in}" if rest else stand_in  # fmt: skip
            edits.append(node_edit(ctx.cell, node, new))
        elif _assigned_from_module(node):  # ``multi_gpu_model = keras.utils.multi_gpu_model``
            stand_in = STAND_IN.format(name=node.targets[0].id, indent=_indent(lines, node))  # type: ignore[attr-defined]
            edits.append(node_edit(ctx.cell, node, stand_in))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == NAME:  # fmt: skip
            model = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "model"), None)  # fmt: skip
            text = node_text(ctx.cell, model) if model is not None else None
            edits.append(node_edit(ctx.cell, node, text) if text else None)
    if not edits and ctx.error_type == "NameError":  # given by a star import that no longer
        at = insertion_line(ctx.cell)  # gives it: the stand-in at the cell's top
        edits.append(Edit(at, 0, at, 0, STAND_IN.format(name=NAME, indent="") + "\n"))
    if not edits or None in edits:
        return [from_entry("multi-gpu-model-removed", ctx.line or 1, [], [NAME])]
    problem = from_entry("multi-gpu-model-stand-in", ctx.line or 1, [e for e in edits if e], [NAME])
    problem.certain = True  # the model itself computes the batches the replicas split
    return [problem]


def _indent(lines: list[str], node: ast.stmt) -> str:
    """The indentation of the line ``node`` starts on."""
    text = lines[node.lineno - 1]
    return text[: len(text) - len(text.lstrip())]


def _assigned_from_module(node: ast.AST) -> bool:
    """``name = a.b.multi_gpu_model``: the function bound under a name as an import binds it."""
    return (
        isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Attribute) and node.value.attr == NAME
    )  # fmt: skip


def _missing_import(tree: ast.AST) -> bool:
    """Does the cell import ``multi_gpu_model`` from a module that has no such name here? Then
    the cell fails there next, whatever failed first: the corrected cell fixes it too."""
    for node in walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level and any(a.name == NAME for a in node.names):  # fmt: skip
            status, module = live.module_status(node.module)
            if status == live.MISSING or (status == live.OK and not live.has_attr(module, node.module, NAME)):  # fmt: skip
                return True
    return False


def _imported_on(tree: ast.AST, line: int | None) -> bool:
    """Does the statement of ``line`` import ``multi_gpu_model`` by name?"""
    return any(
        isinstance(node, ast.ImportFrom) and node.lineno <= (line or 0) <= (node.end_lineno or node.lineno)
        and any(a.name == NAME for a in node.names)
        for node in walk(tree)
    )  # fmt: skip
