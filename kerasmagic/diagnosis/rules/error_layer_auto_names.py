"""Error rule: a layer asked for by the automatic name standalone Keras gave it, which tf.keras
and Keras 3 number one lower (a message fact).

Standalone Keras up to 2.3 numbered the names it gave layers from 1: a session's first ``Dense``
was ``dense_1``, its second ``dense_2``. tf.keras and Keras 3 number from 0: ``dense``, then
``dense_1``. Code that reads a layer by such a name (``model.get_layer('dense_1')``, to build a
feature extractor or plot activations) asks here for the next layer of that kind, or for one that
does not exist: "No such layer: dense_2. Existing layers are: ['dense', 'dense_1', …]". The
message is the evidence: the name asked for is missing and the same name counted one lower is
there. Every ``get_layer`` name of the cell of the same form (a base the message lists, ``_N``)
is counted one lower, the ones that still exist too (the layer they found here was the next
one, not the one the code meant). Only for code that imports the standalone ``keras`` package:
tf.keras always counted from 0.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras2-layer-auto-names"
MESSAGE = re.compile(r"No such layer: (?P<name>\S+)\. Existing layers are: (?P<names>\[.*\])\.?\s*$", re.S)  # fmt: skip
NUMBERED = re.compile(r"^(?P<base>[a-z][a-z0-9_]*?)_(?P<n>[1-9]\d*)$")


@rule(ENTRY, when=(ERROR,), family="keras3-messages", errors=("ValueError",), needs="get_layer")
def layer_auto_names(ctx: CellContext) -> list[Problem]:
    """Each ``get_layer('base_N')`` of the cell → ``get_layer('base_{N-1}')`` (``base`` for 1),
    when the missing name counted one lower is a layer of the model."""
    found = MESSAGE.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or tree is None or not _standalone_keras(ctx):
        return []
    try:
        existing = [str(n) for n in ast.literal_eval(found.group("names"))]
    except (ValueError, SyntaxError):
        return []
    if _one_lower(found.group("name")) not in existing:
        return []
    bases = {NUMBERED.sub(r"\g<base>", n) for n in existing}
    edits: list[Edit] = []
    renamed: list[str] = []
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and getattr(call.func, "attr", None) == "get_layer"):
            continue
        given = [*call.args[:1], *(k.value for k in call.keywords if k.arg == "name")]
        for value in given:
            name = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
            match = NUMBERED.match(name or "")
            if match is None or match.group("base") not in bases:
                continue
            edit = node_edit(ctx.cell, value, quoted_like(node_text(ctx.cell, value), _one_lower(name)))  # type: ignore[arg-type]
            if edit is not None:
                edits.append(edit)
                renamed.append(f"{name} → {_one_lower(name)}")  # type: ignore[arg-type]
    if not edits:
        return []
    return [from_entry(ENTRY, ctx.line or edits[0].line, edits, ["get_layer"], ctx.shown_versions,
                       name=found.group("name"), lower=_one_lower(found.group("name")))]  # fmt: skip


def _one_lower(name: str) -> str:
    """``dense_2`` → ``dense_1``, ``dense_1`` → ``dense``; any other name as it is."""
    match = NUMBERED.match(name)
    if match is None:
        return name
    n = int(match.group("n")) - 1
    return match.group("base") if n == 0 else f"{match.group('base')}_{n}"


def _standalone_keras(ctx: CellContext) -> bool:
    """Does the code reach Keras through the standalone ``keras`` package (not ``tensorflow.keras``)?"""
    return any(path == "keras" or path.startswith("keras.") for path in ctx.scope.bindings.values())
