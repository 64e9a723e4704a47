"""The save-and-restore notebook of the TF 2 tutorials' era, migrated in a real kernel: weights
checkpointed into folders that do not exist yet (Keras 2 made them), the newest checkpoint found
with ``tf.train.latest_checkpoint`` (Keras 3 writes ``.weights.h5`` files it does not index), a
whole model saved without an extension, and an ``.h5`` model reloaded (Keras 3 cannot rebuild
the training config its own HDF5 saving records). Every binding and value comes from earlier
cells; the migrated notebook then runs with plain nbclient."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from migrate_helpers import migrate_notebook, rule_ids
from nbclient import NotebookClient

CELLS = [
    "import os\nimport numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras",
    "x = np.random.rand(64, 4).astype('float32'); y = np.random.rand(64, 1).astype('float32')\n"
    "def create_model():\n"
    "    model = tf.keras.models.Sequential([keras.layers.Dense(8, activation='relu', input_shape=(4,)), keras.layers.Dense(1)])\n"
    "    model.compile(optimizer='adam', loss='mse', metrics=['mae'])\n"
    "    return model",
    'checkpoint_path = "training_2/cp-{epoch:04d}.ckpt"\n'
    "checkpoint_dir = os.path.dirname(checkpoint_path)\n"
    "cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_path, save_weights_only=True, save_freq=4)\n"
    "model = create_model()\n"
    "model.save_weights(checkpoint_path.format(epoch=0))\n"
    "model.fit(x, y, epochs=2, batch_size=16, callbacks=[cp_callback], verbose=0)",
    "latest = tf.train.latest_checkpoint(checkpoint_dir)\nlatest",
    "model = create_model()\nmodel.load_weights(latest)\nloss, mae = model.evaluate(x, y, verbose=0)\nprint('restored', mae >= 0)",
    "model.save_weights('./checkpoints/my_checkpoint')\nmodel = create_model()\nmodel.load_weights('./checkpoints/my_checkpoint')",
    "model.save('saved_model/my_model')",
    "new_model = tf.keras.models.load_model('saved_model/my_model')\nprint(len(new_model.layers))",
    "model.save('my_model.h5')\nnew_model = tf.keras.models.load_model('my_model.h5')\nprint('h5', len(new_model.layers))",
]


@pytest.mark.envs("tf221-k3")
def test_the_save_and_restore_tutorial_migrates(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "save_and_load.ipynb", CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert {
        "save-folder-missing",
        "latest-checkpoint-of-keras3-weights",
        "keras2-h5-compile-config",
    } <= rule_ids(doc)
    finals = [c["final"] for c in doc["cells"]]
    assert finals[:2] == CELLS[:2]
    assert "latest_checkpoint" not in finals[4] and ".weights.h5" in finals[4]
    migrated = nbformat.read(str(tmp_path / "out" / "save_and_load.ipynb"), as_version=4)
    run_dir = tmp_path / "plain"
    run_dir.mkdir()
    NotebookClient(migrated, timeout=600, resources={"metadata": {"path": str(run_dir)}}).execute()
    printed = "".join(o.get("text", "") for c in migrated.cells for o in c.get("outputs", []))
    assert "restored True" in printed and "h5 2" in printed


INLINE = [
    "import os\nimport numpy as np\nimport tensorflow as tf",
    "x = np.random.rand(32, 4).astype('float32'); y = np.random.rand(32, 1).astype('float32')\n"
    "def build():\n"
    "    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(4,))])\n"
    "    model.compile(optimizer='adam', loss='mse')\n"
    "    return model",
    "checkpoint_dir = './training_checkpoints'\n"
    "os.makedirs(checkpoint_dir, exist_ok=True)\n"
    "checkpoint_prefix = os.path.join(checkpoint_dir, 'ckpt_{epoch}')\n"
    "callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_prefix, save_weights_only=True)\n"
    "model = build()\n"
    "model.fit(x, y, epochs=2, callbacks=[callback], verbose=0)",
    "model = build()\n"
    "model.load_weights(tf.train.latest_checkpoint(checkpoint_dir))\n"
    "print('restored', len(model.get_weights()))",
]


@pytest.mark.envs("tf221-k3")
def test_latest_checkpoint_passed_straight_to_load_weights(tmp_path: Path) -> None:
    """``load_weights(tf.train.latest_checkpoint(d))`` on one line, as the text-generation
    tutorials wrote it: the call itself becomes the newest ``.weights.h5`` of ``d``."""
    proc, doc = migrate_notebook(tmp_path, "inline.ipynb", INLINE)
    assert doc["status"] == "migrated", doc["message"]
    assert "latest-checkpoint-of-keras3-weights" in rule_ids(doc)
    final = doc["cells"][3]["final"]
    assert (
        "model.load_weights(max(tf.io.gfile.glob(os.path.join(checkpoint_dir, '*.weights.h5')), "
        "key=os.path.getmtime, default=None))"
    ) in final, final
    assert proc.returncode == 0


WITHOUT_OS = [
    "import numpy as np\nimport tensorflow as tf",
    "model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(4,))])\n"
    "model.compile(optimizer='adam', loss='mse')\n"
    "cp = tf.keras.callbacks.ModelCheckpoint(filepath='ckpt/cp-{epoch:04d}.ckpt', save_weights_only=True)\n"
    "model.fit(np.random.rand(16, 4), np.random.rand(16, 1), epochs=2, callbacks=[cp], verbose=0)",
    "latest = tf.train.latest_checkpoint('ckpt')\nmodel.load_weights(latest)\nprint('restored', latest)",
]


@pytest.mark.envs("tf221-k3")
def test_latest_checkpoint_imports_os_where_the_notebook_does_not(tmp_path: Path) -> None:
    """No ``import os`` in the notebook: the cell that makes the newest ``.weights.h5`` imports it
    (TensorFlow's own ``gfile.stat`` dates files to the second: two epochs' files tie); it is the
    last epoch's."""
    proc, doc = migrate_notebook(tmp_path, "no_os.ipynb", WITHOUT_OS)
    assert doc["status"] == "migrated", doc["message"]
    final = doc["cells"][2]["final"]
    assert final.startswith("import os\n") and "key=os.path.getmtime" in final, final
    migrated = nbformat.read(str(tmp_path / "out" / "no_os.ipynb"), as_version=4)
    run_dir = tmp_path / "plain"
    run_dir.mkdir()
    NotebookClient(migrated, timeout=600, resources={"metadata": {"path": str(run_dir)}}).execute()
    printed = "".join(o.get("text", "") for c in migrated.cells for o in c.get("outputs", []))
    assert "restored ckpt/cp-0002.weights.h5" in printed, printed


@pytest.mark.envs("tf221-k3")
def test_latest_checkpoint_passes_over_a_checkpoint_an_older_tensorflow_left(
    tmp_path: Path,
) -> None:
    """The folder still holds a TF checkpoint and its index from a run under an older TensorFlow:
    ``latest_checkpoint`` returns that checkpoint, which Keras 3 cannot load ("File format not
    supported"); the value is made again as the newest ``.weights.h5`` all the same."""
    made = subprocess.run(
        [sys.executable, "-c", "import tensorflow as tf; tf.train.Checkpoint(v=tf.Variable(1.0)).save('ckpt/old')"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (tmp_path / "ckpt" / "checkpoint").is_file(), made.stderr[-2000:]
    proc, doc = migrate_notebook(tmp_path, "stale.ipynb", WITHOUT_OS)
    assert doc["status"] == "migrated", doc["message"]
    assert "latest-checkpoint-of-keras3-weights" in rule_ids(doc)
    final = doc["cells"][2]["final"]
    assert "tf.io.gfile.glob(os.path.join('ckpt', '*.weights.h5'))" in final, final
    assert proc.returncode == 0


@pytest.mark.envs("tf221-k3")
def test_check_binds_the_newest_weights_again_after_importing_os(kernel, tmp_path: Path) -> None:
    """``%%keras_check`` on the load, the checkpoint found cells earlier, ``os`` never imported:
    the corrected cell binds the name again at its top, ``import os`` first (a name that sorts
    before ``import`` once came first and failed)."""
    from kernel_helpers import fixed_source, printed

    printed(kernel.run("%load_ext kerasmagic"))
    printed(kernel.run(f"import os as _os\n_os.chdir({str(tmp_path)!r})\ndel _os"))  # binds no `os`
    printed(kernel.run(WITHOUT_OS[0]))
    printed(kernel.run(WITHOUT_OS[1].replace(".ckpt", ".weights.h5")))  # as migrate made it
    printed(kernel.run("checkpoint = tf.train.latest_checkpoint('ckpt')"))
    fixed = fixed_source(
        kernel.run("%%keras_check\nmodel.load_weights(checkpoint)\nprint('restored', checkpoint)")
    )
    assert fixed.startswith("import os\ncheckpoint = max(tf.io.gfile.glob(os.path.join("), fixed
    assert "restored ckpt/cp-0002.weights.h5" in printed(kernel.run(fixed))
