"""A ``Sequential`` model standalone Keras 2.2 saved to ``.h5`` (its first layer records
``batch_input_shape``, its optimizer ``lr``), loaded in Keras 3: the load becomes ``compile=False``
and a ``compile`` with what the file records, ``lr`` read as ``learning_rate`` (reload_fix); the
model, which Keras 3's legacy loader rebuilds with one input axis too many, is put back on its
recorded batch shape (rules/error_h5_sequential_input.py). Through a real kernel and ``migrate``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import document, migrate_json

pytestmark = pytest.mark.envs(*KERNEL_RULE_ENVS)

# Keras 3 writes the file; its config is then made what Keras 2.2.4 wrote: no InputLayer, the
# first layer's batch_input_shape, Keras 2 layer entries, and the optimizer's `lr`
MAKE = f"""
import json, sys
import h5py, keras
sys.path.insert(0, {str(Path(__file__).parent)!r})
from keras22_h5 import as_keras22
model = keras.Sequential([keras.Input((13,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
model.save(sys.argv[1])
as_keras22(sys.argv[1])
with h5py.File(sys.argv[1], "r+") as f:
    training = json.loads(f.attrs["training_config"])
    training["optimizer_config"] = {{"class_name": "RMSprop",
                                    "config": {{"lr": 0.005, "rho": 0.9, "decay": 0.0, "epsilon": 1e-07}}}}
    f.attrs["training_config"] = json.dumps(training)
"""

SCRIPT = (
    "import numpy as np\n"
    "from keras.models import load_model\n\n"
    "model = load_model('old.h5')\n"
    "print(model.evaluate(np.ones((8, 13)), np.ones((8, 1)), verbose=0))\n"
)


def _old_file(folder: Path) -> None:
    subprocess.run([sys.executable, "-c", MAKE, str(folder / "old.h5")], check=True, capture_output=True)  # fmt: skip


def test_migrate_loads_a_keras22_sequential_h5_and_evaluates_it(tmp_path: Path) -> None:
    _old_file(tmp_path)
    script = tmp_path / "evaluate.py"
    script.write_text(SCRIPT)
    proc, report = migrate_json(str(script), "-o", str(tmp_path / "migrated"), cwd=tmp_path)
    doc = document(report, "evaluate.py")
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    migrated = (tmp_path / "migrated" / "evaluate.py").read_text()
    assert "load_model('old.h5', compile=False)\n" in migrated, migrated
    assert "model = keras.Sequential([keras.Input(batch_shape=(None, 13)), *model.layers], name=model.name)\n" in migrated  # fmt: skip
    assert "keras.optimizers.RMSprop(learning_rate=0.005)" in migrated  # the file's `lr`, not the default
    rebuilt = migrated.index("keras.Sequential(")
    assert migrated.index("load_model(") < rebuilt < migrated.index(".compile("), migrated
    ran = subprocess.run([sys.executable, "migrated/evaluate.py"], cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-2000:]
    loss, mae = json.loads(ran.stdout.strip().splitlines()[-1])
    assert loss >= 0 and mae >= 0


def test_keras_check_puts_the_loaded_layers_on_the_recorded_shape(ipshell, tmp_path, monkeypatch):
    _old_file(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert ipshell.run_cell(
        "import numpy as np\nimport keras\n"
        "model = keras.models.load_model('old.h5', compile=False)\n", store_history=True
    ).success
    cell = "print(model.predict(np.ones((2, 13)), verbose=0).shape)\n"
    outcome = ipshell.run_cell("%%keras_check -o\n" + cell, store_history=True)
    result = outcome.result.result if hasattr(outcome.result, "result") else outcome.result
    rebuild = "model = keras.Sequential([keras.Input(batch_shape=(None, 13)), *model.layers], name=model.name)\n"  # fmt: skip
    assert result.fixed_source == rebuild + cell, result.fixed_source
    assert ipshell.run_cell(result.fixed_source, store_history=True).success


def test_a_keras2_optimizer_config_is_compiled_again_with_its_rate_and_its_decay():
    """``lr`` is the rate; a non-zero ``decay`` (Keras 2's ``lr / (1 + decay * iterations)``) is
    kept as the schedule that computes it, never dropped; a zero one is left out."""
    import keras

    from kerasmagic.diagnosis.reload_fix import compile_line
    from kerasmagic.probes.saved_files import SavedH5Model

    def line(optimizer: str, config: dict) -> str:
        saved = SavedH5Model("m.h5", "2.2.4", "tensorflow", optimizer, config, "mse", ["mae"])
        made = compile_line(saved, "model", "keras", keras)
        assert made is not None
        return made.code

    assert line("SGD", {"lr": 0.05, "momentum": 0.9, "decay": 1e-6, "nesterov": True}) == (
        "model.compile(optimizer=keras.optimizers.SGD(learning_rate="
        "keras.optimizers.schedules.InverseTimeDecay(0.05, decay_steps=1, decay_rate=1e-06), "
        "momentum=0.9, nesterov=True), loss='mse', metrics=['mae'])"
    )
    assert line("Adam", {"lr": 0.0002, "beta_1": 0.5, "decay": 0.0}) == (
        "model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.0002, beta_1=0.5), "
        "loss='mse', metrics=['mae'])"
    )
