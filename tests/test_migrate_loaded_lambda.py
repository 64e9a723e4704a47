"""A model holding a ``Lambda`` layer, saved and loaded back in the same notebook
(rules/error_h5_reload.py, rules/error_loaded_lambda_globals.py). Keras 3 does not read back the
``.h5`` it wrote of a ``Sequential`` model whose ``Lambda`` reads a notebook name ("Layer count
mismatch": rebuilding it called the function, which stopped unseen): the model is saved as
``.keras`` too and that is loaded. A loaded ``Lambda``'s function gets Keras's globals,
not the notebook's, so a name it reads (``tf``) is not defined when the model is first called:
right after the load, the loaded functions get the notebook's globals, as Keras 2 gave them."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import migrate_notebook, rule_ids

H5_CELLS = [
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras",
    "ckpt = 'scaled_net.h5'\n"
    "net = keras.Sequential()\n"
    "net.add(keras.layers.Dense(5, input_dim=3))\n"
    "net.add(keras.layers.Lambda(lambda v: tf.nn.relu(v) * 0.5))\n"
    "net.add(keras.layers.Dense(2))\n"
    "net.compile(loss='mse', optimizer='sgd')\n"
    "net.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)\n"
    "net.save(ckpt)",
    "copy = keras.models.load_model(ckpt)\n"
    "print(copy.predict(np.ones((4, 3)), verbose=0).shape, len(copy.layers))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_an_h5_keras_3_cannot_read_back_is_loaded_from_a_keras_file_beside_it(tmp_path: Path) -> None:  # fmt: skip
    proc, doc = migrate_notebook(tmp_path, "h5_lambda.ipynb", H5_CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "keras3-h5-not-read-back" in rule_ids(doc)
    assert doc["cells"][1]["final"].rstrip().endswith("net.save(ckpt)\nnet.save(ckpt + '.keras')"), doc["cells"][1]["final"]  # fmt: skip
    assert "load_model(ckpt + '.keras'" in doc["cells"][2]["final"], doc["cells"][2]["final"]
    assert "(4, 2) 3\n" in doc["cells"][2]["output"], doc["cells"][2]
    assert proc.returncode == 0


GLOBALS_CELLS = [
    "import numpy as np\nimport tensorflow as tf\nimport keras",
    "inputs = keras.Input((3,))\n"
    "squared = keras.layers.Lambda(lambda t: tf.square(t), output_shape=(3,))(inputs)\n"
    "encoder = keras.Model(inputs, keras.layers.Dense(2)(squared))\n"
    "encoder.save('encoder.keras')",
    "encoder2 = keras.models.load_model('encoder.keras', safe_mode=False)",
    "codes = encoder2.predict(np.ones((4, 3)), verbose=0)\nprint(codes.shape)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_loaded_lambda_gets_the_notebooks_globals_where_it_was_loaded(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "lambda_globals.ipynb", GLOBALS_CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "keras3-loaded-lambda-globals" in rule_ids(doc)
    loaded = doc["cells"][2]["final"]
    assert "def _keras2_lambda_globals(model, namespace):" in loaded, loaded
    assert loaded.rstrip().endswith("safe_mode=False)\n_keras2_lambda_globals(encoder2, globals())"), loaded  # fmt: skip
    assert "(4, 2)\n" in doc["cells"][3]["output"], doc["cells"][3]
    assert proc.returncode == 0


SHAPE_CELLS = [
    "import numpy as np\nimport tensorflow as tf\nimport keras",
    "left = keras.Input((5,))\nright = keras.Input((5,))\n"
    "shared = keras.layers.Dense(3)\n"
    "gap = keras.layers.Lambda(lambda pair: tf.abs(pair[0] - pair[1]))([shared(left), shared(right)])\n"
    "siamese = keras.Model([left, right], keras.layers.Dense(1, activation='sigmoid')(gap))\n"
    "siamese.save('siamese.keras')",
    "twin = keras.models.load_model('siamese.keras', safe_mode=False)",
    "print(twin.predict([np.ones((2, 5)), np.zeros((2, 5))], verbose=0).shape)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_functional_models_lambda_gets_its_output_shape_where_it_is_made(tmp_path: Path) -> None:  # fmt: skip
    """Rebuilding a functional model calls its ``Lambda`` to learn its output shape, and the
    loaded function stops on ``tf`` (Keras says only "could not infer the shape"): the ``Lambda``
    is given the shape it has, where it is made, so the load does not call it; its first call
    after the load gets the notebook's globals."""
    proc, doc = migrate_notebook(tmp_path, "lambda_shape.ipynb", SHAPE_CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert {"keras3-loaded-lambda-shape", "keras3-loaded-lambda-globals"} <= set(rule_ids(doc))
    assert "tf.abs(pair[0] - pair[1]), output_shape=(3,))" in doc["cells"][1]["final"], doc["cells"][1]  # fmt: skip
    assert "_keras2_lambda_globals(twin, globals())" in doc["cells"][2]["final"], doc["cells"][2]
    assert "(2, 1)\n" in doc["cells"][3]["output"], doc["cells"][3]
    assert proc.returncode == 0
