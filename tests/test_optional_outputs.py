"""A TensorBoard notebook of the TF 2 era, migrated through a real kernel where TensorFlow 2.21
installed no ``tensorboard`` (rules/error_optional_output.py): ``%load_ext tensorboard``, the
summaries the notebook writes itself (a ``with writer.as_default():`` loop, a schedule function
that logs its rate), the ``TensorBoard`` callback and ``%tensorboard`` each wait for the package,
and everything the notebook computes runs the same; the migrated copy runs with plain nbclient."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest
from migrate_helpers import migrate_notebook, rule_ids
from nbclient import NotebookClient

CELLS = [
    "%load_ext tensorboard\nimport os\nimport numpy as np\nimport tensorflow as tf",
    "writer = tf.summary.create_file_writer(os.path.join('my_logs', 'run_1'))\n"
    "with writer.as_default():\n"
    "    for step in range(1, 4):\n"
    "        tf.summary.scalar('my_scalar', np.sin(step / 10), step=step)\n"
    "print('steps', step)",
    "def schedule(epoch):\n"
    "    rate = 0.2 if epoch < 1 else 0.05\n"
    "    tf.summary.scalar('learning rate', data=rate, step=epoch)\n"
    "    return rate\n"
    "model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])\n"
    "model.compile(optimizer='sgd', loss='mse')\n"
    "board = tf.keras.callbacks.TensorBoard('logs')\n"
    "history = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0,\n"
    "                    callbacks=[board, tf.keras.callbacks.LearningRateScheduler(schedule)])\n"
    "print('rates', [round(float(r), 2) for r in history.history['learning_rate']])",
    "%tensorboard --logdir logs",
]


@pytest.mark.envs("tf221-k3")
def test_a_tensorboard_notebook_runs_without_tensorboard(tmp_path: Path) -> None:
    assert importlib.util.find_spec("tensorboard") is None  # TensorFlow 2.21 installs none
    proc, doc = migrate_notebook(tmp_path, "board.ipynb", CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert {
        "output-magic-without-package",
        "summary-write-without-package",
        "output-callback-without-package",
    } <= rule_ids(doc)
    finals = [c["final"] for c in doc["cells"]]
    guard = "if importlib.util.find_spec('tensorboard'):\n"
    assert finals[0].startswith("import importlib.util\n" + guard + "    %load_ext tensorboard\n")
    assert "        " + guard + "            tf.summary.scalar('my_scalar'" in finals[1], finals[1]
    assert "    " + guard + "        tf.summary.scalar('learning rate'" in finals[2], finals[2]
    assert finals[3].endswith(guard + "    %tensorboard --logdir logs")
    migrated = nbformat.read(str(tmp_path / "out" / "board.ipynb"), as_version=4)
    run_dir = tmp_path / "plain"
    run_dir.mkdir()
    NotebookClient(migrated, timeout=600, resources={"metadata": {"path": str(run_dir)}}).execute()
    printed = "".join(o.get("text", "") for c in migrated.cells for o in c.get("outputs", []))
    assert "steps 3" in printed and "rates [0.2, 0.05]" in printed  # the same schedule ran
    assert proc.returncode == 0


@pytest.mark.envs("tf221-k3")
def test_a_tensorboard_a_helper_module_makes_waits_for_the_package(tmp_path: Path) -> None:
    """The callback is made by the user's own helper in a module beside the notebook
    (``callbacks = [make_board('logs')]``), a cell before ``fit``: the live list the cell bound
    says the helper's call made a Keras ``TensorBoard``; that call waits for the package, and the
    training runs the same."""
    assert importlib.util.find_spec("tensorboard") is None
    (tmp_path / "boards.py").write_text(
        "import keras\n\n\ndef make_board(folder):\n    return keras.callbacks.TensorBoard(folder)\n"
    )
    cells = [
        "import numpy as np\nimport keras\nfrom boards import make_board",
        "callbacks = [make_board('logs')]",
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "model.compile(optimizer='sgd', loss='mse')\n"
        "history = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0, callbacks=callbacks)\n"
        "print('epochs', len(history.history['loss']))",
    ]
    proc, doc = migrate_notebook(tmp_path, "helper.ipynb", cells)
    assert doc["status"] == "migrated", doc["message"]
    final = doc["cells"][1]["final"]
    guard = "make_board('logs') if importlib.util.find_spec('tensorboard') else keras.callbacks.Callback()"  # fmt: skip
    assert guard in final, final
    assert proc.returncode == 0


@pytest.mark.envs("tf221-k3")
def test_a_log_folder_named_tensorboard_is_not_the_package(tmp_path: Path) -> None:
    """``TensorBoard(log_dir='tensorboard')`` beside the notebook: the folder its first run made
    is found on ``sys.path`` as a namespace package of no code. It is not the package installed,
    so the callback still waits for it, on a guard the folder does not satisfy; the migrated
    copy runs with the folder there."""
    assert importlib.util.find_spec("tensorboard") is None
    (tmp_path / "tensorboard" / "train").mkdir(parents=True)  # what a run before left
    cells = [
        "import numpy as np\nimport keras\nfrom keras.callbacks import TensorBoard",
        "def train():\n"
        "    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "    model.compile(optimizer='sgd', loss='mse')\n"
        "    callbacks = [TensorBoard(log_dir='./tensorboard', write_images=True)]\n"
        "    history = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0, callbacks=callbacks)\n"
        "    print('epochs', len(history.history['loss']))",
        "train()",
    ]
    proc, doc = migrate_notebook(tmp_path, "logs.ipynb", cells)
    assert doc["status"] == "migrated", doc["message"]
    final = doc["cells"][1]["final"]
    guard = "if getattr(importlib.util.find_spec('tensorboard'), 'origin', None) else keras.callbacks.Callback()"  # fmt: skip
    assert guard in final, final
    migrated = nbformat.read(str(tmp_path / "out" / "logs.ipynb"), as_version=4)
    NotebookClient(migrated, timeout=600, resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for c in migrated.cells for o in c.get("outputs", []))
    assert "epochs 2" in printed
    assert proc.returncode == 0


@pytest.mark.envs("tf221-k3")
def test_the_stand_in_keeps_the_attributes_later_cells_read(tmp_path: Path) -> None:
    """A later cell prints the board's folder (``board.log_dir``): the stand-in holds the value
    the ``log_dir=`` keyword gave, so that cell prints what it printed with the callback."""
    cells = [
        "import datetime\nimport numpy as np\nimport tensorflow as tf",
        "stamp = '20190101-0000'\n"
        "board = tf.keras.callbacks.TensorBoard(log_dir='logs/fit/' + stamp, histogram_freq=1)\n"
        "model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])\n"
        "model.compile(optimizer='sgd', loss='mse')\n"
        "model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=1, verbose=0, callbacks=[board])",
        "print('run: tensorboard --logdir ' + board.log_dir)",
    ]
    proc, doc = migrate_notebook(tmp_path, "folder.ipynb", cells)
    assert doc["status"] == "migrated", doc["message"]
    assert "'log_dir': 'logs/fit/' + stamp" in doc["cells"][1]["final"], doc["cells"][1]["final"]
    migrated = nbformat.read(str(tmp_path / "out" / "folder.ipynb"), as_version=4)
    printed = "".join(o.get("text", "") for o in migrated.cells[-1].get("outputs", []))
    assert "run: tensorboard --logdir logs/fit/20190101-0000" in printed
