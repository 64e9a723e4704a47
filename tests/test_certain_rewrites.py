"""An error that no rule explains, caused lines away from where it is raised: Keras 1's
``Convolution2D(32, 3, 3)`` builds a layer of stride 3 in Keras 2 and 3, and a later pooling layer
fails on the size left. Through a real kernel: ``migrate`` tries the rewrites lint proves in the
code the run went through (the user's module the error was raised in, else the failing cell),
keeps them where the error is gone when run, and undoes them, without a fresh kernel, where the
error comes back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from migrate_helpers import document, migrate_json, notebook

# three Keras 1 convolutions: with strides 3 the third pooling layer has nothing left to pool
MODEL = (
    "from keras.models import Sequential\n"
    "from keras.layers import Convolution2D, MaxPooling2D, Flatten, Dense\n\n\n"
    "def create_model():\n"
    "    model = Sequential()\n"
    "    model.add(Convolution2D(8, 3, 3, input_shape=(150, 150, 3), activation='relu'))\n"
    "    model.add(MaxPooling2D(pool_size=(2, 2)))\n"
    "    model.add(Convolution2D(8, 3, 3, activation='relu'))\n"
    "    model.add(MaxPooling2D(pool_size=(2, 2)))\n"
    "    model.add(Convolution2D(16, 3, 3, activation='relu'))\n"
    "    model.add(MaxPooling2D(pool_size=(2, 2)))\n"
    "    model.add(Flatten())\n"
    "    model.add(Dense(1, activation='sigmoid'))\n"
    "    return model\n"
)
MAIN = "from classifier import create_model\nmodel = create_model()\nprint('kernels', [tuple(l.kernel.shape[:2]) for l in model.layers[::2][:3]])\n"  # fmt: skip
ENVS = ("tf221-k3", "tf215-k2", "k3-jax")


@pytest.mark.envs(*ENVS)
def test_a_modules_keras1_convolutions_are_corrected_where_a_later_layer_fails(tmp_path: Path) -> None:  # fmt: skip
    root = tmp_path / "project"
    root.mkdir()
    (root / "classifier.py").write_text(MODEL, encoding="utf-8")
    (root / "main.py").write_text(MAIN, encoding="utf-8")
    out = tmp_path / "out"
    _, report = migrate_json(str(root / "main.py"), "-o", str(out), cwd=root)
    doc = document(report, "main.py")
    assert doc["status"] == "migrated", doc["message"]
    (module,) = doc["modules"]
    (change,) = module["changes"]
    assert change["trigger"] == "lint" and change["verified"]
    assert {r["id"] for r in change["rules"]} == {"keras1-conv-kernel-positional"}
    assert "MaxPooling2D" in change["error"] and "\x1b[" not in change["error"]
    assert module["final"].count("(3, 3)") == 3
    assert (root / "classifier.py").read_text(encoding="utf-8") == MODEL  # never touched
    ran = subprocess.run([sys.executable, "main.py"], cwd=out, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "kernels [(3, 3), (3, 3), (3, 3)]" in ran.stdout


@pytest.mark.envs(*ENVS)
def test_the_failing_cells_own_keras1_convolutions_are_corrected(tmp_path: Path) -> None:
    cell = MODEL.split("\n\n\n")[1].replace("def create_model():\n", "").replace("    ", "")
    cell = cell.replace("return model\n", "model.summary()\n")
    nb = notebook(tmp_path / "old.ipynb", [MODEL.split("\n\n\n")[0], cell])
    _, report = migrate_json(str(nb), "-o", str(tmp_path / "out"), cwd=tmp_path)
    doc = document(report, "old.ipynb")
    assert doc["status"] == "migrated", doc["message"]
    built = doc["cells"][1]
    assert [c["trigger"] for c in built["changes"]] == ["lint"]
    assert built["changes"][0]["verified"] and built["final"].count("(3, 3)") == 3


@pytest.mark.envs("tf221-k3")
def test_a_rewrite_lint_proves_is_undone_where_the_error_has_another_cause(tmp_path: Path) -> None:
    cells = [
        MODEL.split("\n\n\n")[0],
        "layer = Convolution2D(8, 3, 3)\nopen('the-data-nobody-shipped.csv')",
    ]
    nb = notebook(tmp_path / "old.ipynb", cells)
    _, report = migrate_json(str(nb), "-o", str(tmp_path / "out"), cwd=tmp_path)
    doc = document(report, "old.ipynb")
    failing = doc["cells"][1]
    assert doc["status"] == "stopped" and failing["status"] == "failed"
    assert not failing["changes"] and failing["final"] == cells[1]
    assert any("keras1-conv-kernel-positional did not fix" in n for n in failing["notes"])
    assert not any("fresh kernel" in n for n in failing["notes"])  # tried once, in this kernel


@pytest.mark.envs("tf221-k3")
def test_a_module_that_built_the_model_is_corrected_when_the_error_is_raised_in_keras(tmp_path: Path) -> None:  # fmt: skip
    # no input shape: the model is built when the cell trains it, so the traceback passes through
    # Keras only; the module that made the model is one the kernel imported
    root = tmp_path / "project"
    root.mkdir()
    model = MODEL.replace(", input_shape=(150, 150, 3)", "").replace(
        "    model.add(Convolution2D(16, 3, 3, activation='relu'))\n    model.add(MaxPooling2D(pool_size=(2, 2)))\n", ""  # fmt: skip
    )
    (root / "classifier.py").write_text(model, encoding="utf-8")
    (root / "main.py").write_text(
        "import numpy as np\nfrom classifier import create_model\nmodel = create_model()\n"
        "model.compile(optimizer='adam', loss='binary_crossentropy')\n"
        "model.fit(np.random.rand(8, 24, 24, 3), np.ones((8, 1)), epochs=1, verbose=0)\n"
        "print('trained')\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    _, report = migrate_json(str(root / "main.py"), "-o", str(out), cwd=root)
    doc = document(report, "main.py")
    assert doc["status"] == "migrated", doc["message"]
    (module,) = doc["modules"]
    assert [c["trigger"] for c in module["changes"]] == ["lint"]
    assert module["final"].count("(3, 3)") == 2
    ran = subprocess.run([sys.executable, "main.py"], cwd=out, capture_output=True, text=True)
    assert ran.returncode == 0 and "trained" in ran.stdout, ran.stderr[-2000:]
