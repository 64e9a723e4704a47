"""A value a class keeps from its constructor (``self.path = path``, ``Trainer('w.h5')``): the
argument of the class's call is where it is made, so a change of it (a weights file's suffix)
is made there and every method reading ``self.path`` sees it (``call_sites.parameter_arguments``
following ``__init__``'s parameters to the calls of its class)."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

KERAS3 = ("tf221-k3", "colab")

CELLS = [
    "import numpy as np\nfrom tensorflow import keras",
    "class Keeper:\n"
    "    def __init__(self, net, target):\n"
    "        self.net = net\n"
    "        self.target = target\n"
    "    def store(self):\n"
    "        self.net.save_weights(self.target)\n"
    "    def bring_back(self):\n"
    "        self.net.load_weights(self.target)\n"
    "        return self.target\n"
    "net = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])\n"
    "keeper = Keeper(net, 'kept_net.h5')",
    "keeper.store()\nprint('restored from', keeper.bring_back())",
]


@pytest.mark.envs(*KERAS3)
def test_migrate_changes_the_path_where_the_class_is_given_it(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "keeper.ipynb", CELLS)
    assert finals[0] == CELLS[0] and finals[2] == CELLS[2]
    assert finals[1] == CELLS[1].replace("'kept_net.h5'", "'kept_net.weights.h5'"), finals[1]
    assert "restored from kept_net.weights.h5" in shown


@pytest.mark.envs(*KERAS3)
def test_one_cell_changes_the_constructor_argument_not_the_method(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import kerasmagic

    monkeypatch.chdir(tmp_path)
    source = "\n".join(CELLS).replace(
        "Keeper(net, 'kept_net.h5')", "Keeper(net, target='kept_net.h5')"
    )
    result = kerasmagic.check(source)
    assert "save-weights-extension" in [s.id for s in result.suggestions]
    fixed = result.fixed_source or ""
    assert "Keeper(net, target='kept_net.weights.h5')" in fixed
    assert "self.net.save_weights(self.target)" in fixed
    assert kerasmagic.check(fixed).error_type is None


@pytest.mark.envs(*KERAS3)
def test_a_class_made_in_another_cell_changes_its_save_and_its_load_alike(tmp_path: Path) -> None:
    """The class's cell does not make it, so the path is changed where the class uses it; the
    load of the same ``self.target`` in another method gets the same change (same_value_uses)."""
    definition, made = CELLS[1].split("\nnet = ")
    cells = [CELLS[0], definition, "net = " + made, CELLS[2]]
    finals, shown = migrated_cells(tmp_path, "keeper_apart.ipynb", cells)
    changed = "(self.target[: -len('.h5')] + '.weights.h5')"
    assert f"self.net.save_weights{changed}" in finals[1], finals[1]
    assert f"self.net.load_weights{changed}" in finals[1], finals[1]
    assert finals[2:] == cells[2:]
    assert "restored from kept_net.h5" in shown
