"""A callback that registers its own log entries in ``self.params['metrics']`` and reads the names
back (Keras 2.1 / 2.3's callback API): TF 2.2 and Keras 3 fill ``params`` with no ``metrics``
(``KeyError: 'metrics'``), and show every value put in ``logs``
(rules/error_callback_params.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

CELLS = [
    "import numpy as np\nfrom tensorflow import keras",
    "class GapLogger(keras.callbacks.Callback):\n"
    "    def on_train_begin(self, logs=None):\n"
    "        for name in ('gap', 'val_gap'):\n"
    "            if name not in self.params['metrics']:\n"
    "                self.params['metrics'].append(name)\n"
    "\n"
    "    def on_epoch_end(self, epoch, logs=None):\n"
    "        logs['gap'] = float(logs['loss']) - 1.0\n"
    "        print('shown', [k for k in self.params['metrics'] if k in logs])",
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "model.compile(optimizer='sgd', loss='mse')\n"
    "hist = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0, callbacks=[GapLogger()])\n"  # fmt: skip
    "print(sorted(hist.history))",
]


@pytest.mark.envs("tf221-k3", "tf215-k2")
def test_migrate_gives_the_registration_its_list_and_reads_the_names_from_logs(tmp_path: Path) -> None:  # fmt: skip
    finals, shown = migrated_cells(tmp_path, "gap.ipynb", CELLS)
    assert "if name not in self.params.setdefault('metrics', []):" in finals[1], finals[1]
    assert "self.params.setdefault('metrics', []).append(name)" in finals[1]
    assert "[k for k in list(logs) if k in logs]" in finals[1]
    assert finals[2] == CELLS[2]
    assert "['gap', 'loss']" in shown  # the callback's value reached History through logs


@pytest.mark.envs("tf221-k3", "colab")
def test_names_read_before_training_are_explained_not_rewritten() -> None:
    """Before the first batch no value is in ``logs``: no list stands in for the names."""
    import kerasmagic

    source = (
        "import numpy as np\nfrom tensorflow import keras\n"
        "class Columns(keras.callbacks.Callback):\n"
        "    def on_train_begin(self, logs=None):\n"
        "        self.columns = list(self.params['metrics'])\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "model.compile(optimizer='sgd', loss='mse')\n"
        "model.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=1, verbose=0, callbacks=[Columns()])\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "KeyError"
    assert "callback-params-metrics" in [s.id for s in result.suggestions]
    assert result.fixed_source is None
