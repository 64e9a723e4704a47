"""``K.batch_dot`` of operands of different ranks, written for Keras 2.2 (rules/error_batch_dot.py):
the cell's calls become Keras 2.2's computation, written in
(knowledge/written_in/keras2_batch_dot.py), when the raising frame shows such a call."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from cell_helpers import keras3
from kernel_helpers import Kernel, fixed_source, printed
from migrate_helpers import migrated_cells

from kerasmagic.diagnosis.engine import diagnose
from kerasmagic.knowledge.written_in import written_in

ENTRY = "keras2-batch-dot-ranks"
has_tf = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="needs TF")


def _written():
    namespace: dict = {}
    exec(compile(written_in("keras2_batch_dot"), "<written-in>", "exec"), namespace)
    return namespace["_keras2_batch_dot"]


def _keras22(x, y, axes):
    """Keras 2.2.4's TensorFlow batch_dot, step by step in NumPy: trailing axes of 1 on the
    operand of lower rank, a batched matrix product over the last two axes (each transposed
    as ``axes`` says), the added axes squeezed."""
    import numpy as np

    nx, ny = x.ndim, y.ndim
    axes = (axes, axes) if isinstance(axes, int) else axes
    if nx > ny:
        y = y.reshape(y.shape + (1,) * (nx - ny))
    elif ny > nx:
        x = x.reshape(x.shape + (1,) * (ny - nx))
    n = x.ndim
    if axes[0] != n - 1:
        x = np.swapaxes(x, -1, -2)
    if axes[1] == n - 1:
        y = np.swapaxes(y, -1, -2)
    out = np.matmul(x, y)
    if nx != ny:
        start = nx + ny - 3 if nx > ny else nx - 1
        out = np.squeeze(out, tuple(range(start, start + abs(nx - ny))))
    return out


CASES = [
    ((2, 10, 1152), (2, 10, 1152, 16), [2, 2]),  # capsule routing: coupling × predictions
    ((2, 10, 16), (2, 10, 1152, 16), [2, 3]),  # agreement: outputs × predictions
    ((2, 3, 5), (2, 5), [2, 1]),
    ((2, 4, 3, 5), (2, 4, 5, 6), [3, 2]),  # rank 4: Keras 2.3 on keeps axis 1 of both
    ((2, 3, 5), (2, 7, 5), [2, 2]),
    ((2, 5, 3), (2, 5, 4), [1, 1]),
]


@has_tf
@pytest.mark.parametrize(("x_shape", "y_shape", "axes"), CASES)
def test_the_written_in_batch_dot_computes_what_keras_2_2_did(x_shape, y_shape, axes):
    import numpy as np

    rng = np.random.default_rng(0)
    x, y = rng.random(x_shape).astype("float32"), rng.random(y_shape).astype("float32")
    got = np.asarray(_written()(x, y, axes))
    assert np.allclose(got, _keras22(x, y, axes), atol=1e-4)


@keras3
@has_tf
@pytest.mark.parametrize(("x_shape", "y_shape", "axes"), [c for c in CASES if len(c[0]) == len(c[1]) == 3])  # fmt: skip
def test_for_two_operands_of_rank_3_it_computes_what_this_keras_computes(x_shape, y_shape, axes):
    import numpy as np
    import tensorflow as tf

    x, y = np.ones(x_shape, "float32"), np.arange(np.prod(y_shape), dtype="float32").reshape(y_shape)  # fmt: skip
    today = tf.keras.backend.batch_dot(x, y, axes)
    assert np.allclose(np.asarray(_written()(x, y, axes)), np.asarray(today))


IMPORTS = (
    "import numpy as np\nimport keras\nfrom keras import backend as K\nfrom keras import layers\n"
)
# an image CapsNet's routing (the agreement summed into the logits), spelt otherwise than the probe
CAPSULES = (
    "class Routing(layers.Layer):\n"
    "    def __init__(self, n_caps, dim, rounds=3, **kwargs):\n"
    "        super().__init__(**kwargs)\n"
    "        self.n_caps, self.dim, self.rounds = n_caps, dim, rounds\n"
    "    def build(self, input_shape):\n"
    "        self.W = self.add_weight(shape=(self.n_caps, input_shape[1], self.dim, input_shape[2]), initializer='glorot_uniform', name='W')\n"
    "    def call(self, inputs):\n"
    "        tiled = K.tile(K.expand_dims(K.expand_dims(inputs, 1), -1), [1, self.n_caps, 1, 1, 1])\n"
    "        inputs_hat = K.squeeze(keras.ops.matmul(self.W, tiled), -1)\n"
    "        logits = keras.ops.zeros_like(inputs_hat[:, :, :, 0])\n"
    "        for i in range(self.rounds):\n"
    "            coupling = keras.ops.softmax(logits, axis=1)\n"
    "            outputs = K.batch_dot(coupling, inputs_hat, [2, 2])\n"
    "            if i < self.rounds - 1:\n"
    "                logits = logits + K.batch_dot(outputs, inputs_hat, [2, 3])\n"
    "        return outputs\n"
    "    def compute_output_shape(self, input_shape):\n"
    "        return (input_shape[0], self.n_caps, self.dim)\n"
)
MODEL = (
    "x = keras.Input((12, 8))\n"
    "caps = Routing(3, 4)(x)\n"
    "model = keras.Model(x, layers.Dense(1)(layers.Flatten()(caps)))\n"
    "model.compile('adam', 'mse')\n"
    "model.fit(np.random.rand(8, 12, 8), np.random.rand(8, 1), epochs=1, verbose=0)\n"
    "print('capsules', caps.shape)"
)


@pytest.mark.envs("tf221-k3", "colab")
def test_migrate_writes_keras_2_2s_batch_dot_into_the_cell_defining_the_layer(tmp_path: Path) -> None:  # fmt: skip
    finals, shown = migrated_cells(tmp_path, "capsules.ipynb", [IMPORTS, CAPSULES, MODEL])
    assert "def _keras2_batch_dot(x, y, axes=None):" in finals[1]
    assert "outputs = _keras2_batch_dot(coupling, inputs_hat, [2, 2])" in finals[1]
    assert "logits + _keras2_batch_dot(outputs, inputs_hat, [2, 3])" in finals[1]
    assert finals[2] == MODEL and "capsules (None, 3, 4)" in shown, shown


@pytest.mark.envs("tf221-k3", "colab")
def test_check_defines_the_layer_again_after_keras_2_2s_batch_dot(kernel: Kernel) -> None:
    """The layer was defined a cell before: the corrected cell holds the written-in function and
    the layer again, then the failing cell."""
    tf_spelling = CAPSULES.replace("K.batch_dot", "tf.keras.backend.batch_dot").replace("K.", "keras.ops.")  # fmt: skip
    printed(kernel.run("%load_ext kerasmagic"))
    for cell in (IMPORTS + "import tensorflow as tf\n", tf_spelling):
        printed(kernel.run(cell))
    fixed = fixed_source(kernel.run("%%keras_check\n" + MODEL))
    assert fixed is not None and "def _keras2_batch_dot(x, y, axes=None):" in fixed
    assert "\nclass Routing(layers.Layer):" in fixed and fixed.endswith(MODEL), fixed
    assert "capsules (None, 3, 4)" in printed(kernel.run(fixed))


@keras3
@has_tf
def test_a_batch_dot_of_equal_ranks_that_fails_is_not_rewritten():
    cell = "import numpy as np\nimport tensorflow as tf\na, b = np.ones((2, 3, 4)), np.ones((2, 5, 6))\nprint(tf.keras.backend.batch_dot(a, b, [2, 2]))"  # fmt: skip
    namespace: dict = {}
    with pytest.raises(ValueError) as raised:
        exec(compile(cell, "<cell>", "exec"), namespace)
    assert "batch_dot" in str(raised.value)
    assert ENTRY not in [s.id for s in diagnose(cell, raised.value, namespace=namespace).suggestions]  # fmt: skip
