"""A model saved to a folder with ``save_format='tf'`` in one cell and read back with
``tf.saved_model.load`` and called in the next (rules/error_saved_model_call.py). Keras 3's
``save`` writes a ``.keras`` file only: the save is made to name the file ``….keras``, then the
load of that name fails; the folder gets its name back and ``model.export`` writes the SavedModel
there, before it is read, and the loaded object is called through ``serve``."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import migrate_notebook, rule_ids

CELLS = [
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras",
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
    "model.compile(loss='mse', optimizer='sgd')",
    "saved_path = 'serving_model'\nmodel.save(saved_path, save_format='tf')",
    "reloaded = tf.saved_model.load(saved_path)\n"
    "print(reloaded(tf.constant(np.ones((4, 3), 'float32'))).shape)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_the_folder_is_exported_under_its_own_name_before_it_is_read(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "saved_folder.ipynb", CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "saved-model-load-of-keras-file" in rule_ids(doc)
    assert (
        doc["cells"][2]["final"].rstrip()
        == "saved_path = 'serving_model'\nmodel.export(saved_path)"
    )
    assert "reloaded.serve(" in doc["cells"][3]["final"], doc["cells"][3]["final"]
    assert doc["cells"][3]["output"].endswith("(4, 2)\n"), doc["cells"][3]
    assert proc.returncode == 0


KERAS_LOAD_CELLS = [
    "import os\nimport numpy as np\nimport tensorflow as tf",
    "net = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])\n"
    "net.compile(loss='mse', optimizer='adam')",
    "export_path = os.path.join('models', '0002')\ntf.saved_model.save(net, export_path)",
    "restored = tf.keras.models.load_model(export_path)\n"
    "print(restored.predict(np.ones((2, 3)), verbose=0).shape, len(restored.layers))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_saved_model_folder_loaded_as_the_keras_model_gets_a_keras_file_beside_it(tmp_path: Path) -> None:  # fmt: skip
    """``tf.saved_model.save(net, path)`` then ``load_model(path)``: Keras 2 read the folder back
    as the model, Keras 3 reads only its own files; the model is also saved as ``path + '.keras'``
    where the SavedModel is written (the SavedModel stays), and that file is loaded: the model,
    with its layers, as in Keras 2."""
    proc, doc = migrate_notebook(tmp_path, "saved_keras_load.ipynb", KERAS_LOAD_CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "saved-model-loaded-as-keras-model" in rule_ids(doc)
    assert (
        doc["cells"][2]["final"]
        .rstrip()
        .endswith("tf.saved_model.save(net, export_path)\nnet.save(export_path + '.keras')")
    ), doc["cells"][2]["final"]
    assert "load_model(export_path + '.keras')" in doc["cells"][3]["final"], doc["cells"][3]
    assert "(2, 2) 1\n" in doc["cells"][3]["output"], doc["cells"][3]
    assert proc.returncode == 0
