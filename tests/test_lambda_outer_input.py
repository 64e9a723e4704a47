"""A ``Lambda`` whose function reads, from outside, a symbolic tensor the layer is also given: code
written for Keras 2 in graph mode (``disable_eager_execution`` at its top), where the outer tensor
was the one in the graph. ``migrate`` removes the graph mode, then the function reads the input
from its own argument, and the model computes what the graph did."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import code_cells, migrate_notebook, rule_ids

GATED = [
    "import numpy as np\nimport tensorflow as tf\ntf.compat.v1.disable_eager_execution()\n"
    "from tensorflow.keras import layers, models",
    "features = layers.Input(shape=(6,))\n"
    "scores = layers.Dense(3, kernel_initializer='ones')(features)\n"
    "gate = layers.Dense(3, kernel_initializer='zeros')(features)\n"
    "\n"
    "def gated(pair):\n"
    "    return pair[0] * tf.sigmoid(gate)\n"
    "\n"
    "out = layers.Lambda(gated)((scores, gate))\n"
    "net = models.Model(features, out)",
    "print('gated', net.predict(np.ones((2, 6)), verbose=0).tolist())",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_lambda_reading_its_own_input_from_a_module_name_reads_its_argument(tmp_path: Path) -> None:  # fmt: skip
    """``tf.sigmoid(gate)`` in the function of ``Lambda(gated)((scores, gate))`` becomes
    ``tf.sigmoid(pair[1])``; the gate of zeros halves the scores of six ones, as in the graph."""
    proc, doc = migrate_notebook(tmp_path, "gated.ipynb", GATED)
    assert doc["status"] == "migrated", doc["message"]
    assert "keras3-lambda-outer-input" in rule_ids(doc)
    assert "    return pair[0] * tf.sigmoid(pair[1])\n" in doc["cells"][1]["final"]
    outputs = code_cells(tmp_path / "out" / "gated.ipynb")[-1].outputs
    assert "gated [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]]" in "".join(o.get("text", "") for o in outputs)
