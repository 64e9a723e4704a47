"""Weights loaded into a subclassed model that the cell builds only after the load (a
text-generation notebook's ``model.load_weights(latest); model.build(tf.TensorShape([1, None]))``):
TF 2's checkpoints restored at that build, Keras 3 refuses the load. The model is called on zeros
of the cell's own shape before it, and a stateful layer's state is zeroed again
(rules/error_unbuilt_load.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

SOURCE = """
import numpy as np
import tensorflow as tf
class Tagger(tf.keras.Model):
    def __init__(self, batch):
        super().__init__()
        self.embed = tf.keras.layers.Embedding(20, 4)
        self.rnn = tf.keras.layers.GRU(3, return_sequences=True, stateful=True)
        self.head = tf.keras.layers.Dense(5)
    def call(self, x):
        return self.head(self.rnn(self.embed(x)))
trained = Tagger(batch=2)
trained(np.zeros((2, 6), dtype="int32"))
trained.save_weights(WEIGHTS)
kernel = trained.head.get_weights()[0]
del trained
tagger = Tagger(batch=1)
tagger.load_weights(WEIGHTS)
tagger.build(tf.TensorShape([1, None]))
"""


@pytest.mark.envs("tf221-k3", "colab")
def test_the_model_is_built_on_the_cells_own_shape_before_the_load(tmp_path: Path) -> None:
    import kerasmagic

    source = SOURCE.replace("WEIGHTS", repr(str(tmp_path / "tagger.weights.h5")))
    result = kerasmagic.check(source)
    assert [s.id for s in result.suggestions] == ["keras3-load-weights-unbuilt"]
    fixed = result.fixed_source or ""
    call = (
        "tagger(keras.ops.zeros([1 if d is None else d for d in tuple(tf.TensorShape([1, None]))]))"
    )
    assert f"{call}\nfor _layer in tagger.layers:" in fixed, fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    tagger, np = namespace["tagger"], namespace["np"]
    assert np.allclose(tagger.head.get_weights()[0], namespace["kernel"])  # the saved weights
    assert not np.any(tagger.rnn.states[0].numpy())  # the state Keras 2's build left: zeros
