"""Trap rule: a model frozen after its own ``compile`` (the Keras 2 GAN recipe) trains nothing.

Keras 2 fixed a model's trainable weights when the model was compiled: the classic GAN compiles
the discriminator, sets ``discriminator.trainable = False``, builds and compiles the combined
model, and then trains both; ``discriminator.train_on_batch`` still updated the discriminator,
``combined.train_on_batch`` only the generator. Keras 3 reads ``trainable`` at every step: the
discriminator's own training updates nothing (Keras only warns "The model does not have any
trainable weights"), so the GAN trains a generator against a discriminator that never learns.

Read after the run: the cell's ``M.train_on_batch(…)`` / ``M.fit(…)`` of a live Keras 3 model
whose ``trainable`` is False, that has weights and is compiled, where the notebook sets
``M.trainable = False`` after ``M.compile`` (this cell or earlier ones; a cell that gives it
another value is left: it toggles already). The fix gives each of those calls the state Keras 2
compiled the model with, and puts the freeze back for the combined model:
``M.trainable = True`` before the call, ``M.trainable = False`` after it.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.compile_calls import compiles
from kerasmagic.diagnosis.context import AFTER_RUN, CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.provenance import parsed_source
from kerasmagic.diagnosis.rewrite import Edit, parent_map, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.trap_support import applies_to_kind, trap_problem
from kerasmagic.knowledge.catalogue import Entry
from kerasmagic.knowledge.catalogue import entry as catalogue_entry
from kerasmagic.probes.which_keras import kind_of_module

ENTRY = "trainable-set-after-compile"
TRAINING = ("train_on_batch", "fit")


@rule(ENTRY, when=(AFTER_RUN,), family="model-methods", needs=("train_on_batch", "fit"), kind="trap")  # fmt: skip
def trainable_after_compile(ctx: CellContext) -> list[Problem]:
    """The cell's training calls of a model the notebook froze after compiling it."""
    tree = ctx.cell.tree
    if not ctx.ran or tree is None or not ctx.namespace:
        return []
    entry = catalogue_entry(ENTRY)
    parents = parent_map(tree)
    lines = ctx.cell.python.splitlines()
    edits: list[Edit] = []
    models: list[str] = []
    frozen_after: dict[int, tuple[str, Edit]] = {}  # statement → the model frozen after it
    for call in walk(tree):
        name = _trained_model(call)
        if name is None or _sets_trainable(tree, name):
            continue
        if name not in models and not _frozen_keras3_model(ctx, entry, name):
            continue
        if name not in models and not _frozen_after_compile(ctx, name):
            continue
        statement = _statement(call, parents)
        if statement is None or any(e.line == statement.lineno for e in edits):
            continue
        end = statement.end_lineno or statement.lineno
        start_text = lines[statement.lineno - 1] if statement.lineno <= len(lines) else ""
        indent = start_text[: len(start_text) - len(start_text.lstrip())]
        if len(indent) != statement.col_offset or end > len(lines):
            continue  # not a line of its own (`for …: d.train_on_batch(x)`)
        refrozen = frozen_after.pop(_previous(statement, parents) or 0, None)
        if refrozen is not None and refrozen[0] == name:  # the statement before trains it too:
            edits.remove(refrozen[1])  # one toggle around both (real and fake batches)
        else:
            edits.append(Edit(statement.lineno, 0, statement.lineno, 0, f"{indent}{name}.trainable = True\n"))  # fmt: skip
        edits.append(Edit(end, len(lines[end - 1]), end, len(lines[end - 1]), f"\n{indent}{name}.trainable = False"))  # fmt: skip
        frozen_after[id(statement)] = (name, edits[-1])
        if name not in models:
            models.append(name)
    if not edits:
        return []
    fields = {"models": ", ".join(f"`{m}`" for m in models), "model": models[0]}
    verify = (f"With the corrected cell `{models[0]}.get_weights()` changes over its own "
              "`train_on_batch` and stays the same over the combined model's.")  # fmt: skip
    return [trap_problem(ctx, entry, fields, edits=edits, line=edits[0].line, confidence=1.0, verify=verify)]  # fmt: skip


def _trained_model(node: ast.AST) -> str | None:
    """``M`` of a ``M.train_on_batch(…)`` / ``M.fit(…)`` call, else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    owner = node.func.value
    return owner.id if node.func.attr in TRAINING and isinstance(owner, ast.Name) else None


def _sets_trainable(tree: ast.AST, name: str) -> bool:
    """Does the tree give ``name.trainable`` another value than ``False`` (the code toggles it
    itself)? The freeze alone (``= False``) is the recipe, in the cell that trains or before."""
    return any(
        isinstance(node, ast.Assign)
        and any(_is_trainable_of(t, name) for t in node.targets)
        and not (isinstance(node.value, ast.Constant) and node.value.value is False)
        for node in walk(tree)
    )


def _is_trainable_of(target: ast.AST, name: str) -> bool:
    return (
        isinstance(target, ast.Attribute)
        and target.attr == "trainable"
        and isinstance(target.value, ast.Name)
        and target.value.id == name
    )


def _frozen_keras3_model(ctx: CellContext, entry: Entry, name: str) -> bool:
    """The live value is a compiled Keras 3 model with weights, frozen now."""
    model = (ctx.namespace or {}).get(name)
    if model is None or not hasattr(model, "train_on_batch") or getattr(model, "trainable", True):
        return False
    kind = kind_of_module(type(model).__module__, ctx.versions)
    if not applies_to_kind(entry, kind, ctx.versions):
        return False
    try:
        return bool(model.weights) and bool(getattr(model, "compiled", False))
    except Exception:
        return False


def _frozen_after_compile(ctx: CellContext, name: str) -> bool:
    """In the order the notebook runs (earlier cells, then this one), is the last ``name.compile``
    followed by ``name.trainable = False`` (before this cell's training)?"""
    compiled = frozen = False
    for source in (*ctx.earlier, ctx.source):
        tree = parsed_source(source).tree if source != ctx.source else ctx.cell.tree
        if tree is None:
            continue
        freezes = [
            (node.lineno, node.col_offset, isinstance(node.value, ast.Constant) and node.value.value is False)
            for node in walk(tree)
            if isinstance(node, ast.Assign) and any(_is_trainable_of(t, name) for t in node.targets)
        ]  # fmt: skip
        compiling = [(call.lineno, call.col_offset, None) for call in compiles(tree, name)]
        for _line, _col, to_false in sorted(freezes + compiling, key=lambda e: e[:2]):
            if to_false is None:  # a compile
                compiled, frozen = True, False
            else:
                frozen = compiled and to_false
    return frozen


def _statement(node: ast.AST, parents: dict[int, ast.AST]) -> ast.stmt | None:
    """The statement holding ``node`` (a line of its own to put the toggles around)."""
    current: ast.AST | None = node
    while current is not None and not isinstance(current, ast.stmt):
        current = parents.get(id(current))
    if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
        return None
    return current if isinstance(current, ast.stmt) else None


def _previous(statement: ast.stmt, parents: dict[int, ast.AST]) -> int | None:
    """The ``id`` of the statement right before ``statement`` in its block, if any."""
    parent = parents.get(id(statement))
    for field in ("body", "orelse", "finalbody"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and any(s is statement for s in block):
            index = next(i for i, s in enumerate(block) if s is statement)
            return id(block[index - 1]) if index > 0 else None
    return None
