"""A fix made in an earlier cell survives the later rounds of the failing cell
(``migrate/across.py``): a metric registered by name in the custom objects and named by a string
in an earlier cell's ``compile`` fails at the ``fit`` (rules/error_registered_name.py); the
``compile`` is changed where it is written, and the ``fit`` cell, changed again by the next round
(a silent trap on its 1-D targets), keeps no second ``compile``."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrate_notebook, rule_ids

from kerasmagic.migrate.across import deleted_blocks, without_rebinding

FIXED = "model.compile(loss='mse', metrics=[f1])\nx = 1\nmodel.fit(x, y)\n"
ACROSS = "x = 1\nmodel.fit(x, y)\n"


def test_the_rebinding_lines_are_deleted_from_a_later_round() -> None:
    assert deleted_blocks(FIXED, ACROSS) == [["model.compile(loss='mse', metrics=[f1])\n"]]
    later = FIXED.replace("fit(x, y)", "fit(x, np.expand_dims(y, -1))")
    assert without_rebinding(FIXED, ACROSS, later) == "x = 1\nmodel.fit(x, np.expand_dims(y, -1))\n"


def test_nothing_is_carried_when_the_lines_changed_or_the_fix_was_not_a_deletion() -> None:
    later = FIXED.replace("metrics=[f1]", "metrics=[f1, f2]")
    assert without_rebinding(FIXED, ACROSS, later) is None
    assert deleted_blocks(FIXED, ACROSS.replace("x = 1", "x = 2")) is None
    assert without_rebinding(FIXED, FIXED, FIXED) is None


CELLS = [
    "import numpy as np\nimport keras\nfrom keras.utils import get_custom_objects",
    "def f1(y_true, y_pred):\n    return keras.ops.mean(keras.ops.abs(y_true - y_pred))\n"
    "get_custom_objects().update({'f1': f1})",
    "model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation='sigmoid')])\n"
    "model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy', 'f1'])",
    "X = np.random.rand(32, 8)\ny = (X.sum(axis=1) > 4).astype('float32')\n"
    "history = model.fit(X, y, epochs=1, verbose=0)\nprint(sorted(history.history))",
]


@pytest.mark.envs("tf221-k3", "colab", "k3-jax")
def test_the_compile_is_changed_where_it_is_written(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "registered.ipynb", CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "registered-name-not-resolved" in rule_ids(doc)
    finals = [c["final"] for c in doc["cells"]]
    assert "metrics=['accuracy', f1])" in finals[2], finals[2]
    assert "compile" not in finals[3], finals[3]
    assert finals[3] != CELLS[3]  # the next round's change is kept
    assert proc.returncode == 0
