"""A notebook that resumes training from the model file it writes (rules/trap_h5_resume.py):
``load_model`` of the path when it exists, else the model is built, and ``ModelCheckpoint`` of the
same path saves it. Its first run works in Keras 3; its second loads the ``.h5`` the first wrote
and fails at ``fit`` (the HDF5 loader builds the optimizer for no variable). migrate names the
file ``.keras`` where the name is made, and the migrated copy then runs twice, the second run
resuming from the file the first wrote, while the ``.h5`` migrate's own run left lies beside it."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import migrate_notebook, rule_ids
from nbclient import NotebookClient

CELLS = [
    "import numpy as np\nfrom keras.models import Sequential, load_model\n"
    "from keras.layers import Input, Dense\nfrom keras.callbacks import ModelCheckpoint",
    "model_file = 'resume.h5'\nx = np.ones((8, 4))\ny = np.ones((8, 1))",
    "try:\n    model = load_model(model_file)\n    print('resumed')\nexcept (OSError, ValueError):\n"
    "    model = Sequential([Input((4,)), Dense(1)])\n    model.compile(loss='mse', optimizer='adam')",
    "model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(model_file)])\nprint('trained')",
]
# the callback made a cell before the fit that saves through it: the live callback says the file
MADE_BEFORE = [
    *CELLS[:3],
    "saver = ModelCheckpoint(model_file)",
    "model.fit(x, y, epochs=1, verbose=0, callbacks=[saver])\nprint('trained')",
]


def _printed(nb: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.envs(*KERNEL_RULE_ENVS)
@pytest.mark.parametrize("cells", [CELLS, MADE_BEFORE], ids=["callback-in-fit", "callback-earlier"])
def test_a_model_resumed_from_the_h5_it_writes_is_saved_as_keras(tmp_path: Path, cells: list[str]) -> None:  # fmt: skip
    proc, doc = migrate_notebook(tmp_path, "resume.ipynb", cells)
    assert doc["status"] == "migrated", doc["message"]
    assert "h5-resume-after-save" in rule_ids(doc)
    finals = [c["final"] for c in doc["cells"]]
    assert finals[1].startswith("model_file = 'resume.keras'"), finals[1]
    assert finals[2:] == cells[2:], finals  # the name carries the new value: the cells are as written
    migrated = nbformat.read(str(tmp_path / "out" / "resume.ipynb"), as_version=4)
    run_dir = tmp_path / "plain"
    run_dir.mkdir()
    (run_dir / "resume.h5").write_bytes((tmp_path / "resume.h5").read_bytes())  # migrate's run wrote it
    runs = []
    for _ in range(2):
        nb = nbformat.from_dict(migrated)
        NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(run_dir)}}).execute()
        runs.append(_printed(nb))
    assert "resumed" not in runs[0] and "trained" in runs[0], runs[0]
    assert "resumed" in runs[1] and "trained" in runs[1], runs[1]
    assert proc.returncode == 0

