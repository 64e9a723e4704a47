"""Error rule: a model or layer named with characters TensorFlow refuses in a name scope.

Keras 2.2 trained a model whatever its name; TensorFlow 2 opens a name scope with the model's
name when it trains, and refuses names outside its pattern: "'single_k_(2, 2)' is not a valid
root scope name. A root scope name has to match the following pattern: ^[A-Za-z0-9.][A-Za-z0-9_
.\\/>-]*$" (a layer's, when the model calls it: "is not a valid scope name"). A name built from a
tuple or with a space (``name='my model'``, ``name='hidden layer'``) fails so. The name is
display only (summaries, logs); training is the same with another. The ``name=`` argument whose
live value is the refused name gets the refused characters replaced by ``_`` (a string literal is
written anew; a computed name is passed through ``re.sub``), and the result is checked against the
pattern the message states. The model is usually named cells before the ``fit`` that fails: there
the finding explains, and ``migrate`` corrects the cell that names it (``earlier_cell``: the error
is diagnosed again in the earlier cells).
"""

from __future__ import annotations

import ast
import re
import sys

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    insertion_line,
    node_edit,
    node_text,
    quoted_like,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import entry as catalogue_entry

ENTRY = "tf-invalid-scope-name"
REFUSED = re.compile(
    r"'(.*)' is not a valid (?:root )?scope name\. A (?:root )?scope name has to match the "
    r"following pattern: (\S+)"
)
ALLOWED = str(catalogue_entry(ENTRY).data["allowed"])  # what a renamed name keeps


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("ValueError",))
def invalid_scope_name(ctx: CellContext) -> list[Problem]:
    """Each ``name=`` argument of the cell whose live value is the name TensorFlow refused."""
    found = REFUSED.search(ctx.message)
    if found is None or ctx.cell.tree is None:
        return []
    refused, pattern = found.group(1).rstrip("/"), found.group(2)  # Keras 2 scoped 'name/' 
    try:
        valid = re.compile(pattern)
    except re.error:
        return []
    new = renamed(refused)
    if not valid.match(new):
        return []  # replacing the characters would not make a name TensorFlow takes
    edits: list[Edit] = []
    computed = False  # a name the cell computes: passed through re.sub, which needs `re`
    for node in walk(ctx.cell.tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg != "name" or string_value(ctx, keyword.value) != refused:
                continue
            written = node_text(ctx.cell, keyword.value)
            if isinstance(keyword.value, ast.Constant) and written:
                text = quoted_like(written, new)
            else:
                text = f're.sub(r"[^{ALLOWED}]", "_", {written})' if written else None
                computed = computed or text is not None
            edit = node_edit(ctx.cell, keyword.value, text) if text else None
            if edit is not None:
                edits.append(edit)
    if not edits:  # named in an earlier cell: explained here, corrected there by migrate
        return [from_entry(ENTRY, ctx.line or 1, [], ["name"], ctx.shown_versions, name=refused,
                           pattern=pattern, new=new)]  # fmt: skip
    if computed and not _re_bound(ctx):
        at = insertion_line(ctx.cell)
        edits.insert(0, Edit(at, 0, at, 0, "import re\n"))
    problem = from_entry(ENTRY, ctx.line or edits[-1].line, edits, ["name"], ctx.shown_versions,
                         name=refused, pattern=pattern, new=new)  # fmt: skip
    problem.certain = True  # a name changes no computation
    return [problem]


def renamed(name: str) -> str:
    """``name`` with ``_`` for each character a scope name may not hold (``ALLOWED``)."""
    return re.sub(f"[^{ALLOWED}]", "_", name)


def _re_bound(ctx: CellContext) -> bool:
    """Is ``re`` the regular-expression module here (imported by the cell or an earlier one)?"""
    tree = ctx.cell.tree
    imported = tree is not None and any(
        isinstance(n, ast.Import) and any(a.name == "re" and a.asname is None for a in n.names)
        for n in walk(tree)
    )
    return imported or (ctx.namespace or {}).get("re") is sys.modules.get("re")
