"""Keras 2's ``keras.utils.conv_utils`` and ``K.normalize_data_format``, gone in Keras 3
(rules/error_conv_utils.py): the helpers a custom layer uses are written in as Keras 2 computed
them (knowledge/written_in/conv_utils.py), or imported from Keras 2.13-2.15's private module, and
the names the code imported are bound to them."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import pytest
from cell_helpers import keras3
from migrate_helpers import migrated_cells

from kerasmagic.diagnosis.engine import diagnose
from kerasmagic.knowledge.catalogue import find_entry
from kerasmagic.knowledge.written_in import written_in

ENTRY = "keras2-conv-utils-written-in"
has_keras = pytest.mark.skipif(importlib.util.find_spec("keras") is None, reason="needs keras")


def _written() -> object:
    namespace: dict = {}
    exec(compile(written_in("conv_utils"), "<written-in>", "exec"), namespace)
    return namespace["_conv_utils"]


@has_keras
def test_the_catalogue_lists_exactly_the_helpers_written_in():
    assert set(vars(_written())) == set(find_entry(ENTRY).data["written"])


@has_keras
def test_the_written_in_helpers_compute_what_tf_keras_2s_did():
    """Against the copy of tf.keras 2's module TensorFlow still ships (private, frozen)."""
    import numpy as np

    old = pytest.importorskip("tensorflow.python.keras.utils.conv_utils")
    new = _written()
    paddings = ("same", "valid", "full")
    for length, size, stride, dilation in itertools.product((None, 1, 7, 28), (1, 3, 5), (1, 2, 3), (1, 2)):  # fmt: skip
        for padding in (*paddings, "causal"):
            args = (length, size, padding, stride, dilation)
            assert new.conv_output_length(*args) == old.conv_output_length(*args), args
        for padding, output_padding in itertools.product(paddings, (None, 0, 1)):
            args = (length, size, padding, output_padding, stride, dilation)
            assert new.deconv_output_length(*args) == old.deconv_output_length(*args), args
        for padding in paddings:
            args = (length, size, padding, stride)
            assert new.conv_input_length(*args) == old.conv_input_length(*args), args
    for value in (3, (2, 3), [1, 4]):
        assert new.normalize_tuple(value, 2, "size") == old.normalize_tuple(value, 2, "size")
    for padding in ("Same", "VALID", "causal", (1, 2)):
        assert new.normalize_padding(padding) == old.normalize_padding(padding)
    for bad in (lambda m: m.normalize_padding("wide"), lambda m: m.normalize_tuple((1, 2, 3), 2, "size")):  # fmt: skip
        for module in (new, old):
            with pytest.raises(ValueError):
                bad(module)
    assert new.normalize_data_format("Channels_First") == "channels_first"
    assert new.normalize_data_format(None) == "channels_last"  # Keras's default format
    kernel = np.random.rand(3, 2, 4, 5)
    assert np.array_equal(new.convert_kernel(kernel), kernel[::-1, ::-1])  # spatial axes flipped


# a Keras 2 custom layer: bilinear up-sampling with its output length from conv_utils
LAYER = (
    "class Upsample(layers.Layer):\n"
    "    def __init__(self, size=2, data_format=None, **kwargs):\n"
    "        super().__init__(**kwargs)\n"
    "        self.data_format = K.normalize_data_format(data_format)\n"
    "        self.size = cu.normalize_tuple(size, 2, 'size')\n"
    "    def call(self, x):\n"
    "        rows, cols = self.compute_output_shape(x.shape)[1:3]\n"
    "        return keras.ops.image.resize(x, (rows, cols))\n"
    "    def compute_output_shape(self, s):\n"
    "        grow = [cu.deconv_output_length(n, k, 'same', stride=k) for n, k in zip(s[1:3], self.size)]\n"
    "        return (s[0], *grow, s[3])\n"
)
MODEL = "model = keras.Sequential([keras.Input((5, 6, 3)), Upsample(size=(2, 3))])\nprint('shape', model.output_shape)"  # fmt: skip


@keras3
def test_keras_check_binds_the_module_and_the_backend_read_to_the_written_in_helpers():
    cell = "import keras\nfrom keras import layers, backend as K\nimport keras.utils.conv_utils as cu\n\n" + LAYER + MODEL  # fmt: skip
    namespace: dict = {}
    with pytest.raises(ModuleNotFoundError) as raised:
        exec(compile(cell, "<cell>", "exec"), namespace)
    result = diagnose(cell, raised.value, namespace=namespace)
    assert ENTRY in [s.id for s in result.suggestions]
    fixed = result.fixed_source
    assert "\ncu = _conv_utils\n" in fixed and "_conv_utils.normalize_data_format(data_format)" in fixed  # fmt: skip
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["model"].output_shape == (None, 10, 18, 3)


@pytest.mark.envs("tf221-k3", "colab")
def test_migrate_binds_names_imported_cells_before_the_layer_uses_them(tmp_path: Path) -> None:
    imports = "import keras\nfrom keras import layers\nfrom keras import backend as K\nfrom keras.utils.conv_utils import normalize_tuple, deconv_output_length\n"  # fmt: skip
    layer = LAYER.replace("cu.", "").replace("K.normalize_data_format(data_format)", "data_format or 'channels_last'")  # fmt: skip
    finals, shown = migrated_cells(tmp_path, "upsample.ipynb", [imports, layer, MODEL])
    assert "\nnormalize_tuple = _conv_utils.normalize_tuple\ndeconv_output_length = _conv_utils.deconv_output_length\n" in finals[0]  # fmt: skip
    assert finals[1:] == [layer, MODEL]
    assert "shape (None, 10, 18, 3)" in shown, shown


@keras3
def test_a_helper_keras_2_never_had_is_not_written_in():
    cell = "from keras.utils import conv_utils\nprint(conv_utils.same_padding_for(3))"
    with pytest.raises(ImportError) as raised:
        exec(compile(cell, "<cell>", "exec"), {})
    assert ENTRY not in [s.id for s in diagnose(cell, raised.value, namespace={}).suggestions]


@pytest.mark.envs("tf215-k2")
def test_keras_2_15_imports_its_own_private_module():
    cell = "from keras.utils import conv_utils, to_categorical\nprint(conv_utils.normalize_padding('Same'))"  # fmt: skip
    with pytest.raises(ImportError) as raised:
        exec(compile(cell, "<cell>", "exec"), {})
    fixed = diagnose(cell, raised.value, namespace={}).fixed_source
    assert fixed.startswith("from keras.src.utils import conv_utils as _conv_utils\nfrom keras.utils import to_categorical\nconv_utils = _conv_utils\n")  # fmt: skip
    exec(compile(fixed, "<fixed>", "exec"), {})
