"""The Keras 2 GAN recipe migrated through a real kernel: the discriminator compiled, then frozen
for the combined model, then trained with its own ``train_on_batch`` in a loop cell. Keras 3
reads ``trainable`` at every step, so the discriminator learns nothing (rules/trap_trainable.py):
the loop gets the state Keras 2 compiled it with around its own training calls, and the migrated
notebook's discriminator learns while the combined model leaves it alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import code_cells, migrate_notebook

GAN = [
    "import numpy as np\nimport keras",
    "gen = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])\n"
    "disc = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation='sigmoid')])\n"
    "disc.compile(loss='binary_crossentropy', optimizer='adam')\n"
    "disc.trainable = False\n"
    "z = keras.Input((2,))\n"
    "combined = keras.Model(z, disc(gen(z)))\n"
    "combined.compile(loss='binary_crossentropy', optimizer='adam')",
    "start = disc.get_weights()[0].copy()\n"
    "for step in range(2):\n"
    "    d_loss = disc.train_on_batch(np.random.rand(8, 2), np.ones((8, 1)))\n"
    "    before = disc.get_weights()[0].copy()\n"
    "    g_loss = combined.train_on_batch(np.random.rand(8, 2), np.ones((8, 1)))\n"
    "    held = np.allclose(before, disc.get_weights()[0])\n"
    "print('learned', not np.allclose(start, disc.get_weights()[0]), 'held', held)",
]


@pytest.mark.envs("tf221-k3", "k3-jax")
def test_the_discriminator_trains_again_after_migrate(tmp_path: Path) -> None:
    final = _migrated_loop(tmp_path, "gan.ipynb", GAN)
    assert (
        "    disc.trainable = True\n"
        "    d_loss = disc.train_on_batch(np.random.rand(8, 2), np.ones((8, 1)))\n"
        "    disc.trainable = False\n"
    ) in final, final
    assert "combined.train_on_batch" in final


def _migrated_loop(tmp_path: Path, name: str, cells: list[str]) -> str:
    """The training loop cell as migrate left it, after checking the migrated notebook's
    discriminator learns over its own batches and holds over the combined model's."""
    proc, doc = migrate_notebook(tmp_path, name, cells)
    assert doc["status"] == "migrated", doc["message"]
    assert proc.returncode == 0
    final = doc["cells"][2]["final"]
    assert final.count("trainable") == 2, final
    outputs = code_cells(tmp_path / "out" / name)[-1].outputs
    assert "learned True held True" in "".join(o.get("text", "") for o in outputs)
    return final


@pytest.mark.envs("tf221-k3")
def test_real_and_fake_batches_in_a_row_get_one_toggle_around_both(tmp_path: Path) -> None:
    loop = GAN[2].replace(
        "    d_loss = disc.train_on_batch(np.random.rand(8, 2), np.ones((8, 1)))\n",
        "    d_real = disc.train_on_batch(np.random.rand(8, 2), np.ones((8, 1)))\n"
        "    d_fake = disc.train_on_batch(np.random.rand(8, 2), np.zeros((8, 1)))\n",
    )
    final = _migrated_loop(tmp_path, "gan2.ipynb", [*GAN[:2], loop])
    assert (
        "    disc.trainable = True\n"
        "    d_real = disc.train_on_batch(np.random.rand(8, 2), np.ones((8, 1)))\n"
        "    d_fake = disc.train_on_batch(np.random.rand(8, 2), np.zeros((8, 1)))\n"
        "    disc.trainable = False\n"
    ) in final, final
