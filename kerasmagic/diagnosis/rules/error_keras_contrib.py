"""Error rule: ``import keras_contrib`` where keras-contrib cannot be (Keras 2 only, archived,
never published for Keras 3). GANs of the Keras 2 era took ``InstanceNormalization`` from it
(``from keras_contrib.layers.normalization.instancenormalization import InstanceNormalization``);
where that is all the notebook uses, it is written in as a Keras 3 layer computing what
keras-contrib's did (``knowledge/written_in/keras_contrib.py``: the standard deviation plus
epsilon, one gamma and beta for the whole sample with ``axis=None``) and each import binds its
name to it (``ended_packages``). A notebook using anything else (its ``CRF``, whose Keras 3
counterpart does not exist) keeps the import, and the end is explained."""

from __future__ import annotations

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.ended_packages import EndedPackage, written_in_package
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rules import rule

TOP = "keras_contrib"


def _part_of(path: str) -> str | None:
    """``keras_contrib.layers.normalization.instancenormalization.InstanceNormalization`` (or
    ``keras_contrib.layers.InstanceNormalization``) → ``layers.InstanceNormalization``: a class
    (a capitalised name) under ``keras_contrib.layers`` is ``layers.<name>``, any module there
    ``layers``; the package ``""``."""
    top, *parts = path.split(".")
    if top != TOP:
        return None
    if parts[:1] == ["layers"]:
        return f"layers.{parts[-1]}" if parts[-1][:1].isupper() else "layers"
    return ".".join(parts)


CONTRIB = EndedPackage(TOP, "keras-contrib-written-in", "keras-contrib-ended", "keras_contrib", "_contrib", _part_of)  # fmt: skip


@rule(CONTRIB.entry, when=(ERROR,), family="ecosystem", errors=("ModuleNotFoundError",), needs=TOP)
def keras_contrib_written_in(ctx: CellContext) -> list[Problem]:
    """The cell's keras-contrib imports bound to the parts written in, when those are all the
    notebook uses."""
    return written_in_package(ctx, CONTRIB)
