"""The default graph a Keras 2 server kept to enter around ``predict`` in each thread
(``graph = tf.get_default_graph()``, then ``with graph.as_default():``), migrated in a real kernel.
TensorFlow 2 has the getter only as ``tf.compat.v1.get_default_graph`` (a handle: getting it runs
nothing); entering the graph leaves eager execution, where Keras 3 cannot predict and tf.keras 2
refuses a model built eagerly. The block's body takes its place; the function that held it is
defined cells before the call that fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

CELLS = [
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras",
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\ngraph = tf.get_default_graph()",
    "def serve(batch):\n    with graph.as_default():\n        return model.predict(batch, verbose=0)",
    "print('served', serve(np.random.rand(3, 4)).shape)",
]


@pytest.mark.envs("tf221-k3", "tf215-k2")
def test_migrate_takes_a_server_out_of_the_default_graph(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "serve.ipynb", CELLS)
    assert "graph = tf.compat.v1.get_default_graph()" in finals[1], finals[1]
    assert finals[2] == "def serve(batch):\n    return model.predict(batch, verbose=0)", finals[2]
    assert finals[3] == CELLS[3] and "served (3, 2)" in shown
