"""A subclassed model whose layers make their weights in ``__init__`` (``add_weight`` there), made
again and loaded before its first call: Keras 3 refuses the load (the model is not built although
it has weights); the corrected code builds it on the shape of the data it is next given, as TF 2's
checkpoint restored on that first call (rules/error_unbuilt_load.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

KERAS3 = ("tf221-k3", "colab")

SOURCE = """\
import numpy as np
import tensorflow as tf
from tensorflow import keras
class Scale(keras.layers.Layer):
    def __init__(self, n, m):
        super().__init__()
        self.w = self.add_weight(name="w", shape=[n, m])
    def call(self, inputs):
        return inputs @ self.w
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.a = Scale(6, 4)
        self.b = Scale(4, 2)
    def call(self, inputs, training=None):
        return self.b(tf.nn.relu(self.a(tf.reshape(inputs, [-1, 6]))))
x = np.random.rand(8, 2, 3).astype('float32')
data = tf.data.Dataset.from_tensor_slices((x, np.random.rand(8, 2).astype('float32'))).batch(4)
net = Net()
net.compile(optimizer='adam', loss='mse')
net.fit(data, epochs=1, verbose=0)
kept = net.b.w.numpy()
net.save_weights('net.weights.h5')
del net
net = Net()
net.compile(optimizer='adam', loss='mse')
net.load_weights('net.weights.h5')
net.evaluate(data, verbose=0)
"""


@pytest.mark.envs(*KERAS3)
def test_a_model_with_weights_from_init_is_built_on_the_next_data_then_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import kerasmagic

    monkeypatch.chdir(tmp_path)
    result = kerasmagic.check(SOURCE)
    assert [s.id for s in result.suggestions] == ["keras3-load-weights-unbuilt"]
    fixed = result.fixed_source or ""
    assert "net(keras.Input(batch_shape=(None, 2, 3)))\nnet.load_weights(" in fixed, fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert (namespace["net"].b.w.numpy() == namespace["kept"]).all()
