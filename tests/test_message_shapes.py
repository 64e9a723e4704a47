"""A shape the message shows as a bare number, inside layers a model's call builds
(rules/error_messages.py): the layer's ``build`` makes two weights, the first with a written
tuple, the second with ``shape=(self.units)``; Keras re-raises the second's error from the
model's call. Through ``migrate``: only the second becomes a one-tuple (its value read from the
failing frame), and the migrated notebook runs. The layer's class is a cell before the one that
fails (the notebook layout): the class's cell is diagnosed with the error, and its first weight,
whose shape is a written tuple, stays as it is."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from migrate_helpers import migrate_notebook
from nbclient import NotebookClient

SCRIPT = '''\
import tensorflow as tf
class Linear(tf.keras.layers.Layer):
    def __init__(self, units, use_bias=True, **kwargs):
        super(Linear, self).__init__(**kwargs)
        self.units = units
        self.use_bias = use_bias
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units))
        if self.use_bias:
            self.b = self.add_weight(shape=(self.units), initializer="zeros")
        super().build(input_shape)
    @tf.function
    def call(self, x):
        output = tf.matmul(x, self.w)
        if self.use_bias:
            output += self.b
        return output
class LinearModel(tf.keras.Model):
    def __init__(self, num_units, use_bias=True, **kwargs):
        super(LinearModel, self).__init__(**kwargs)
        self.model = [Linear(units, use_bias) for units in num_units]
    def call(self, x):
        for layer in self.model:
            x = layer(x)
        return x
model = LinearModel(num_units=(3,1), use_bias=True)
print(model(tf.ones((2, 5))).shape)
'''


def cells() -> list[str]:
    """The script as a notebook: the layer, the model, the call, a cell each."""
    head, rest = SCRIPT.split("class LinearModel", 1)
    model, call = ("class LinearModel" + rest).split("model = LinearModel", 1)
    return [head.strip(), model.strip(), "model = LinearModel" + call.strip()]


@pytest.mark.envs("tf221-k3")
def test_only_the_bare_number_becomes_a_tuple(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "linear.ipynb", cells())
    assert doc["status"] == "migrated", doc["message"]
    layer = doc["cells"][0]["final"]
    assert "self.w = self.add_weight(shape=(input_shape[-1], self.units))\n" in layer, layer
    assert 'self.b = self.add_weight(shape=(self.units,), initializer="zeros")\n' in layer, layer
    migrated = nbformat.read(str(tmp_path / "out" / "linear.ipynb"), as_version=4)
    NotebookClient(migrated, timeout=600, resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for c in migrated.cells for o in c.get("outputs", []))
    assert "(2, 1)" in printed, printed
    assert proc.returncode == 0
