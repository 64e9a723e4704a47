"""Error rule: a Keras ``Model``/``Layer`` subclass that defines ``__call__`` instead of ``call``.

TF 2.0-era examples wrote the forward pass as ``def __call__(self, x, is_training=False)``. That
replaces Keras's own ``__call__``, which is what builds a layer and marks it built; the model
trains (its sublayers are called and build themselves) but is never "built" itself. Keras 2's
TensorFlow checkpoints did not ask; Keras 3 refuses to save, load or export such a model ("You are
saving a model that has not yet been built", "… has never been called"). The repair is the
spelling Keras documents for a subclass's forward pass: the method is named ``call``, and
Keras's ``__call__`` runs it with the same arguments (keywords included).

The class is often defined cells before the save that fails: ``migrate`` finds it by diagnosing
the earlier cells with the error (the entry's ``earlier_cell``), then runs that cell and the ones
after it again, so the model is made and trained from the changed class.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, walk
from kerasmagic.diagnosis.rules import rule

NOT_BUILT = re.compile(r"has not yet been built|has never been called")


@rule("subclass-defines-dunder-call", when=(ERROR,), family="model-methods", errors=("ValueError", "AttributeError"), needs="__call__")  # fmt: skip
def dunder_call(ctx: CellContext) -> list[Problem]:
    """Each class of the cell whose live class is a Keras layer or model subclass defining its
    own ``__call__``: that method is renamed ``call``."""
    if NOT_BUILT.search(ctx.message) is None or ctx.cell.tree is None:
        return []
    for node in walk(ctx.cell.tree):
        if not isinstance(node, ast.ClassDef) or not _keras_class_with_dunder_call(ctx, node.name):
            continue
        method = next(
            (m for m in node.body if isinstance(m, ast.FunctionDef) and m.name == "__call__"),
            None,
        )
        if method is None or any(
            isinstance(m, ast.FunctionDef) and m.name == "call" for m in node.body
        ):
            continue
        edit = _rename_edit(ctx.cell, method)
        if edit is None:
            continue
        problem = from_entry(
            "subclass-defines-dunder-call",
            ctx.line or method.lineno,
            [edit],
            ["__call__", node.name],
            ctx.shown_versions,
            klass=node.name,
        )
        return [problem]
    return []


def _keras_class_with_dunder_call(ctx: CellContext, name: str) -> bool:
    """The namespace's ``name`` is a class made from a Keras ``Layer`` (read from its MRO) that
    defines ``__call__`` itself."""
    klass = ctx.live_names.get(name)
    if not isinstance(klass, type) or "__call__" not in vars(klass):
        return False
    try:
        bases = klass.__mro__[1:]
    except Exception:
        return False
    return any(b.__name__ == "Layer" and live.is_keras_object(b) for b in bases)


def _rename_edit(cell: ParsedCell, method: ast.FunctionDef) -> Edit | None:
    """``def __call__`` → ``def call`` on the method's own line."""
    lines = cell.source.splitlines()
    if method.lineno in cell.frozen_lines or method.lineno > len(lines):
        return None
    line = lines[method.lineno - 1]
    found = re.search(r"\bdef\s+(__call__)\b", line)
    if found is None:
        return None
    start, end = found.span(1)
    return Edit(method.lineno, start, method.lineno, end, "call")
