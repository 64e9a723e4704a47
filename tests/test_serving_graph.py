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


SESSION_GRAPH = """\
import numpy as np
import tensorflow as tf
from tensorflow import keras
sess = tf.compat.v1.Session()
g = sess.graph
net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
net.compile(optimizer="sgd", loss="mse")
with g.as_default():
    net.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=1, verbose=0)
done = True
"""


@pytest.mark.envs("tf221-k3", "colab")
def test_check_takes_apart_a_block_of_a_graph_the_same_cell_got_from_a_session() -> None:
    """The graph is a name the cell itself binds, from an attribute no rule knows the type of:
    the kernel holds a ``Graph`` under it when the block fails, which is the evidence."""
    import kerasmagic

    result = kerasmagic.check(SESSION_GRAPH)
    assert result.error_type is not None
    assert "keras3-graph-block" in [s.id for s in result.suggestions]
    fixed = result.fixed_source or ""
    assert "as_default" not in fixed and "\nnet.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=1, verbose=0)\n" in fixed, fixed  # fmt: skip
    assert kerasmagic.check(fixed).error_type is None
