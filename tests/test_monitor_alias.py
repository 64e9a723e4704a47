"""A callback monitoring a Keras 2.0-era log key (``val_mean_absolute_error`` for
``metrics=['mae']``), written cells before the ``fit``: Keras 3 refuses it when ``fit`` starts
(rules/error_monitor_key.py), tf.keras 2 warns and the callback watches nothing
(rules/trap_monitor_key.py); ``migrate`` names the key this Keras logs where it is written, and
the notebook then runs plainly with the callback watching the metric the author meant."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from migrate_helpers import code_cells, migrate_notebook

CELLS = [
    "import numpy as np\nfrom keras.models import Sequential\nfrom keras.layers import Dense\n"
    "from keras.callbacks import EarlyStopping, ModelCheckpoint\n",
    "model = Sequential([Dense(6, input_dim=4, activation='relu'), Dense(1)])\n"
    "model.compile(optimizer='adam', loss='mse', metrics=['mae'])\n",
    "watch = 'val_mean_absolute_error'\nstop = EarlyStopping(monitor=watch, patience=2)\n",
    "hist = model.fit(np.random.rand(40, 4), np.random.rand(40, 1), validation_split=0.25, epochs=3,\n"
    "                 verbose=0, callbacks=[stop, ModelCheckpoint('best.keras',\n"
    "                 monitor='val_mean_absolute_error', save_best_only=True)])\n"
    "print('watched', stop.monitor, sorted(hist.history))\n",
]


def _rules(doc: dict) -> set[str]:
    return {r["id"] for cell in doc["cells"] for ch in cell["changes"] for r in ch["rules"]}


@pytest.mark.envs("tf221-k3", "colab")
def test_keras3s_refusal_renames_the_key_where_each_callback_writes_it(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "monitor.ipynb", CELLS)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    assert _rules(doc) == {"callback-monitor-alias"}, doc["cells"]
    migrated = [c.source for c in code_cells(tmp_path / "out" / "monitor.ipynb")]
    assert migrated[2] == CELLS[2].replace("val_mean_absolute_error", "val_mae")
    assert migrated[3] == CELLS[3].replace("val_mean_absolute_error", "val_mae")
    assert migrated[:2] == CELLS[:2]
    script = tmp_path / "out" / "migrated.py"
    script.write_text("\n".join(migrated), encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "watched val_mae ['loss', 'mae', 'val_loss', 'val_mae']" in run.stdout


@pytest.mark.envs("tf215-k2")
def test_tf_keras_2s_warning_renames_the_key_the_fit_cell_writes(tmp_path: Path) -> None:
    # the fit runs; Keras warned that the key is not in the logs, and listed the ones that are
    proc, doc = migrate_notebook(tmp_path, "monitor.ipynb", CELLS)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    assert _rules(doc) == {"callback-monitor-key-missing"}, doc["cells"]
    migrated = [c.source for c in code_cells(tmp_path / "out" / "monitor.ipynb")]
    assert "monitor='val_mae'" in migrated[3] and migrated[:3] == CELLS[:3]
