"""A file path assigned in one cell, saved under in the next and loaded in a third: the save's
Keras 3 file-name fix follows the name to where it is made — `%%keras_check` binds it again at
the top of the corrected cell, `migrate` changes the cell that makes it — and the path stays the
same everywhere (diagnosis/provenance.py, value_change.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import document, migrate_json, notebook
from nbclient import NotebookClient

pytestmark = pytest.mark.envs(*KERNEL_RULE_ENVS)

CELLS = [
    "import os\nimport keras\nout_dir = 'out'\nweights = os.path.join(out_dir, 'small.h5')\n",
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
    "os.makedirs(out_dir, exist_ok=True)\nmodel.save_weights(weights)\n",
    "model.load_weights(weights)\nprint('loaded', sorted(os.listdir(out_dir)))\n",
]


def test_keras_check_rebinds_a_path_made_in_an_earlier_cell(ipshell, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert ipshell.run_cell(CELLS[0], store_history=True).success
    outcome = ipshell.run_cell("%%keras_check -o\n" + CELLS[1], store_history=True)
    result = outcome.result.result if hasattr(outcome.result, "result") else outcome.result
    fixed = result.fixed_source
    assert fixed and fixed.startswith("weights = os.path.join(out_dir, 'small.weights.h5')\n"), (
        fixed
    )
    assert "`weights` gets its value in an earlier cell" in result.suggestions[0].fix
    assert ipshell.run_cell(fixed, store_history=True).success  # the corrected cell runs
    assert ipshell.run_cell(CELLS[2], store_history=True).success  # and the later load
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["small.weights.h5"]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
@pytest.mark.slow
def test_migrate_changes_the_cell_that_makes_the_path(tmp_path: Path) -> None:
    path = notebook(tmp_path / "paths.ipynb", CELLS)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "migrated"))
    doc = document(report, "paths.ipynb")
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    cells = {c["number"]: c for c in doc["cells"]}
    assert "'small.weights.h5'" in cells[1]["final"], cells[1]
    assert cells[1]["status"] == "fixed" and cells[2]["final"] == CELLS[1]  # the use unchanged
    assert cells[3]["status"] == "ok" and cells[3]["final"] == CELLS[2]
    migrated = nbformat.read(str(tmp_path / "migrated" / "paths.ipynb"), as_version=4)
    run_dir = tmp_path / "plain"
    run_dir.mkdir()
    NotebookClient(migrated, timeout=300, resources={"metadata": {"path": str(run_dir)}}).execute()
    assert sorted(p.name for p in (run_dir / "out").iterdir()) == ["small.weights.h5"]


def test_keras_check_on_follows_the_history_too(ipshell, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert ipshell.run_cell(CELLS[0], store_history=True).success
    ipshell.run_cell("%keras_check on", store_history=True)
    try:
        ipshell.run_cell(CELLS[1], store_history=True)
    finally:
        ipshell.run_cell("%keras_check off", store_history=True)
    out = capsys.readouterr().out
    assert "weights = os.path.join(out_dir, 'small.weights.h5')" in out, out[-3000:]


RELOADS = [
    "import numpy as np\nimport keras\n"
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "model.compile(loss='mse', optimizer='adam')\n",
    "model.save('trained.model')\n",
    "restored = keras.models.load_model('trained.model')\n"
    "print(restored.predict(np.ones((1, 3)), verbose=0).shape)\n",
    "model.save_weights('trained_w.h5')\n",
    "model.load_weights('trained_w.h5')\nprint('loaded')\n",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
@pytest.mark.slow
def test_migrate_renames_a_load_in_a_later_cell_after_the_save_was_renamed(tmp_path: Path) -> None:
    """The load is in another cell and repeats the literal: it fails on a file that does not exist,
    and the disk shows what the corrected save wrote (rules/error_saving.py, load-of-renamed-save)."""
    path = notebook(tmp_path / "reloads.ipynb", RELOADS)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "migrated"))
    doc = document(report, "reloads.ipynb")
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    cells = {c["number"]: c for c in doc["cells"]}
    assert "load_model('trained.model.keras')" in cells[3]["final"], cells[3]
    assert "load_weights('trained_w.weights.h5')" in cells[5]["final"], cells[5]
    assert [r["id"] for ch in cells[3]["changes"] for r in ch["rules"]] == ["load-of-renamed-save"]
    assert [r["id"] for ch in cells[5]["changes"] for r in ch["rules"]] == ["load-of-renamed-save"]


LOOP_CELLS = [
    "import numpy as np\nimport keras\nx, y = np.random.rand(16, 4), np.random.rand(16, 1)\n",
    "losses = ['mean_squared_error', 'logcosh']\n",
    "def fit_one(loss):\n"
    "    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])\n"
    "    model.compile(loss=loss, optimizer='sgd')\n"
    "    return model.fit(x, y, epochs=1, verbose=0)\n",
    "for loss in losses:\n    print(loss, fit_one(loss).history['loss'][-1])\n",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
@pytest.mark.slow
def test_migrate_renames_a_loops_value_in_the_list_an_earlier_cell_makes(tmp_path: Path) -> None:
    """The loop's name takes each element of a list made cells before; the one Keras 3 spells
    otherwise is renamed in that list, the loop's cell is left as written."""
    path = notebook(tmp_path / "losses.ipynb", LOOP_CELLS)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "migrated"))
    doc = document(report, "losses.ipynb")
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    cells = {c["number"]: c for c in doc["cells"]}
    assert cells[2]["final"] == "losses = ['mean_squared_error', 'log_cosh']\n", cells[2]
    assert cells[4]["final"] == LOOP_CELLS[3], cells[4]
