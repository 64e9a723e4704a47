"""TensorFlow 2.4's ``adapt`` of preprocessing layers, read otherwise by Keras 3
(rules/error_preprocessing_adapt.py): a ``Normalization`` adapted on batches of one feature
``(batch,)`` gets each element's feature axis (the same mean and variance TF 2.4 learned), and the
``adapt`` of a ``CategoryEncoding`` that has its ``num_tokens`` goes (it learned nothing that
layer uses)."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import TF_KERAS_IS, here
from migrate_helpers import migrated_cells

from kerasmagic.diagnosis.engine import diagnose

tf_keras3 = pytest.mark.skipif(here(TF_KERAS_IS) != "keras3", reason="tf.keras is Keras 3")

DATA = (
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"
    "prices = np.linspace(10.0, 50.0, 24).astype('float32')\nrooms = np.arange(24) % 4\n"
    "homes = tf.data.Dataset.from_tensor_slices(({'price': prices, 'rooms': rooms}, prices > 30)).batch(6)\n"
)
NORMALISED = (
    "price_norm = keras.layers.Normalization()\n"
    "price_norm.adapt(homes.map(lambda feats, label: feats['price']))\n"
    "price_in = keras.Input(shape=(1,), name='price')\n"
    "scaled = price_norm(price_in)"
)


@tf_keras3
def test_normalization_adapted_on_scalar_batches_learns_one_feature_as_tf_2_4_did():
    namespace: dict = {}
    exec(compile(DATA, "<data>", "exec"), namespace)
    with pytest.raises(ValueError, match="must have a known shape") as raised:
        exec(compile(NORMALISED, "<cell>", "exec"), namespace)
    result = diagnose(NORMALISED, raised.value, namespace=namespace, earlier=(DATA,))
    assert "keras3-adapt-scalar-batches" in [s.id for s in result.suggestions]
    assert "price_norm.adapt(homes.map(lambda feats, label: feats['price']).map(lambda x: tf.expand_dims(x, -1)))" in result.fixed_source  # fmt: skip
    exec(compile(result.fixed_source, "<fixed>", "exec"), namespace)
    layer, prices = namespace["price_norm"], namespace["prices"]
    assert tuple(layer.mean.shape) == (1, 1)
    assert abs(float(layer.mean[0, 0]) - prices.mean()) < 1e-4
    assert abs(float(layer.variance[0, 0]) - prices.var()) < 1e-2


HELPERS = (
    "def rooms_encoder(dataset):\n"
    "    lookup = keras.layers.IntegerLookup()\n"
    "    column = dataset.map(lambda feats, label: feats['rooms'])\n"
    "    lookup.adapt(column)\n"
    "    one_hot = keras.layers.CategoryEncoding(num_tokens=lookup.vocabulary_size(), output_mode='one_hot')\n"
    "    one_hot.adapt(column.map(lookup))\n"
    "    return lambda feature: one_hot(lookup(feature))"
)
USE = (
    "encode = rooms_encoder(homes)\n"
    "codes = encode(tf.constant([0, 3, 9]))\n"
    "print('codes', codes.shape, [int(i) for i in tf.argmax(codes, axis=-1)])"
)


@pytest.mark.envs("tf221-k3", "colab")
def test_migrate_drops_the_adapt_a_category_encoding_with_its_tokens_has_no_use_for(tmp_path: Path) -> None:  # fmt: skip
    finals, shown = migrated_cells(tmp_path, "rooms.ipynb", [DATA, HELPERS, USE])
    assert "one_hot.adapt(" not in finals[1] and "lookup.adapt(column)" in finals[1]
    assert finals[2] == USE
    assert "codes (3, 5) [" in shown and ", 0]" in shown, shown  # the unknown 9 at index 0
