"""Trap rule: a model or layer just named with characters TensorFlow refuses in a name scope.

The cell that names a model ``'CNN Model 1'`` (or a layer ``'hidden layer'``) runs; TensorFlow
refuses the name only when the model trains or calls the layer, cells later ("… is not a valid
root scope name", ``error_scope_name``), and the failed call leaves the refused name on Keras's
name-scope stack, so every model trained after it in that kernel fails too until a restart. A
notebook of several such models would need a restart per model. Read after the naming cell ran,
on the live objects: each ``name=`` of a live Keras callable in the cell whose string (a literal,
or a name holding one) has a character outside TensorFlow's scope-name pattern
(``scope_pattern`` in the catalogue) is written anew with ``_`` for it, before anything trains,
under the TensorFlow backend only (JAX opens no such scope). A name is a label: nothing the model
computes changes.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import AFTER_RUN, CellContext
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_message_name import is_keras_call
from kerasmagic.diagnosis.rules.error_scope_name import renamed
from kerasmagic.knowledge.catalogue import entry as catalogue_entry
from kerasmagic.probes.keras_setup import keras_backend

ENTRY = "tf-scope-name-made"
REFUSED_ENTRY = "tf-invalid-scope-name"


@rule(ENTRY, when=(AFTER_RUN,), family="model-methods", needs=r"\bname\s*=", kind="trap")
def scope_name_made(ctx: CellContext) -> list[Problem]:
    """``name='CNN Model 1'`` of a Keras model or layer the cell made → ``name='CNN_Model_1'``."""
    tree = ctx.cell.tree
    if not ctx.ran or tree is None or keras_backend() != "tensorflow":
        return []
    data = catalogue_entry(REFUSED_ENTRY).data
    pattern = re.compile(str(data["scope_pattern"]))
    edits: list[Edit] = []
    names: list[str] = []
    for call in walk(tree):
        if not isinstance(call, ast.Call) or not is_keras_call(ctx, call):
            continue
        for keyword in call.keywords:
            value = string_value(ctx, keyword.value) if keyword.arg == "name" else None
            if value is None or pattern.match(value):
                continue
            new = renamed(value)
            written = node_text(ctx.cell, keyword.value)
            if not isinstance(keyword.value, ast.Constant) or written is None or not pattern.match(new):  # fmt: skip
                continue  # a computed name: renamed where it fails (error_scope_name)
            edit = node_edit(ctx.cell, keyword.value, quoted_like(written, new))
            if edit is not None:
                edits.append(edit)
                names.append(value)
    if not edits:
        return []
    shown = ", ".join(f"`{n}`" for n in names)
    problem = from_entry(ENTRY, edits[0].line, edits, ["name"], ctx.shown_versions, refused=shown,
                         pattern=data["scope_pattern"])  # fmt: skip
    problem.kind, problem.certain = "trap", True
    return [problem]
