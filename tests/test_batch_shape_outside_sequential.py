"""A layer given ``batch_input_shape`` where no ``Sequential`` reads it: a sub-layer a subclassed
model keeps as an attribute, or a layer called on a tensor where it is made. Keras 2 ignored the
keyword there (the model's input gives the layer its shape); Keras 3 refuses it ("Unrecognized
keyword arguments"), so it is dropped, with no ``Input`` added (rules/keras3_batch_shape.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

CELLS = [
    "import numpy as np\nimport tensorflow as tf",
    "class CharModel(tf.keras.Model):\n"
    "    def __init__(self, vocab, dim, units, batch):\n"
    "        super().__init__()\n"
    "        self.embed = tf.keras.layers.Embedding(vocab, dim, batch_input_shape=[batch, None])\n"
    "        self.rnn = tf.keras.layers.GRU(units, return_sequences=True, stateful=True)\n"
    "        self.head = tf.keras.layers.Dense(vocab)\n"
    "\n"
    "    def call(self, x):\n"
    "        return self.head(self.rnn(self.embed(x)))",
    "net = CharModel(12, 4, 6, batch=2)\n"
    "out = net(np.zeros((2, 5), dtype='int32'))\n"
    "print('shape', tuple(out.shape))",
]


@pytest.mark.envs("tf221-k3", "colab")
def test_migrate_drops_the_batch_shape_of_a_subclassed_models_layer(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "sub.ipynb", CELLS)
    assert "self.embed = tf.keras.layers.Embedding(vocab, dim)\n" in finals[1], finals[1]
    assert "Input(" not in finals[1]
    assert finals[2] == CELLS[2]
    assert "shape (2, 5, 12)" in shown


@pytest.mark.envs("tf221-k3")
def test_a_layer_called_where_it_is_made_loses_the_keyword_only() -> None:
    import kerasmagic

    source = (
        "import numpy as np\nfrom tensorflow import keras\n"
        "inp = keras.Input(shape=(3,))\n"
        "h = keras.layers.Dense(4, batch_input_shape=(None, 3))(inp)\n"
        "model = keras.Model(inp, h)\n"
        "print(model.predict(np.zeros((1, 3)), verbose=0).shape)\n"
    )
    result = kerasmagic.check(source)
    assert "keras3-batch-input-shape" in [s.id for s in result.suggestions]
    fixed = result.fixed_source or ""
    assert "h = keras.layers.Dense(4)(inp)" in fixed, fixed
    assert fixed.count("Input(") == 1
