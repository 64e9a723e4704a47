"""How a corrected cell reads tensors TensorFlow 2 has computed as NumPy arrays, for the live Keras.

TF 1 code read values through a session (``sess.run(x)``) or a backend function fed through a
feed dict (``K.function(...)([x, 0])``). TensorFlow 2 computes them eagerly, so the corrected code
reads them directly, spelled for the Keras here: Keras 3's ``keras.ops.convert_to_numpy`` and
``keras.tree.map_structure``; under Keras 2.x (TF 2.15), which has neither, its own
``keras.backend.get_value`` (an eager tensor's array), TensorFlow's ``tf.nest.map_structure`` and
NumPy's ``asarray``. Each spelling names the imports it needs, added only where it is written.
"""

from __future__ import annotations

from typing import NamedTuple

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.keras3_support import keras3_here, keras_root, module_name
from kerasmagic.diagnosis.rewrite import Edit


class ArraySpelling(NamedTuple):
    keras: str  # the name the cell reaches the keras package by
    read_one: str  # reads one computed tensor as an array
    mapper: str  # maps ``read_one`` over a structure of tensors
    to_array: str  # makes any input (a nested list) one array, as a feed dict did
    imports: list[Edit]  # the keras package's import, where the cell has none
    mapper_imports: list[Edit]  # what ``mapper`` needs besides
    to_array_imports: list[Edit]  # what ``to_array`` needs besides


def keras2_here() -> bool:
    """Is the ``keras`` package imported here Keras 2.x (TF 2.15's ``keras``)?"""
    return not keras3_here() and live.root_major("keras") == 2


def array_spelling(ctx: CellContext) -> ArraySpelling | None:
    """The live Keras's spelling (Keras 3, else Keras 2.x); None under any other Keras, or where
    a name it needs is bound to something else in the cell."""
    root = keras_root(ctx) if keras3_here() or keras2_here() else None
    if root is None:
        return None
    keras, imports = root
    if keras3_here():
        ops = f"{keras}.ops.convert_to_numpy"
        return ArraySpelling(keras, ops, f"{keras}.tree.map_structure", ops, imports, [], [])
    np, tf = module_name(ctx, "numpy", "np"), module_name(ctx, "tensorflow", "tf")
    if np is None or tf is None:
        return None
    read = f"{keras}.backend.get_value"
    return ArraySpelling(keras, read, f"{tf[0]}.nest.map_structure", f"{np[0]}.asarray", imports, tf[1], np[1])  # fmt: skip
