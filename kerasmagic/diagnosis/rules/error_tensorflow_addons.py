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

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.ended_packages import EndedPackage, written_in_package
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rules import rule

TOP = "tensorflow_addons"


def _part_of(path: str) -> str | None:
    """``tensorflow_addons.optimizers.AdamW`` → ``optimizers.AdamW`` (the package: ``""``)."""
    top, _, rest = path.partition(".")
    return rest if top == TOP else None


ADDONS = EndedPackage(TOP, "tensorflow-addons-written-in", "tensorflow-addons-ended", "tensorflow_addons", "_addons", _part_of)  # fmt: skip


@rule(ADDONS.entry, when=(ERROR,), family="ecosystem", errors=("ModuleNotFoundError",), needs=TOP)
def addons_written_in(ctx: CellContext) -> list[Problem]:
    """The cell's Addons imports bound to Keras's own parts, when those are all the notebook uses."""
    return written_in_package(ctx, ADDONS)
