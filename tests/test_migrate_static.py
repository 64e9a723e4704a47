"""``migrate --static`` and ``--check``: certain rewrites only, nothing executed, no kernel — in
every environment (with Keras the old imports are rewritten; without it nothing can be proved)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ENV_NAME
from environments import CLI_ENVS, KERAS_MAJOR, here
from migrate_helpers import (
    KERAS2_CELLS,
    SCRIPT,
    code_cells,
    hashes,
    migrate,
    migrate_json,
    notebook,
)

MARKER_CELL = "open('marker.txt', 'w').write('this cell ran')"
# where the static rewrites were measured: Keras 3 over TF (the old imports are provably gone;
# tf221-k3 stands for colab, the same rewrite from the same map) and no Keras at all (nothing can be
# proved); other environments run the unit tests only
KERAS3 = ENV_NAME == "tf221-k3" and here(KERAS_MAJOR) == 3


def _old_project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    notebook(proj / "old.ipynb", [MARKER_CELL, *KERAS2_CELLS])
    (proj / "train.py").write_text("open('script-marker.txt', 'w').write('ran')\n" + SCRIPT)
    return proj


@pytest.mark.envs(*CLI_ENVS)
def test_static_executes_nothing_and_leaves_originals(tmp_path: Path) -> None:
    proj = _old_project(tmp_path)
    before = hashes(proj)
    proc, report = migrate_json(str(proj), "--static", "-o", str(tmp_path / "out"), cwd=proj)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not list(tmp_path.rglob("marker.txt")) and not list(tmp_path.rglob("script-marker.txt"))
    assert hashes(proj) == before
    assert report["mode"] == "static"
    cells = [c for d in report["documents"] for c in d["cells"]]
    assert cells and not any(c["ran"] for c in cells)
    assert all(c["status"] in ("static", "empty") for c in cells)
    assert all(
        ch["trigger"] == "static" and not ch["verified"] for c in cells for ch in c["changes"]
    )
    assert (tmp_path / "out" / "old.ipynb").exists() and (tmp_path / "out" / "train.py").exists()
    assert (tmp_path / "out" / "migration-report.md").exists()
    assert "kernel" not in proc.stderr.lower()


@pytest.mark.skipif(not KERAS3, reason=f"needs Keras 3 with TensorFlow; this is {ENV_NAME}")
def test_static_rewrites_the_old_imports(tmp_path: Path) -> None:
    proj = _old_project(tmp_path)
    proc, report = migrate_json(str(proj / "old.ipynb"), "--static")
    doc = report["documents"][0]
    assert doc["status"] == "migrated" and doc["written"], doc["message"]
    migrated = proj / "old.migrated.ipynb"
    sources = [c.source for c in code_cells(migrated)]
    assert "from keras.utils import to_categorical" in sources[1]
    assert "Adam(learning_rate=0.01)" in sources[3]
    assert all(c.outputs == [] for c in code_cells(migrated))
    md = migrate(str(proj / "old.ipynb"), "--static", "--check").stdout
    assert "proved from the source, not run" in md and "```diff" in md


@pytest.mark.skipif(not KERAS3, reason=f"needs Keras 3 with TensorFlow; this is {ENV_NAME}")
def test_check_exits_1_on_the_old_notebook_and_0_on_its_migrated_copy(tmp_path: Path) -> None:
    old = notebook(tmp_path / "old.ipynb", KERAS2_CELLS)
    before = hashes(tmp_path)
    proc = migrate(str(old), "--static", "--check", "--json")
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert hashes(tmp_path) == before  # --check writes nothing, and says so
    doc = json.loads(proc.stdout)["documents"][0]
    assert doc["status"] == "would-change" and "--check wrote nothing" in doc["message"], doc
    assert migrate(str(old), "--static").returncode == 0
    proc = migrate(str(tmp_path / "old.migrated.ipynb"), "--static", "--check")
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_check_exits_0_on_a_clean_notebook(tmp_path: Path) -> None:
    nb = notebook(tmp_path / "clean.ipynb", ["print(1 + 1)"])
    proc = migrate(str(nb), "--static", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no static rewrite applies" in proc.stdout


def test_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    assert migrate(str(tmp_path / "notes.txt"), "--static").returncode == 2
    assert migrate(str(tmp_path / "missing.ipynb"), "--static").returncode == 2
    proc = migrate(str(tmp_path), "--static")  # a directory with nothing to migrate
    assert proc.returncode == 2 and "no notebook" in proc.stderr
    proc = migrate(str(tmp_path), "-o", "x", "--in-place")
    assert proc.returncode == 2 and "not allowed with" in proc.stderr


def test_subcommand_is_listed(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "kerasmagic", "--help"], capture_output=True, text=True
    )
    assert "migrate" in proc.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "kerasmagic", "migrate", "--help"], capture_output=True, text=True
    )
    for option in (
        "--in-place",
        "--static",
        "--report",
        "--check",
        "--json",
        "--python",
        "--cell-timeout",
    ):
        assert option in proc.stdout


@pytest.mark.envs(*CLI_ENVS)
def test_static_imports_no_students_keras_py_and_writes_nothing_in_home(tmp_path: Path) -> None:
    """Issue 32, item 16: ``--static`` runs nothing of the user's: a student's ``keras.py`` beside
    the notebook (the folder migrate is run from) is never imported in place of Keras, and an
    empty home gets no ``~/.keras/keras.json`` from Keras's import."""
    proj = _old_project(tmp_path)
    (proj / "keras.py").write_text("open('keras-py-imported.txt', 'w').write('!')\n")
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "KERAS_HOME"}
    env["HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-m", "kerasmagic", "migrate", "old.ipynb", "--static", "-o", "out"],
        capture_output=True,
        text=True,
        cwd=proj,
        env=env,
        timeout=900,
    )
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert (proj / "out" / "old.ipynb").is_file() or "no static rewrite" in proc.stdout
    assert not (proj / "keras-py-imported.txt").exists()
    assert list(home.iterdir()) == []


@pytest.mark.skipif(not KERAS3, reason=f"needs Keras 3 with TensorFlow; this is {ENV_NAME}")
def test_static_divides_samples_by_the_batch_of_a_generator_an_earlier_cell_made(tmp_path: Path) -> None:  # fmt: skip
    """Keras 1's ``samples_per_epoch`` counted samples, ``steps_per_epoch`` counts batches: the
    generator is made cells before the ``fit_generator`` call (a course's layout), and the
    rewrite divides by its batch size there too, so each epoch draws the batches it drew."""
    cells = [
        "from keras.preprocessing.image import ImageDataGenerator",
        "datagen = ImageDataGenerator(rescale=1./255)\n"
        "train_generator = datagen.flow_from_directory('data/train', target_size=(150, 150), batch_size=16)\n"
        "val_flow = datagen.flow_from_directory('data/val', target_size=(150, 150), batch_size=8)",
        "model.fit_generator(train_generator, samples_per_epoch=2000, nb_epoch=50,\n"
        "                    validation_data=val_flow, nb_val_samples=800)",
    ]
    nb = notebook(tmp_path / "course.ipynb", cells)
    assert migrate(str(nb), "--static").returncode == 0
    fit = code_cells(tmp_path / "course.migrated.ipynb")[2].source
    assert "steps_per_epoch=2000 // train_generator.batch_size" in fit, fit
    # the validation samples, of the validation generator (Keras 2.0 asked users to divide them)
    assert "validation_steps=800 // val_flow.batch_size" in fit, fit
    assert "epochs=50" in fit and "fit_generator" not in fit


@pytest.mark.envs(*CLI_ENVS)
def test_the_report_names_the_written_file_as_spelled(tmp_path: Path) -> None:
    """The Markdown report's "Written to" keeps the path's capitals (a file `Train_CNN.py`)."""
    script = tmp_path / "Train_CNN.py"
    script.write_text("import numpy as np\nprint(np.zeros(2))\n")
    proc, _report = migrate_json(str(script), "--static", "-o", str(tmp_path / "Out"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    md = (tmp_path / "Out" / "migration-report.md").read_text()
    assert "Written to `Out/Train_CNN.py`" in md or "Train_CNN.py`" in md.split("Written to", 1)[1].split("\n")[0], md  # fmt: skip
