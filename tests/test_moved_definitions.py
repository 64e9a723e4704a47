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
