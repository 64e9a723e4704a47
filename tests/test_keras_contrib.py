"""keras-contrib, Keras 2 only (rules/error_keras_contrib.py): where all a notebook takes from it is
``InstanceNormalization``, the layer is written in (knowledge/written_in/keras_contrib.py),
computing what keras-contrib's did, and the import binds its name to it; anything else (its
``CRF``) keeps the import and the package's end is explained."""

from __future__ import annotations

import types

import pytest
from cell_helpers import keras3

from kerasmagic.diagnosis.engine import diagnose
from kerasmagic.knowledge.catalogue import find_entry
from kerasmagic.knowledge.written_in import written_in

ENTRY = "keras-contrib-written-in"


def _written() -> types.SimpleNamespace:
    namespace: dict = {}
    exec(compile(written_in("keras_contrib"), "<written-in>", "exec"), namespace)
    return namespace["_contrib"]


@keras3
def test_the_catalogue_lists_exactly_the_parts_written_in():
    contrib = _written()
    written = {f"{space}.{name}" for space, value in vars(contrib).items() for name in vars(value)}  # fmt: skip
    assert written == set(find_entry(ENTRY).data["written"])


@keras3
@pytest.mark.parametrize("axis", [None, -1])
def test_instance_normalization_computes_keras_contribs_formula(axis):
    import numpy as np

    rng = np.random.default_rng(1)
    x = rng.normal(2.0, 3.0, (2, 5, 4, 3)).astype("float32")
    layer = _written().layers.InstanceNormalization(axis=axis, epsilon=0.01)
    layer.build(x.shape)
    gamma = rng.random(layer.gamma.shape).astype("float32") + 0.5
    beta = rng.random(layer.beta.shape).astype("float32")
    layer.set_weights([gamma, beta])
    axes = (1, 2, 3) if axis is None else (1, 2)
    shape = (1, 1, 1, 1) if axis is None else (1, 1, 1, 3)
    expected = (x - x.mean(axes, keepdims=True)) / (x.std(axes, keepdims=True) + 0.01)
    expected = expected * gamma.reshape(shape) + beta.reshape(shape)
    assert layer.gamma.shape == ((1,) if axis is None else (3,))
    assert np.allclose(np.asarray(layer(x)), expected, atol=1e-4)


# a CycleGAN generator's down-sampling block, as Keras-GAN-style scripts wrote it
CELL = (
    "import numpy as np\n"
    "from keras.layers import Input, Conv2D, LeakyReLU\n"
    "from keras.models import Model\n"
    "from keras_contrib.layers.normalization.instancenormalization import InstanceNormalization\n"
    "def conv2d(layer_input, filters, f_size=4):\n"
    "    d = Conv2D(filters, kernel_size=f_size, strides=2, padding='same')(layer_input)\n"
    "    d = LeakyReLU(0.2)(d)\n"
    "    return InstanceNormalization()(d)\n"
    "img = Input(shape=(16, 16, 3))\n"
    "g = Model(img, conv2d(conv2d(img, 8), 16))\n"
    "print('out', g.predict(np.zeros((1, 16, 16, 3)), verbose=0).shape)"
)


@keras3
def test_keras_check_writes_in_instance_normalization_and_the_cell_runs():
    namespace: dict = {}
    with pytest.raises(ModuleNotFoundError) as raised:
        exec(compile(CELL, "<cell>", "exec"), namespace)
    result = diagnose(CELL, raised.value, namespace=namespace)
    assert ENTRY in [s.id for s in result.suggestions]
    fixed = result.fixed_source
    assert "\nInstanceNormalization = _contrib.layers.InstanceNormalization\n" in fixed
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["g"].output_shape == (None, 4, 4, 16)


@keras3
def test_a_part_keras_3_has_no_counterpart_for_keeps_the_import_and_is_explained():
    cell = "from keras_contrib.layers import CRF\nfrom keras_contrib.losses import crf_loss\nprint(CRF)"
    with pytest.raises(ModuleNotFoundError) as raised:
        exec(compile(cell, "<cell>", "exec"), {})
    result = diagnose(cell, raised.value, namespace={})
    found = {s.id: s for s in result.suggestions}  # beside what an environment's own findings say
    assert ENTRY not in found and "`layers.CRF`" in found["keras-contrib-ended"].cause
    assert result.fixed_source is None or "keras_contrib" in result.fixed_source
