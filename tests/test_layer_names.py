"""Keras's automatic layer names in migrate's kernel are those a first run gives
(``migrate/layer_names.py``): a cell run again after a rewrite counts its layers from where its
first run started, as ``python FILE`` or "Restart and Run All" would, so code that reads a layer
by its automatic name (``model.get_layer('dense_1')``) meets the same layer after migrate as in
a plain run of what migrate wrote."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import migrate_notebook
from nbclient import NotebookClient

CELLS = [
    "import numpy as np\nfrom keras.models import Sequential, Model\nfrom keras.layers import Dense\n"
    "from keras.optimizers import Adam",
    # Keras 3 refuses `lr=`, then has no `output_shape` on a layer: the cell fails twice after
    # building its three layers, and runs again after each rewrite
    "model = Sequential([Dense(6, input_shape=(4,)), Dense(5), Dense(1)])\n"
    "model.compile(optimizer=Adam(lr=0.01), loss='mse')\n"
    "hidden = model.get_layer('dense_1')\n"
    "print('units', hidden.units, hidden.output_shape)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_cell_run_again_names_its_layers_as_its_first_run(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "names.ipynb", CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "learning_rate=0.01" in doc["cells"][1]["final"]
    assert len(doc["cells"][1]["changes"]) == 2, doc["cells"][1]["changes"]
    migrated = nbformat.read(str(tmp_path / "out" / "names.ipynb"), as_version=4)
    run_dir = tmp_path / "plain"
    run_dir.mkdir()
    NotebookClient(migrated, timeout=600, resources={"metadata": {"path": str(run_dir)}}).execute()
    printed = "".join(o.get("text", "") for c in migrated.cells for o in c.get("outputs", []))
    assert "units 5" in printed, printed  # the same layer as in migrate's kernel
    assert proc.returncode == 0


COUNTERS = """
import sys
from kerasmagic.migrate import layer_names
assert layer_names.snapshot() == {}, "nothing imported, nothing read"
assert not any(m.split(".")[0] in ("keras", "tf_keras", "tensorflow") for m in sys.modules)
import keras
keras.layers.Dense(1)
taken = layer_names.snapshot()
first = keras.layers.Dense(1).name
keras.layers.Dense(1)
layer_names.restore(taken)
again = keras.layers.Dense(1).name
assert first == again, (first, again)
print("same", first)
"""


@pytest.mark.envs("tf221-k3", "tf215-k2", "tf221-legacy", "k3-jax", "colab")
def test_the_counters_go_back_in_every_keras() -> None:
    proc = subprocess.run([sys.executable, "-c", COUNTERS], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "same dense_1" in proc.stdout, proc.stdout
