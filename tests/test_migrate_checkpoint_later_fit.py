"""``ModelCheckpoint(…, period=3)`` made in one cell and given by name to a ``fit`` cells later,
as notebooks lay out their callbacks (rules/keras3_callbacks.py). Keras 3's integer
``save_freq`` counts batches; the epoch's batches come from that later ``fit`` (its array, read
live, and its ``batch_size``), which ``migrate`` knows, so ``period=3`` becomes three epochs of
batches in the checkpoint's own cell, and the checkpoints are written at the epochs Keras 2
wrote them."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import migrate_notebook, rule_ids

CELLS = [
    "import os\nimport numpy as np\nimport keras",
    "x_train = np.random.rand(40, 4).astype('float32')\ny_train = np.random.rand(40, 1).astype('float32')",
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])\nmodel.compile(loss='mse', optimizer='sgd')",
    "os.makedirs('ckpt', exist_ok=True)\n"
    "saver = keras.callbacks.ModelCheckpoint('ckpt/w-{epoch:02d}.weights.h5', save_weights_only=True, period=3)",
    "model.fit(x_train, y_train, epochs=6, batch_size=10, callbacks=[saver], verbose=0)",
    "print(sorted(os.listdir('ckpt')))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_period_given_to_a_later_cells_fit_becomes_its_batches(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "checkpoint.ipynb", CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "keras3-checkpoint-period" in rule_ids(doc)
    final = doc["cells"][3]["final"]
    assert "save_freq=3 * ((len(x_train) + 10 - 1) // 10)" in final, final
    assert doc["cells"][5]["output"] == "['w-03.weights.h5', 'w-06.weights.h5']\n", doc["cells"][5]
    assert proc.returncode == 0


GENERATOR_CELLS = [
    "import os\nimport numpy as np\nimport keras",
    "os.makedirs('ckpt', exist_ok=True)\n"
    "saver = keras.callbacks.ModelCheckpoint('ckpt/w-{epoch:02d}.weights.h5', save_weights_only=True, period=3)",
    "def batches():\n    while True:\n"
    "        yield np.random.rand(8, 4).astype('float32'), np.random.rand(8, 1).astype('float32')",
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])\n"
    "model.compile(loss='mse', optimizer='sgd')\n"
    "model.fit(batches(), steps_per_epoch=5, epochs=7, callbacks=[saver], verbose=0)",
    "print(sorted(os.listdir('ckpt')))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_period_whose_batches_are_unknown_counts_epochs_as_keras_2_did(tmp_path: Path) -> None:
    """The checkpoint is made before the data exists and trains on a generator: no count of
    batches can stand for the period, so the checkpoint goes to Keras 2's epoch count (written
    in), and the files are those Keras 2 wrote."""
    proc, doc = migrate_notebook(tmp_path, "checkpoint_generator.ipynb", GENERATOR_CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "keras3-checkpoint-period" in rule_ids(doc)
    final = doc["cells"][1]["final"]
    assert "def _keras2_period(checkpoint, period):" in final, final
    assert "save_weights_only=True), 3)" in final, final
    assert doc["cells"][4]["output"] == "['w-03.weights.h5', 'w-06.weights.h5']\n", doc["cells"][4]
    assert proc.returncode == 0


DICT_CELLS = [
    "import os\nimport numpy as np\nimport keras\nos.makedirs('ckpt', exist_ok=True)",
    "ckpt_kwargs = {'filepath': 'ckpt/w-{epoch:02d}.weights.h5', 'save_weights_only': True, 'period': 2}",
    "saver = keras.callbacks.ModelCheckpoint(**ckpt_kwargs)\n"
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])\n"
    "model.compile(loss='mse', optimizer='sgd')\n"
    "model.fit(np.ones((8, 4)), np.ones((8, 1)), epochs=4, callbacks=[saver], verbose=0)",
    "print(sorted(os.listdir('ckpt')))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_period_in_an_earlier_cells_dict_is_counted_in_epochs(tmp_path: Path) -> None:
    """The dict made cells before loses its ``period`` there; the checkpoint made from it is given
    to Keras 2's epoch count in its own cell: both changes reach the notebook."""
    proc, doc = migrate_notebook(tmp_path, "checkpoint_dict.ipynb", DICT_CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "'period'" not in doc["cells"][1]["final"], doc["cells"][1]["final"]
    assert (
        "_keras2_period(keras.callbacks.ModelCheckpoint(**ckpt_kwargs), 2)"
        in doc["cells"][2]["final"]
    )
    assert doc["cells"][3]["output"] == "['w-02.weights.h5', 'w-04.weights.h5']\n", doc["cells"][3]
    assert proc.returncode == 0
