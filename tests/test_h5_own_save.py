"""The Keras FAQ's save-and-load written for Keras 2 (rules/error_h5_config.py, migrate/rerun.py):
``model.save('my_model.h5')`` and ``del model`` in one cell, ``load_model('my_model.h5')`` and
training on in the next. Keras 3 cannot rebuild the training config its own HDF5 saving records
("Could not deserialize 'keras.metrics.mse'"). The notebook writes the file, so the save is
named ``.keras`` in its own cell, which runs again after the cells that make ``model`` (it
deleted it), and the load reads the new file: the optimizer's state comes back with it."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import migrate_notebook, rule_ids
from nbclient import NotebookClient

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
    migrated = nbformat.read(str(tmp_path / "out" / "faq.ipynb"), as_version=4)
    run_dir = tmp_path / "plain"
    run_dir.mkdir()
    NotebookClient(migrated, timeout=600, resources={"metadata": {"path": str(run_dir)}}).execute()
    printed = "".join(o.get("text", "") for c in migrated.cells for o in c.get("outputs", []))
    assert "steps 1" in printed, printed  # the optimizer's step count came back from the file
    assert proc.returncode == 0
