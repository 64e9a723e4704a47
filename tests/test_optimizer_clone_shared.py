"""One optimizer object compiled into a model and into its ``clone_model`` copy, the copy's
``compile`` in one cell and its ``fit`` in the next (a script split into cells the same way). The
copy's layers have the original's names, so the variable the message names ("Unknown variable:
<Variable path=dense_1/kernel …>") has a path the optimizer was built with: the live variables of
the model compiled with it decide (rules/optimizer_state.py), and migrate gives that ``compile``
its own optimizer where the earlier cell makes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

CELLS = [
    "import numpy as np\nfrom tensorflow import keras\n"
    "optimizer = keras.optimizers.Nadam(1e-3)\n"
    "inp = keras.layers.Input(shape=(3,))\n"
    "model = keras.Model(inp, keras.layers.Dense(1)(keras.layers.Dense(4)(inp)))\n"
    "model.compile(loss='mse', optimizer=optimizer)\n"
    "model.fit(np.random.rand(16, 3), np.random.rand(16), epochs=1, verbose=0)",
    "tuned = keras.models.clone_model(model)\n"
    "tuned.set_weights(model.get_weights())\n"
    "for layer in tuned.layers[:-1]:\n    layer.trainable = False\n"
    "tuned.compile(loss='mse', optimizer=optimizer)",
    "tuned.fit(np.random.rand(16, 3), np.random.rand(16), epochs=1, verbose=0)\n"
    "print('tuned', tuned.optimizer is not model.optimizer, int(tuned.optimizer.iterations.numpy()))",
]


@pytest.mark.envs("tf221-k3", "colab")
def test_migrate_gives_the_clone_its_own_optimizer_where_it_is_compiled(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "clone.ipynb", CELLS)
    assert finals[0] == CELLS[0] and finals[2] == CELLS[2]
    assert "tuned.compile(loss='mse', optimizer=type(optimizer).from_config(optimizer.get_config()))" in finals[1], finals[1]  # fmt: skip
    assert "tuned True 1" in shown, shown
