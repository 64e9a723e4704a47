"""A subclassed model with constructor arguments, saved to a SavedModel folder and loaded back as
Keras 2 did it: Keras 3 writes a ``.keras`` file, which needs the class's ``get_config``, and it
cannot make one for a ``Model`` subclass itself. ``migrate`` gives the class (defined in an earlier
cell) one that returns its constructor's arguments, and the reloaded model predicts what the saved
one did."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import code_cells, migrate_notebook, rule_ids

SUBCLASS = [
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras",
    "class TwoTower(keras.Model):\n"
    "    '''Two towers over the same inputs.'''\n"
    "    def __init__(self, hidden_units, dropout_rate=0.2, **kwargs):\n"
    "        super().__init__(**kwargs)\n"
    "        self.rate = dropout_rate\n"
    "        self.left = keras.layers.Dense(hidden_units, activation='relu')\n"
    "        self.right = keras.layers.Dense(hidden_units, activation='tanh')\n"
    "        self.drop = keras.layers.Dropout(self.rate)\n"
    "        self.head = keras.layers.Dense(1)\n"
    "\n"
    "    def call(self, inputs, training=False):\n"
    "        both = tf.concat([self.left(inputs), self.right(inputs)], axis=-1)\n"
    "        return self.head(self.drop(both, training=training))",
    "x = np.random.RandomState(0).rand(32, 5).astype('float32')\n"
    "model = TwoTower(16, dropout_rate=0.1)\n"
    "model.compile(optimizer='adam', loss='mse')\n"
    "model.fit(x, x[:, :1], epochs=1, verbose=0)",
    "model.save('two_tower_model')\n"
    "restored = keras.models.load_model('two_tower_model')\n"
    "same = np.allclose(model.predict(x, verbose=0), restored.predict(x, verbose=0), atol=1e-5)\n"
    "print('same', same, type(restored).__name__)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_subclassed_model_saved_cells_after_its_class_gets_a_config_of_its_arguments(tmp_path: Path) -> None:  # fmt: skip
    """The argument kept under another name is read from there; the one not kept is stored under
    its own name; the model saved and loaded in a later cell is the same model."""
    proc, doc = migrate_notebook(tmp_path, "subclass.ipynb", SUBCLASS)
    assert doc["status"] == "migrated", doc["message"]
    assert "keras3-subclass-get-config" in rule_ids(doc)
    final = doc["cells"][1]["final"]
    assert "        self.hidden_units = hidden_units\n" in final
    assert '"hidden_units": self.hidden_units, "dropout_rate": self.rate}' in final
    outputs = code_cells(tmp_path / "out" / "subclass.ipynb")[-1].outputs
    assert "same True TwoTower" in "".join(o.get("text", "") for o in outputs)
