"""TensorFlow 1 keyword names TensorFlow 2 renamed (rules/error_tf1_keywords.py), read from the
upgrade tool the installed TensorFlow ships and checked against each live function."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

from kerasmagic.diagnosis.engine import diagnose

ENTRY = "tf1-keyword-renamed"


def _diagnosed(cell: str) -> tuple[object, dict]:
    namespace: dict = {}
    with pytest.raises(TypeError) as raised:
        exec(compile(cell, "<cell>", "exec"), namespace)
    return diagnose(cell, raised.value, namespace=namespace), namespace


def test_every_tf1_keyword_of_the_cell_gets_its_tf2_name_and_the_cell_runs():
    pytest.importorskip("tensorflow")
    cell = (
        "import numpy as np\nimport tensorflow as tf\n"
        "y_true, y_pred = np.eye(3, dtype='float32'), np.full((3, 3), 0.2, 'float32')\n"
        "hits = tf.equal(tf.argmax(y_true, dimension=1), tf.argmax(y_pred, dimension=1))\n"
        "loss = tf.reduce_mean(tf.square(y_true - y_pred), reduction_indices=[1], keep_dims=True)\n"
        "print(tf.squeeze(loss, squeeze_dims=[1]).shape)"
    )
    result, namespace = _diagnosed(cell)
    assert ENTRY in [s.id for s in result.suggestions]  # beside an environment's own findings
    fixed = result.fixed_source
    assert fixed.count("axis=1") == 2 and "axis=[1], keepdims=True" in fixed and "squeeze(loss, axis=[1])" in fixed  # fmt: skip
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["loss"].shape == (3, 1)


def test_a_keyword_no_tensorflow_function_took_is_left_alone():
    pytest.importorskip("tensorflow")
    cell = "import tensorflow as tf\nprint(tf.reduce_sum(tf.ones(3), dims=0))"
    result, _ = _diagnosed(cell)
    assert ENTRY not in [s.id for s in result.suggestions]


IMPORTS = "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"
LOSS = "def weighted_ce(y_true, y_pred):\n    p = tf.nn.softmax(y_pred, dim=-1)\n    return -tf.reduce_sum(y_true * tf.log(p + 1e-7), reduction_indices=1)\n"  # fmt: skip
FIT = (
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])\n"
    "model.compile(optimizer='adam', loss=weighted_ce)\n"
    "history = model.fit(np.random.rand(16, 4), np.eye(3)[np.random.randint(0, 3, 16)], epochs=1, verbose=0)\n"
    "print('losses', len(history.history['loss']))"
)


@pytest.mark.envs("tf221-k3", "colab", "tf215-k2")
def test_migrate_renames_them_in_the_loss_an_earlier_cell_defines(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "loss.ipynb", [IMPORTS, LOSS, FIT])
    assert "tf.nn.softmax(y_pred, axis=-1)" in finals[1] and "reduction_indices" not in finals[1]
    assert "axis=1)" in finals[1] and finals[2] == FIT
    assert "losses 1" in shown, shown
