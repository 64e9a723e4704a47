"""Keras 2's ``Input(tensor=…)`` of a value computed from the model's tensors (a VAE's noise):
Keras 3 makes of it an input fed by data, and the expression fails on ``KerasTensor``s; the
corrected code computes it in a ``Lambda`` and the models drop it from their inputs, in the
cell and where a later cell makes a model of it (rules/error_input_tensor.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

KERAS3 = ("tf221-k3", "colab")

CELLS = [
    "import numpy as np\n"
    "from tensorflow.keras import backend as K\n"
    "from tensorflow.keras.layers import Input, Dense, Lambda, Add, Multiply\n"
    "from tensorflow.keras.models import Model, Sequential",
    "size, code = 12, 2\n"
    "pixels = Input(shape=(size,))\n"
    "hidden = Dense(6, activation='relu')(pixels)\n"
    "mean = Dense(code)(hidden)\n"
    "spread = Lambda(lambda t: K.exp(0.5 * t))(Dense(code)(hidden))\n"
    "noise = Input(tensor=K.random_normal(shape=(K.shape(pixels)[0], code)), name='noise')\n"
    "sample = Add()([mean, Multiply()([spread, noise])])\n"
    "coder = Model([pixels, noise], sample)",
    "back = Sequential([Dense(size, input_dim=code, activation='sigmoid')])\n"
    "auto = Model(inputs=[pixels, noise], outputs=back(sample))\n"
    "auto.compile(optimizer='rmsprop', loss='binary_crossentropy')",
    "data = np.random.rand(8, size)\n"
    "auto.fit(data, data, epochs=1, batch_size=4, verbose=0)\n"
    "a, b = coder.predict(data, verbose=0), coder.predict(data, verbose=0)\n"
    "print('inputs', len(auto.inputs), len(coder.inputs), 'fresh noise', bool((a != b).any()))",
]


@pytest.mark.envs(*KERAS3)
def test_migrate_computes_the_noise_in_a_lambda_and_feeds_the_same_data(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "noise.ipynb", CELLS)
    assert "Input(tensor=" not in finals[1]
    assert "Lambda(lambda pixels: K.random_normal(" in finals[1], finals[1]
    assert ", name='noise')(pixels)" in finals[1]
    assert "coder = Model([pixels], sample)" in finals[1]
    assert "auto = Model(inputs=[pixels], outputs=back(sample))" in finals[2], finals[2]
    assert finals[3] == CELLS[3]
    assert "inputs 1 1 fresh noise True" in shown


@pytest.mark.envs(*KERAS3)
def test_an_input_wrapping_a_tensor_of_no_model_tensor_is_left() -> None:
    import kerasmagic

    source = CELLS[0] + "\nimport tensorflow as tf\nfixed = Input(tensor=tf.ones((2, 3)))\n"
    result = kerasmagic.check(source)
    assert result.error_type is not None
    assert "keras3-input-tensor" not in [s.id for s in result.suggestions]
