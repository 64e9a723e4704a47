"""Static rule: a NumPy helper of Keras 1's ``np_utils`` read through the module
(``np_utils.probas_to_classes(p)``), which Keras 2 removed. Its Keras 1.2 code (catalogue
``keras1-numpy-helper``) is defined at the top of the cell and the call reads it by name; the
import form (``from keras.utils.np_utils import probas_to_classes``) is the import rewrites'
(``keras_paths.removed_definition``)."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras_paths import removed_definition
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, node_edit, walk
from kerasmagic.diagnosis.rules import rule, words
from kerasmagic.knowledge.catalogue import data_names

ENTRY = "keras1-numpy-helper"


@rule(ENTRY, when=(STATIC,), family="removed-apis", needs=words(data_names(ENTRY, "definitions")))
def numpy_helper_through_module(ctx: CellContext) -> list[Problem]:
    """``X.name`` where ``X`` is bound to a module the catalogue lists (Keras 1's
    ``keras.utils.np_utils``, or ``keras.utils`` it is imported as now), ``name`` one of its
    removed helpers, and no Keras module here has it: ``name``, defined once at the top."""
    if ctx.cell.tree is None:
        return []
    defined = {n.name for n in walk(ctx.cell.tree) if isinstance(n, ast.FunctionDef)}
    edits: list[Edit] = []
    definitions: dict[str, str] = {}
    first: tuple[int, str, str] | None = None
    for node in walk(ctx.cell.tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)):
            continue
        module = ctx.scope.bound_path(node.value)
        text = removed_definition(module, node.attr) if module else None
        if text is None or node.attr in defined or _still_there(module, node.attr):  # type: ignore[arg-type]
            continue
        edit = node_edit(ctx.cell, node, node.attr)
        if edit is None:
            continue
        edits.append(edit)
        definitions.setdefault(node.attr, text)
        first = first or (node.lineno, node.attr, str(module))
    if first is None:
        return []
    line = insertion_line(ctx.cell)
    block = "".join(d.strip("\n") + "\n" for d in definitions.values())
    edits.append(Edit(line, 0, line, 0, block))
    return [from_entry(ENTRY, first[0], edits, [first[1]], ctx.shown_versions, name=first[1], module=first[2])]  # fmt: skip


def _still_there(module: str, name: str) -> bool:
    status, obj = live.module_status(module)
    return status == live.OK and live.has_attr(obj, module, name)
