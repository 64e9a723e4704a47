"""A path held by a member of the notebook's own values (a settings class's attribute read by a
trainer's ``self.…``, a script's argparse ``default=``), renamed where it is set, through a real
kernel (diagnosis/member_values.py, provenance.py, migrate/origins.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import document, migrate_json, notebook
from nbclient import NotebookClient

pytestmark = pytest.mark.envs(*KERNEL_RULE_ENVS)

CELLS = [
    "import os\nimport numpy as np\nimport keras\n",
    "class Settings:\n    WEIGHTS = 'out/best.hdf5'\n    EPOCHS = 1\nos.makedirs('out', exist_ok=True)\n",
    "class Net:\n"
    "    def __init__(self):\n"
    "        self.path = Settings.WEIGHTS\n"
    "        self.model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "        self.model.compile(optimizer='sgd', loss='mse')\n"
    "    def train(self, x, y):\n"
    "        cp = keras.callbacks.ModelCheckpoint(self.path, save_weights_only=True)\n"
    "        self.model.fit(x, y, epochs=Settings.EPOCHS, callbacks=[cp], verbose=0)\n"
    "    def restore(self):\n"
    "        self.model.load_weights(self.path)",
    "net = Net()\nnet.train(np.ones((4, 3)), np.ones((4, 1)))\nnet.restore()\nprint(sorted(os.listdir('out')))\n",
]


@pytest.mark.slow
def test_migrate_renames_a_settings_class_attribute_a_trainer_reads(tmp_path: Path) -> None:
    path = notebook(tmp_path / "trainer.ipynb", CELLS)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "migrated"))
    doc = document(report, "trainer.ipynb")
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    cells = {c["number"]: c for c in doc["cells"]}
    assert cells[2]["final"] == CELLS[1].replace("best.hdf5", "best.weights.h5"), cells[2]["final"]
    assert cells[3]["final"] == CELLS[2]  # the class reads the attribute as written, to the last line
    migrated = nbformat.read(str(tmp_path / "migrated" / "trainer.ipynb"), as_version=4)
    run_dir = tmp_path / "plain"
    run_dir.mkdir()
    ran = NotebookClient(migrated, timeout=300, resources={"metadata": {"path": str(run_dir)}})
    ran.execute()
    printed = "".join(o.get("text", "") for o in ran.nb.cells[-1].outputs)
    assert printed.strip() == "['best.weights.h5']", ran.nb.cells[-1].outputs


ARGS = (
    "import argparse\nimport numpy as np\nimport keras\n"
    "parser = argparse.ArgumentParser()\n"
    "parser.add_argument('--weights', default='best.h5')\n"
    "args = parser.parse_args([])\n"
)


def test_keras_check_binds_the_argparse_member_again_and_names_where_it_is_set(
    ipshell, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert ipshell.run_cell(ARGS, store_history=True).success
    cell = (
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "model.save_weights(args.weights)\n"
        "model.load_weights(args.weights)\n"
    )
    outcome = ipshell.run_cell("%%keras_check -o\n" + cell, store_history=True)
    result = outcome.result.result if hasattr(outcome.result, "result") else outcome.result
    assert result.fixed_source == "args.weights = 'best.weights.h5'\n" + cell, result.fixed_source
    assert ipshell.run_cell(result.fixed_source, store_history=True).success
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.weights.h5"]
