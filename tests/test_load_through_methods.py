"""A weights file saved and loaded by the notebook's own class, defined cells before the load:
the class's ``restore`` joins the path from a literal and hands it to the class's own
``load_weights``, which calls the model's. Keras 3 makes the save write ``.weights.h5``; the load, reached only
through the traceback's frames (the cell that fails names a folder, never the file), gets the
same name where its path is made, and the class is defined again with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import code_cells, migrate_notebook, rule_ids

TRAINER = [
    "import os\nimport numpy as np\nimport keras",
    "class Trainer:\n"
    "    def __init__(self, net):\n"
    "        self.net = net\n"
    "\n"
    "    def save(self, folder):\n"
    "        os.makedirs(folder, exist_ok=True)\n"
    "        self._write(os.path.join(folder, 'net.h5'))\n"
    "\n"
    "    def _write(self, target):\n"
    "        self.net.save_weights(target)\n"
    "\n"
    "    def load_weights(self, source):\n"
    "        self.net.load_weights(source)\n"
    "\n"
    "    @classmethod\n"
    "    def restore(cls, folder, net):\n"
    "        trainer = cls(net)\n"
    "        path = os.path.join(folder, 'net.h5')\n"
    "        trainer.load_weights(path)\n"
    "        return trainer",
    "def make():\n"
    "    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
    "trained = make()\n"
    "Trainer(trained).save('ckpt')",
    "again = Trainer.restore('ckpt', make()).net\n"
    "x = np.ones((3, 4))\n"
    "print('same', np.allclose(trained.predict(x, verbose=0), again.predict(x, verbose=0)))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_load_reached_through_the_notebooks_class_and_helper_reads_the_renamed_file(tmp_path: Path) -> None:  # fmt: skip
    proc, doc = migrate_notebook(tmp_path, "trainer.ipynb", TRAINER)
    assert doc["status"] == "migrated", doc["message"]
    assert "load-of-renamed-save" in rule_ids(doc)
    final = doc["cells"][1]["final"]
    assert "self._write(os.path.join(folder, 'net.weights.h5'))" in final
    assert "path = os.path.join(folder, 'net.weights.h5')" in final
    outputs = code_cells(tmp_path / "out" / "trainer.ipynb")[-1].outputs
    assert "same True" in "".join(o.get("text", "") for o in outputs)
