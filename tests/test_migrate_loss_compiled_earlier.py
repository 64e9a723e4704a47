"""A Keras 2 VAE laid out as most notebooks have it: the loss reading the model's global
``z_mean``/``z_log_var`` defined in one cell, the model compiled with it in the next, trained
cells later (rules/error_loss_outer_tensors.py). The rewrite is made where each part is written:
the loss takes the tensors as parameters in its own cell, the layer that adds it and the model
made again go before the ``compile`` (which loses ``loss``), and the training cell is unchanged;
for the magics, the corrected training cell does all of it at its top."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import migrate_notebook, rule_ids

CELLS = [
    "import numpy as np\nimport keras\nfrom keras.layers import Input, Dense\nfrom keras.models import Model",
    "x = Input(shape=(12,))\nh = Dense(8, activation='relu')(x)\n"
    "z_mean = Dense(2)(h)\nz_log_var = Dense(2)(h)\n"
    "x_decoded = Dense(12, activation='sigmoid')(Dense(8, activation='relu')(z_mean))",
    "def vae_loss(x, x_decoded):\n"
    "    xent = 12 * keras.losses.binary_crossentropy(x, x_decoded)\n"
    "    kl = -0.5 * keras.ops.sum(1 + z_log_var - z_mean ** 2 - keras.ops.exp(z_log_var), axis=-1)\n"
    "    return keras.ops.mean(xent + kl)",
    "vae = Model(x, x_decoded)\nvae.compile(optimizer='rmsprop', loss=vae_loss)\nvae.summary()",
    "data = np.random.rand(32, 12).astype('float32')\n"
    "history = vae.fit(data, data, epochs=1, batch_size=8, verbose=0)\n"
    "print(len(history.history['loss']))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_each_part_is_changed_in_its_own_cell(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "vae.ipynb", CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert "keras3-loss-outer-tensors" in rule_ids(doc)
    finals = [c["final"] for c in doc["cells"]]
    assert "def vae_loss(x, x_decoded, z_log_var, z_mean):" in finals[2], finals[2]
    assert "VaeLossLayer()([vae.inputs[0], vae.outputs[0], z_log_var, z_mean])" in finals[3], finals[3]
    assert "vae.compile(optimizer='rmsprop')\n" in finals[3], finals[3]
    assert finals[4] == CELLS[4]
    assert proc.returncode == 0
