"""A notebook of multi-backend Keras that chose Theano or CNTK with ``KERAS_BACKEND``, run where
Keras 3 reads the variable and has no such backend (rules/error_backend_gone.py): the setting
goes, in the cell that made it, and the notebook runs again in a fresh kernel on the backend
Keras is configured with, through a real kernel."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from migrate_helpers import migrate_notebook, migrated_cells, rule_ids

pytestmark = pytest.mark.envs("tf221-k3", "k3-jax")

TRAIN = (
    "import numpy as np\n"
    "model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])\n"
    "model.compile(optimizer='sgd', loss='mse')\n"
    "model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=1, verbose=0)\n"
    "print('trained on', keras.backend.backend())\n"
)
CONFIGURED = os.environ.get("KERAS_BACKEND", "tensorflow")


def test_theano_chosen_cells_before_the_import_is_left_to_the_configured_backend(tmp_path: Path) -> None:  # fmt: skip
    cells = ["import os\nos.environ['KERAS_BACKEND'] = 'theano'\n", "import keras\n", TRAIN]
    proc, doc = migrate_notebook(tmp_path, "theano.ipynb", cells)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    assert rule_ids(doc) == {"keras3-backend-dropped"}
    finals = [c["final"] for c in doc["cells"]]
    assert finals == ["import os\n", *cells[1:]]  # only the setting goes


def test_an_env_magic_in_the_importing_cell_goes_and_the_model_trains(tmp_path: Path) -> None:
    cells = ["%env KERAS_BACKEND=cntk\nimport keras\n", TRAIN]
    finals, printed = migrated_cells(tmp_path, "cntk.ipynb", cells)
    assert finals == ["import keras\n", TRAIN]
    assert f"trained on {CONFIGURED}" in printed
