"""``layer.input_shape`` in a loop over a model's layers, through real Keras 3: the rewrite to
``layer.input.shape`` holds only where each layer the loop gives has one input tensor. After a
``Masking`` layer Keras 3's ``input`` is ``[tensor, mask]`` (measured: ``Bidirectional``'s input
after ``Masking`` is a list of shapes ``(None, 4, 3)`` and ``(None, 4)``, the mask boolean), where
Keras 2 gave the tensor's shape: the rewrite reads the tensor there. A functional model's layers begin
with its input layer, whose Keras 3 ``input`` is ``[]``; Keras 2 gave its own shape there.
"""

from __future__ import annotations

import pytest

from kerasmagic.diagnosis.engine import diagnose

SETUP = """
from keras.models import Sequential
from keras.layers import Dense, TimeDistributed, LSTM, Bidirectional, Masking
masked = Sequential()
masked.add(Masking(mask_value=0., input_shape=(4, 3)))
masked.add(Bidirectional(LSTM(3, return_sequences=True)))
plain = Sequential()
plain.add(LSTM(3, return_sequences=True, input_shape=(4, 3)))
plain.add(TimeDistributed(Dense(3)))
from keras import Input, Model
entry = Input(shape=(4, 3))
functional = Model(entry, TimeDistributed(Dense(2))(LSTM(3, return_sequences=True)(entry)))
"""
LOOP = "for (i, layer) in enumerate({model}.layers):\n    print(i, layer.input_shape)\n"


def _diagnosed(model: str):
    namespace: dict = {}
    exec(SETUP, namespace)
    cell = LOOP.format(model=model)
    with pytest.raises(AttributeError) as raised:
        exec(cell, namespace)
    return cell, namespace, diagnose(cell, raised.value, namespace=namespace)


@pytest.mark.envs("tf221-k3", "k3-jax")
def test_each_layers_input_is_read_before_input_shape_becomes_input_dot_shape() -> None:
    cell, namespace, result = _diagnosed("plain")
    assert result.fixed_source == cell.replace("layer.input_shape", "layer.input.shape")
    exec(result.fixed_source, namespace)  # runs for every layer of the loop


@pytest.mark.envs("tf221-k3", "k3-jax")
def test_a_masked_layers_input_shape_is_its_tensors_as_keras_2_gave_it() -> None:
    cell, namespace, result = _diagnosed("masked")
    with pytest.raises(AttributeError, match="'list' object has no attribute 'shape'"):
        exec(cell.replace("input_shape", "input.shape"), namespace)  # [tensor, mask] after Masking
    assert result.fixed_source is not None and "layer.input_shape" not in result.fixed_source
    shapes: list = []
    exec(result.fixed_source, {**namespace, "print": lambda *printed: shapes.append(printed)})
    assert shapes == [(0, (None, 4, 3)), (1, (None, 4, 3))]


@pytest.mark.envs("tf221-k3", "k3-jax")
def test_a_functional_models_input_layer_reads_its_own_shape_as_keras_2_did() -> None:
    cell, namespace, result = _diagnosed("functional")
    with pytest.raises(AttributeError, match="'list' object has no attribute 'shape'"):
        exec(cell.replace("input_shape", "input.shape"), namespace)  # the plain spelling fails
    assert result.fixed_source is not None and "layer.input_shape" not in result.fixed_source
    shapes: list = []
    exec(result.fixed_source, {**namespace, "print": lambda *printed: shapes.append(printed)})
    assert shapes == [(0, (None, 4, 3)), (1, (None, 4, 3)), (2, (None, 4, 3))]


@pytest.mark.envs("tf221-k3")
def test_the_input_layer_alone_reads_its_output_shape() -> None:
    namespace: dict = {}
    exec(SETUP, namespace)
    cell = "first = functional.layers[0].input_shape\n"
    with pytest.raises(AttributeError) as raised:
        exec(cell, namespace)
    result = diagnose(cell, raised.value, namespace=namespace)
    assert result.fixed_source == "first = functional.layers[0].output.shape\n"
    exec(result.fixed_source, namespace)
    assert namespace["first"] == (None, 4, 3)


@pytest.mark.envs("tf221-k3", "k3-jax")
def test_a_loop_over_values_not_read_here_takes_the_failing_frames_layer() -> None:
    """keras-swa's callback loops over its own list (``for layer in self.batch_norm_layers``),
    which the cell's namespace does not show: the layer the failing frame holds decides."""
    namespace: dict = {}
    exec(SETUP, namespace)
    cell = (
        "class Rebuild:\n"
        "    def __init__(self, layers):\n"
        "        self.layers = layers\n"
        "    def shapes(self):\n"
        "        out = []\n"
        "        for layer in self.layers:\n"
        "            out.append(layer.input_shape)\n"
        "        return out\n"
        "shapes = Rebuild(plain.layers).shapes()\n"
    )
    with pytest.raises(AttributeError) as raised:
        exec(cell, namespace)
    result = diagnose(cell, raised.value, namespace=namespace)
    assert result.fixed_source == cell.replace("layer.input_shape", "layer.input.shape")
    exec(result.fixed_source, namespace)
    assert namespace["shapes"] == [(None, 4, 3), (None, 4, 3)]
