"""A corrected cell that defines an earlier cell's function again at its top, corrected further
by later rounds (diagnosis/moved_definitions.py): migrate puts the definition back where it was."""

from __future__ import annotations

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.moved_definitions import moved_definitions

EARLIER = (
    "import numpy as np\n",
    "def my_init(shape, name=None):\n    return normal(shape, scale=0.01)\n\nSCALE = 2\n",
)
CELL = "model.add(Dense(4, init=my_init))\n"
FIXED = (
    "def my_init(shape, name=None, dtype=None):\n    return RandomNormal(stddev=0.01)(shape)\n\n"
    "model.add(Dense(4, kernel_initializer=my_init))\n"
)


def test_the_definition_goes_back_to_the_cell_that_made_it() -> None:
    moved = moved_definitions(CellContext.of(CELL, earlier=EARLIER), FIXED)
    assert moved is not None
    earlier, here = moved
    assert here == "model.add(Dense(4, kernel_initializer=my_init))\n"
    assert earlier == {1: FIXED.split("\n\n")[0] + "\n\nSCALE = 2\n"}


def test_a_definition_the_cell_itself_has_stays() -> None:
    own = "def my_init(shape, name=None):\n    return 0\n\n" + CELL
    fixed = own.replace("init=my_init", "kernel_initializer=my_init")
    assert moved_definitions(CellContext.of(own, earlier=EARLIER), fixed) is None


def test_no_earlier_definition_nothing_moves() -> None:
    assert moved_definitions(CellContext.of(CELL, earlier=EARLIER[:1]), FIXED) is None


def test_an_import_a_fix_put_above_the_copy_goes_back_with_it() -> None:
    """``import keras`` the fix added for the copy's ``keras.ops`` goes back to the earlier cell
    above the definition; an import the cell as written has stays."""
    earlier = ("from keras import backend as K\n", "def mean_of(x):\n    return K.mean(x)\n")
    cell = "import numpy as np\nprint(mean_of(np.ones(3)))\n"
    fixed = "import keras\ndef mean_of(x):\n    return keras.ops.mean(x)\nimport numpy as np\nprint(mean_of(np.ones(3)))\n"  # fmt: skip
    moved = moved_definitions(CellContext.of(cell, earlier=earlier), fixed)
    assert moved is not None
    back, here = moved
    assert back == {1: "import keras\ndef mean_of(x):\n    return keras.ops.mean(x)\n"}
    assert here == cell
