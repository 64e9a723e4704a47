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
