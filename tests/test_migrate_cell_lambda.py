"""A lambda a notebook cell gives ``LearningRateScheduler`` in place, returning a float tensor
(rules/error_schedule_float.py). ``migrate`` diagnoses its cells with no file name, so the
lambda's code is matched to the cell by the text the kernel compiled under its file name, as
``%%keras_check`` matches it by the cell's file name; before, ``migrate`` left it unfixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import migrate_notebook, rule_ids

CELLS = [
    "import numpy as np\nimport tensorflow as tf",
    "def main():\n"
    "    model = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(1)])\n"
    "    model.compile(optimizer='adam', loss='mse')\n"
    "    decay = tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * tf.math.exp(-0.1))\n"
    "    model.fit(np.ones((8, 4)), np.ones((8, 1)), epochs=2, callbacks=[decay], verbose=0)\n"
    "\n"
    "\n"
    "main()",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_schedule_lambda_of_the_failing_cell_is_fixed_by_migrate(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "schedule.ipynb", CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "schedule-output-float" in rule_ids(doc)
    final = doc["cells"][1]["final"]
    assert "LearningRateScheduler(lambda epoch, lr: float(lr * tf.math.exp(-0.1)))" in final, final
    assert proc.returncode == 0
