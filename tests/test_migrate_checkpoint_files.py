"""A checkpoint's files looked up by the extension Keras 2 gave them (rules/error_checkpoint_files.py).

The checkpoint's name is renamed for Keras 3 (weights only: ``….weights.h5``), and a later cell
finds its files with ``glob('snapshots/*.hdf5')``: an empty list, and ``[-1]`` fails. The pattern
gets the checkpoint's extension, read from the live callback, when the files are on disk under it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import migrate_notebook, rule_ids

CELLS = [
    "import glob, os\nimport numpy as np\nimport keras\nos.makedirs('snapshots', exist_ok=True)",
    "net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "net.compile(loss='mse', optimizer='sgd')\n"
    "saver = keras.callbacks.ModelCheckpoint('snapshots/epoch{epoch}.hdf5', save_weights_only=True)\n"
    "net.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=3, callbacks=[saver], verbose=0)",
    "last = sorted(glob.glob('snapshots/*.hdf5'))[-1]\nnet.load_weights(last)\nprint(os.path.basename(last))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_the_files_are_looked_up_by_the_checkpoints_extension(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "checkpoint_files.ipynb", CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "checkpoint-files-found-by-old-extension" in rule_ids(doc)
    assert "glob.glob('snapshots/*.weights.h5')" in doc["cells"][2]["final"], doc["cells"][2]
    assert doc["cells"][2]["output"] == "epoch3.weights.h5\n", doc["cells"][2]
    assert proc.returncode == 0


HELD_CELLS = [
    "import glob, os\nimport numpy as np\nimport keras\nrun = 'run7'\nos.makedirs(run, exist_ok=True)\n"
    "snapshot_glob = f'{run}/net_*.hdf5'",
    "net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
    "net.compile(loss='mse', optimizer='adam')\n"
    "keep = keras.callbacks.ModelCheckpoint(run + '/net_{epoch}.hdf5')\n"
    "net.fit(np.ones((6, 2)), np.ones((6, 1)), epochs=2, callbacks=[keep], verbose=0)",
    "found = sorted(glob.glob(snapshot_glob))\nprint(len(found), os.path.basename(found[-1]))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_pattern_held_by_a_name_made_cells_before_gets_the_extension_there(tmp_path: Path) -> None:  # fmt: skip
    """The glob pattern is an f-string bound in the first cell: it gets the checkpoint's
    extension where it is made (the whole model: ``.keras``), and the files are found."""
    proc, doc = migrate_notebook(tmp_path, "checkpoint_files_held.ipynb", HELD_CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "checkpoint-files-found-by-old-extension" in rule_ids(doc)
    assert "snapshot_glob = f'{run}/net_*.keras'" in doc["cells"][0]["final"], doc["cells"][0]
    assert doc["cells"][2]["output"] == "2 net_2.keras\n", doc["cells"][2]
    assert proc.returncode == 0
