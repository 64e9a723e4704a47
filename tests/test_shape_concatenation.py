"""A custom layer that joins the shape Keras gives it with a list (``input_shape[-1:] + [n]``), as
TF 2's ``tf.TensorShape`` allowed: Keras 3 gives a tuple, and the corrected cell joins tuples
(rules/error_shape_concatenation.py)."""

from __future__ import annotations

import pytest

import kerasmagic

pytestmark = pytest.mark.envs("tf221-k3", "colab")

LAYER = """\
import numpy as np
import tensorflow as tf
from tensorflow import keras

class Projection(keras.layers.Layer):
    def __init__(self, width, **kwargs):
        super(Projection, self).__init__(**kwargs)
        self.width = width

    def build(self, input_shape):
        self.w = self.add_weight(name='w', shape=input_shape[-1:] + [self.width], initializer='ones')
        super(Projection, self).build(input_shape)

    def call(self, x):
        return tf.tensordot(x, self.w, axes=1)

    def compute_output_shape(self, input_shape):
        return [None] + input_shape[1:-1] + [self.width]

inputs = keras.Input(shape=(5, 3))
model = keras.Model(inputs, Projection(4)(inputs))
out = model.predict(np.ones((2, 5, 3)), verbose=0)
"""


def test_each_shape_joined_with_a_list_becomes_a_tuple_and_the_layer_works() -> None:
    import numpy as np

    source, seen = LAYER, []
    for _ in range(3):
        result = kerasmagic.check(source)
        if result.error_type is None:
            break
        assert "can only concatenate" in (result.error_message or "")
        seen += [s.id for s in result.suggestions]
        assert result.fixed_source is not None
        source = result.fixed_source
    assert result.error_type is None
    assert set(seen) == {"keras3-shape-tuple-concatenated"}
    assert "shape=input_shape[-1:] + (self.width,)" in source
    assert "return (None,) + input_shape[1:-1] + (self.width,)" in source
    namespace: dict = {}
    exec(compile(source, "<fixed>", "exec"), namespace)
    np.testing.assert_allclose(namespace["out"], np.full((2, 5, 4), 3.0))


def test_a_tuple_joined_with_a_list_outside_a_layers_shape_is_not_this_problem() -> None:
    source = "def widen(sizes):\n    return sizes + [1]\n\nwiden((2, 3))\n"
    result = kerasmagic.check(source)
    assert result.error_type == "TypeError"
    assert "keras3-shape-tuple-concatenated" not in [s.id for s in result.suggestions]
