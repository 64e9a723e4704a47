"""Error rule: ``import tensorflow_addons`` where TensorFlow Addons cannot be (it ended in 2024; its
last release supports TensorFlow 2.15 and Keras 2 only).

Much of what Keras-2-era code took from Addons is in Keras 3 itself: ``AdamW``,
``GroupNormalization``, ``SpectralNormalization``, ``F1Score``, ``gelu``, ``mish``. Where every
Addons name the notebook uses (in this cell, the cells before it, and for ``migrate`` the cells
after it) is one of those, the parts are written into the cell over Keras's own
(``knowledge/written_in/tensorflow_addons.py``), computing what Addons' did where the two differ
(AdamW's decay not scaled by the learning rate, gelu's tanh approximation, instance
normalisation as a group per channel, F1Score's unused ``num_classes``), and each import binds
its name to them: the code after it reads ``tfa.optimizers.AdamW`` as before. The names written
in are the catalogue entry's ``data.written``. A notebook using anything else keeps the import,
and the error is explained (``tensorflow-addons-ended``).
"""

from __future__ import annotations

import importlib.util

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.written_in_bindings import (
    binding_edit,
    binding_imports,
    covered,
    used_parts,
)
from kerasmagic.knowledge.catalogue import find_entry
from kerasmagic.knowledge.written_in import written_in

ENTRY = "tensorflow-addons-written-in"
EXPLAINED = "tensorflow-addons-ended"
TOP = "tensorflow_addons"
WRITTEN = "_addons"  # the namespace the written-in module binds


@rule(ENTRY, when=(ERROR,), family="ecosystem", errors=("ModuleNotFoundError",), needs=TOP)
def addons_written_in(ctx: CellContext) -> list[Problem]:
    """The cell's Addons imports bound to Keras's own parts, when those are all the notebook uses."""
    tree = ctx.cell.tree
    if tree is None or f"'{TOP}'" not in ctx.message or importlib.util.find_spec(TOP) is not None:
        return []
    imports = binding_imports(tree, _part_of)
    used = used_parts((*ctx.earlier, ctx.source, *ctx.later), _part_of, (TOP,))
    if not imports or used is None:
        return []
    missing = covered(used, find_entry(ENTRY).data["written"])
    if missing:
        return [from_entry(EXPLAINED, ctx.line or 1, [], [TOP, *missing])]
    edits = [edit for node in imports if (edit := binding_edit(ctx.cell, node, _part_of, WRITTEN))]
    if len(edits) != len(imports):
        return []
    if WRITTEN not in (ctx.namespace or {}):  # an earlier cell's parts, in the kernel already
        at = imports[0].lineno
        edits.insert(0, Edit(at, 0, at, 0, written_in("tensorflow_addons") + "\n"))
    problem = from_entry(ENTRY, ctx.line or imports[0].lineno, edits, [TOP, *sorted(used)])
    problem.certain = True  # Keras's own parts, computing what Addons' did
    return [problem]


def _part_of(path: str) -> str | None:
    """``tensorflow_addons.optimizers.AdamW`` → ``optimizers.AdamW`` (the package: ``""``)."""
    top, _, rest = path.partition(".")
    return rest if top == TOP else None
