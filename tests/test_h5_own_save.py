"""The Keras FAQ's save-and-load written for Keras 2 (rules/error_h5_config.py, migrate/rerun.py):
``model.save('my_model.h5')`` and ``del model`` in one cell, ``load_model('my_model.h5')`` and
training on in the next. Keras 3 cannot rebuild the training config its own HDF5 saving records
("Could not deserialize 'keras.metrics.mse'"). The notebook writes the file, so the save is
named ``.keras`` in its own cell, which runs again after the cells that make ``model`` (it
deleted it), and the load reads the new file: the optimizer's state comes back with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import migrate_notebook, printed_in_empty_folder, rule_ids

CELLS = [
    "import numpy as np\nfrom keras.models import Sequential, load_model\nfrom keras.layers import Input, Dense",
    "x = np.ones((8, 4))\ny = np.ones((8, 1))\nmodel = Sequential([Input((4,)), Dense(1)])\n"
    "model.compile(loss='mse', optimizer='adam')\nmodel.fit(x, y, epochs=1, verbose=0)",
    "model.save('my_model.h5')\ndel model",
    "model = load_model('my_model.h5')\nprint('steps', int(model.optimizer.iterations))\n"
    "model.fit(x, y, epochs=1, verbose=0)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_model_saved_and_deleted_then_loaded_is_saved_as_keras(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "faq.ipynb", CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "keras2-h5-compile-config" in rule_ids(doc)
    finals = [c["final"] for c in doc["cells"]]
    assert finals[2] == "model.save('my_model.keras')\ndel model", finals[2]
    assert finals[3].startswith("model = load_model('my_model.keras')"), finals[3]
    assert "compile=False" not in finals[3]
    printed = printed_in_empty_folder(tmp_path / "out" / "faq.ipynb", tmp_path / "plain")
    assert "steps 1" in printed, printed  # the optimizer's step count came back from the file
    assert proc.returncode == 0


LAMBDA_CELLS = [
    "import numpy as np\nfrom tensorflow import keras\ninp = keras.Input(shape=(4,))\n"
    "out = keras.layers.Lambda(lambda t: t * 2.0)(keras.layers.Dense(4)(inp))\n"
    "model = keras.Model(inp, out)\nmodel.compile(optimizer='adam', loss='mse')\n"
    "model.save('lambda_model.h5')",
    "reloaded = keras.models.load_model('lambda_model.h5')\n"
    "print(reloaded.predict(np.ones((1, 4)), verbose=0).shape)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_the_load_reads_the_renamed_file_after_a_first_fix_of_its_own(tmp_path: Path) -> None:
    """The load cell is first given ``safe_mode=False`` (its own model's lambda), then fails on
    the training config, the same error as before the save's cell was renamed ``.keras`` (the
    old ``.h5`` is still on disk): diagnosed again, it reads the new file. The migrated notebook
    runs in an empty folder, where no ``.h5`` from the first run is left."""
    proc, doc = migrate_notebook(tmp_path, "lam.ipynb", LAMBDA_CELLS)
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert finals[0].endswith("model.save('lambda_model.keras')"), finals[0]
    assert finals[1].startswith("reloaded = keras.models.load_model('lambda_model.keras', safe_mode=False)"), finals[1]  # fmt: skip
    printed = printed_in_empty_folder(tmp_path / "out" / "lam.ipynb", tmp_path / "plain")
    assert "(1, 4)" in printed, printed
    assert proc.returncode == 0
