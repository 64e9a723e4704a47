"""Settings bound to names in a notebook's first cells and read by the Keras call that fails
cells later: the rule decides from the value the name holds (a Keras 2 default, a Keras 2 choice,
a constant the layer's methods all read) as it does for the literal written in the call, and
changes the value where it is made or the call where it is used. Each test migrates a notebook
in a real kernel and reads what its last cell printed (the respell probe's ``settings`` layout,
written here another way)."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import migrated_cells

REDUCTION = [
    "import numpy as np\nimport tensorflow as tf\nLOSS_REDUCTION = 'auto'\nEPOCHS = 1",
    "criterion = tf.keras.losses.MeanSquaredError(reduction=LOSS_REDUCTION)",
    "net = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])\n"
    "net.compile(optimizer='sgd', loss=criterion)\n"
    "net.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=EPOCHS, verbose=0)\n"
    "print('loss', float(criterion(np.zeros((2, 1)), np.full((2, 1), 2.0))))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_keras2_reduction_held_by_a_name_of_the_first_cell_is_renamed_where_it_is_made(tmp_path: Path) -> None:  # fmt: skip
    """Keras 3 refuses ``reduction='auto'`` (its message lists what it takes); the string is the
    first cell's, so it becomes Keras 3's name for what Keras 2's ``'auto'`` did there, and the
    loss is the mean it was."""
    finals, printed = migrated_cells(tmp_path, "settings.ipynb", REDUCTION)
    assert "LOSS_REDUCTION = 'sum_over_batch_size'" in finals[0]
    assert finals[1] == REDUCTION[1]
    assert "loss 4.0" in printed


KERAS2_DEFAULT = [
    "import numpy as np\nimport keras\nseries = np.random.rand(6, 5, 2).astype('float32')\n"
    "time_major = False",
    "rnn = keras.Sequential([keras.Input((5, 2)), keras.layers.GRU(3, time_major=time_major)])",
    "print('shape', rnn.predict(series, verbose=0).shape)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_removed_keyword_given_a_name_holding_its_keras2_default_is_left_out(tmp_path: Path) -> None:  # fmt: skip
    """``time_major=time_major`` with ``time_major = False`` cells before: Keras 2's default,
    which Keras 3 always does, so the keyword is left out and the model is the same."""
    finals, printed = migrated_cells(tmp_path, "settings.ipynb", KERAS2_DEFAULT)
    assert "time_major" not in finals[1]
    assert "shape (6, 3)" in printed


MOVED_TO_CALL = [
    "import numpy as np\nimport keras\nMASK_FUTURE = True",
    "class SelfAttend(keras.layers.Layer):\n"
    "    def __init__(self, **kwargs):\n"
    "        super().__init__(**kwargs)\n"
    "        self.attend = keras.layers.Attention(causal=MASK_FUTURE)\n"
    "\n"
    "    def call(self, x):\n"
    "        return self.attend([x, x])\n",
    "tokens = keras.Input((4, 2))\n"
    "model = keras.Model(tokens, SelfAttend()(tokens))\n"
    "x = np.random.rand(1, 4, 2).astype('float32')\n"
    "y = model.predict(x, verbose=0)\n"
    "print('first row kept', bool(np.allclose(y[0, 0], x[0, 0])))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_layer_option_held_by_a_setting_moves_to_the_layers_call_in_another_method(tmp_path: Path) -> None:  # fmt: skip
    """``Attention(causal=MASK_FUTURE)`` in ``__init__``, the layer called in ``call``: the name
    is the first cell's, the same in both methods, so it is given to the call as
    ``use_causal_mask`` (the first step attends to itself only, as Keras 2's causal mask did)."""
    finals, printed = migrated_cells(tmp_path, "settings.ipynb", MOVED_TO_CALL)
    assert "keras.layers.Attention()" in finals[1]
    assert "self.attend([x, x], use_causal_mask=MASK_FUTURE)" in finals[1]
    assert "first row kept True" in printed


METRIC_IN_DICT = [
    "import numpy as np\nimport keras\nTRACKED = 'mae'",
    "fit_options = {'optimizer': 'adam', 'loss': 'mse', 'metrics': TRACKED}",
    "reg = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "reg.compile(**fit_options)\n"
    "log = reg.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=1, verbose=0)\n"
    "print('keys', sorted(log.history))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_one_metric_held_by_a_name_in_a_dict_of_an_earlier_cell_is_put_in_a_list(tmp_path: Path) -> None:  # fmt: skip
    """``compile(**fit_options)`` whose ``'metrics'`` is a name the first cell binds to one
    string: the dict's entry becomes a list where the dict is made, and the metric is logged."""
    finals, printed = migrated_cells(tmp_path, "settings.ipynb", METRIC_IN_DICT)
    assert "'metrics': [TRACKED]}" in finals[1]
    assert "'mae'" in printed


LOOKED_UP_LATER = [
    "import keras\nBLOCK = 'stem/conv'",
    "inp = keras.Input((8, 8, 1))\nx = keras.layers.Conv2D(2, 3, name=BLOCK)(inp)\n"
    "net = keras.Model(inp, keras.layers.Flatten()(x))",
    "print('filters', net.get_layer('stem/conv').filters)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_layer_renamed_for_keras3_is_looked_up_by_its_new_name_cells_later(tmp_path: Path) -> None:  # fmt: skip
    """The layer's name has a ``/`` Keras 3 refuses, so it gets ``_``; a later cell asks for it
    by the old name, and Keras's message lists the layers: the lookup takes the new name."""
    finals, printed = migrated_cells(tmp_path, "settings.ipynb", LOOKED_UP_LATER)
    assert "get_layer('stem_conv')" in finals[2]
    assert "filters 2" in printed


LOADED_THEN_USED_NEXT_CELL = [
    "import numpy as np\nimport keras\nfeatures = np.random.rand(20, 5).astype('float32')",
    "def build():\n    return keras.Sequential([keras.layers.Dense(4, activation='relu'), keras.layers.Dense(1)])",
    "first = build()\nfirst.compile(optimizer='adam', loss='mse')\nfirst.fit(features, np.ones((20, 1)), verbose=0)\n"
    "first.save_weights('first.weights.h5')\nexpected = first.predict(features, verbose=0)\ndel first",
    "second = build()\nsecond.load_weights('first.weights.h5')",
    "print('same', bool(np.allclose(expected, second.predict(features, verbose=0))))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_weights_loaded_into_an_unbuilt_model_are_built_on_the_data_the_next_cell_gives_it(tmp_path: Path) -> None:  # fmt: skip
    """Keras 2 restored the weights when the model first met data, in the next cell; Keras 3
    refuses to load into an unbuilt model. No built model of the class is left, so the model is
    built on the shape of the data that cell gives it, and predicts what the saved one did."""
    finals, printed = migrated_cells(tmp_path, "settings.ipynb", LOADED_THEN_USED_NEXT_CELL)
    assert "second(keras.Input(batch_shape=(None, 5)))\nsecond.load_weights" in finals[3], finals[3]
    assert "same True" in printed


SUM_FROM_A_VARIABLE_MADE_BEFORE = [
    "import numpy as np\nimport keras",
    "inp = keras.Input((6,))\nh = keras.layers.Dense(3)(inp)",
    "total = keras.Variable(0.0)",
    "for weight in (0.5, 2.0):\n    total = total + weight * keras.ops.mean(h)\n"
    "probe = keras.Model(inp, total)\nprint('out', tuple(probe(np.ones((1, 6), 'float32')).shape))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_symbolic_sum_started_from_a_variable_of_an_earlier_cell_starts_from_a_constant_there(tmp_path: Path) -> None:  # fmt: skip
    """The variable only starts the sum (nothing assigns it), made in a cell of its own: it
    becomes a constant tensor of the same number where it is made, and the model is built."""
    finals, printed = migrated_cells(tmp_path, "settings.ipynb", SUM_FROM_A_VARIABLE_MADE_BEFORE)
    assert finals[2] == "total = keras.ops.convert_to_tensor(0.0)", finals[2]
    assert finals[3] == SUM_FROM_A_VARIABLE_MADE_BEFORE[3]
    assert "out ()" in printed


LOSS_IN_A_METHOD = [
    "import numpy as np\nimport keras",
    "class Compressor:\n"
    "    def __init__(self, width):\n"
    "        inp = keras.Input((width,))\n"
    "        code = keras.layers.Dense(2)(inp)\n"
    "        out = keras.layers.Dense(width)(code)\n"
    "\n"
    "        def penalised(target, guess):\n"
    "            return keras.ops.mean(keras.ops.square(target - guess), axis=-1) + 0.01 * keras.ops.mean(keras.ops.square(code), axis=-1)\n"
    "\n"
    "        self.net = keras.Model(inp, out)\n"
    "        self.net.compile(optimizer='adam', loss=penalised)\n",
    "squeeze = Compressor(6)",
    "rows = np.random.rand(12, 6).astype('float32')\n"
    "log = squeeze.net.fit(rows, rows, epochs=1, verbose=0)\nprint('loss logged', 'loss' in log.history)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_loss_reading_a_methods_tensors_is_added_by_a_layer_in_the_classs_cell(tmp_path: Path) -> None:  # fmt: skip
    """The loss a class's ``__init__`` defines reads that method's symbolic ``code`` tensor; the
    class is made in one cell and trained in a later one. The loss goes into a layer where the
    tensors are, in the class's own cell, and the cells from there run again."""
    finals, printed = migrated_cells(tmp_path, "settings.ipynb", LOSS_IN_A_METHOD)
    assert "add_loss(keras.ops.mean(penalised(*inputs)))" in finals[1], finals[1]
    assert finals[2:] == LOSS_IN_A_METHOD[2:]
    assert "loss logged True" in printed


TF_OPS_THEN_SAVED = [
    "import numpy as np\nimport tensorflow as tf\nimport tensorflow.keras.layers as layers",
    "inputs = tf.keras.Input(shape=(None, None, 1))\nnet1 = layers.Conv2D(4, (3, 3))(inputs)\n"
    "net2 = layers.Conv2D(4, (3, 3), padding='same')(net1)\nnet = tf.concat([net1, net2], axis=-1)\n"
    "net = tf.reduce_mean(net, axis=[1, 2])\nmodel = tf.keras.Model(inputs, layers.Dense(3)(net))",
    "model.save('ops_model.h5')\nagain = tf.keras.models.load_model('ops_model.h5', compile=False)\n"
    "print('loaded', again.output_shape)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_tensorflow_functions_on_symbolic_tensors_become_keras_ops_that_save_and_load(tmp_path: Path) -> None:  # fmt: skip
    """``tf.concat`` and ``tf.reduce_mean`` on a functional model's tensors (tf.keras 2 made them
    layers): each becomes the Keras 3 op that computes the same, a node of the model, so the
    model saved in the next cell loads back (a Lambda reading ``tf`` would not)."""
    finals, printed = migrated_cells(tmp_path, "settings.ipynb", TF_OPS_THEN_SAVED)
    assert "keras.ops.concatenate([net1, net2], axis=-1)" in finals[1], finals[1]
    assert "keras.ops.mean(net, axis=[1, 2])" in finals[1], finals[1]
    assert "loaded (None, 3)" in printed
