"""``tf.keras.layers.DenseFeatures``, gone in Keras 3 (rules/error_dense_features.py): the layer
written into the cell over TensorFlow's own feature columns (knowledge/written_in/dense_features.py)
computes what tf.keras 2's did, trains its embedding tables, and ``migrate`` and ``%%keras_check``
bring a feature-column notebook to running, the layer defined once."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from cell_helpers import keras3
from environments import TF_KERAS_IS, here
from migrate_helpers import migrated_cells

from kerasmagic.diagnosis.engine import diagnose
from kerasmagic.knowledge.written_in import written_in

needs_tf = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="TensorFlow")
tf_keras3 = pytest.mark.skipif(here(TF_KERAS_IS) != "keras3", reason="tf.keras is Keras 3")

COLUMNS = (
    "import numpy as np\nimport tensorflow as tf\n"
    "fc = tf.feature_column\n"
    "rng = np.random.RandomState(3)\n"
    "features = {'height': rng.rand(40).astype('float32') * 2, 'size': rng.randint(0, 9, 40).astype('int64'),\n"
    "            'colour': rng.choice(['red', 'green', 'blue'], 40), 'shop': rng.choice(['n', 'e', 's', 'w', 'x'], 40)}\n"
    "target = rng.randint(0, 2, 40)\n"
    "batches = tf.data.Dataset.from_tensor_slices((features, target)).batch(8)\n"
    "size = fc.numeric_column('size')\n"
    "size_bins = fc.bucketized_column(size, boundaries=[2, 5])\n"
    "colour = fc.categorical_column_with_vocabulary_list('colour', ['red', 'green', 'blue'])\n"
    "shop = fc.categorical_column_with_hash_bucket('shop', 7)\n"
    "columns = [fc.numeric_column('height'), size_bins, fc.indicator_column(colour),\n"
    "           fc.embedding_column(shop, dimension=2), fc.indicator_column(fc.crossed_column([size_bins, colour], 11))]\n"
)


def _written_layer(namespace: dict) -> type:
    exec(compile(written_in("dense_features"), "<written-in>", "exec"), namespace)
    return namespace["DenseFeatures"]


@keras3
@needs_tf
@pytest.mark.skipif(importlib.util.find_spec("tf_keras") is None, reason="tf_keras to compare with")
def test_the_written_in_layer_computes_what_tf_keras_2s_dense_features_computes():
    import tf_keras

    namespace: dict = {}
    exec(compile(COLUMNS, "<columns>", "exec"), namespace)
    ours = _written_layer(namespace)(namespace["columns"])
    theirs = tf_keras.layers.DenseFeatures(namespace["columns"])
    expected = theirs(namespace["features"]).numpy()  # builds tf_keras's tables
    (table,) = [w for w in theirs.weights if "embedding_weights" in w.name]
    (own_table,) = ours.weights
    own_table.assign(table.numpy())  # the same random start, then the same function
    got = ours(namespace["features"]).numpy()
    assert got.shape == expected.shape == (40, 1 + 3 + 3 + 2 + 11)
    assert (abs(got - expected) < 1e-6).all()


@keras3
@needs_tf
def test_its_embedding_table_is_a_weight_the_model_trains():
    import keras

    namespace: dict = {}
    exec(compile(COLUMNS, "<columns>", "exec"), namespace)
    layer = _written_layer(namespace)(namespace["columns"])
    model = keras.Sequential([layer, keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.SGD(0.5), "binary_crossentropy")
    model(namespace["features"])
    before = layer.weights[0].numpy().copy()
    model.fit(namespace["batches"], epochs=2, verbose=0)
    assert len(model.trainable_weights) == 3  # the table, the Dense layer's kernel and bias
    assert abs(layer.weights[0].numpy() - before).max() > 1e-4


FEATURE_MODEL = (
    "from tensorflow.keras.layers import Dense, DenseFeatures as FeatureLayer\n"
    "inputs = {'height': tf.keras.Input((1,), name='height'), 'size': tf.keras.Input((1,), name='size', dtype='int64'),\n"
    "          'colour': tf.keras.Input((1,), name='colour', dtype='string'), 'shop': tf.keras.Input((1,), name='shop', dtype='string')}\n"
    "hidden = Dense(4, activation='relu')(FeatureLayer(columns)(inputs))\n"
    "net = tf.keras.Model(inputs, Dense(1, activation='sigmoid')(hidden))\n"
    "net.compile('adam', 'binary_crossentropy')\n"
    "net.fit(batches.map(lambda x, y: ({k: tf.reshape(v, (-1, 1)) for k, v in x.items()}, y)), epochs=1, verbose=0)"
)


@tf_keras3
def test_keras_check_defines_the_layer_for_a_name_imported_under_another_name():
    if importlib.util.find_spec("tf_keras") is not None:  # (Colab) imported, its DenseFeatures is
        import tf_keras  # noqa: F401  # no home for a Keras 3 model's layer (keras_paths.removed_home)
    namespace: dict = {}
    exec(compile(COLUMNS, "<columns>", "exec"), namespace)
    with pytest.raises(ImportError, match="DenseFeatures") as raised:
        exec(compile(FEATURE_MODEL, "<cell>", "exec"), namespace)
    result = diagnose(FEATURE_MODEL, raised.value, namespace=namespace, earlier=(COLUMNS,))
    assert "dense-features-written-in" in [s.id for s in result.suggestions]
    fixed = result.fixed_source
    assert fixed.count("class DenseFeatures(") == 1, fixed
    assert "from tensorflow.keras.layers import Dense\nFeatureLayer = DenseFeatures\n" in fixed
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["net"]({k: v.reshape(-1, 1) for k, v in namespace["features"].items()}).shape == (40, 1)  # fmt: skip


SEQUENTIAL = (
    "model = tf.keras.Sequential([tf.keras.layers.DenseFeatures(columns), tf.keras.layers.Dense(1, activation='sigmoid')])\n"
    "model.compile('adam', 'binary_crossentropy')\n"
    "model.fit(batches, epochs=1, verbose=0)"
)
AGAIN = (
    "wider = tf.keras.Sequential([tf.keras.layers.DenseFeatures(columns[:3]), tf.keras.layers.Dense(1, activation='sigmoid')])\n"
    "wider.compile('adam', 'binary_crossentropy')\n"
    "print('trained', wider.fit(batches, epochs=1, verbose=0).history['loss'][0] > 0)"
)


@pytest.mark.envs("tf221-k3", "colab")
def test_migrate_writes_the_layer_in_once_and_the_notebook_runs(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "columns.ipynb", [COLUMNS, SEQUENTIAL, AGAIN])
    assert finals[1].count("class DenseFeatures(") == 1, finals[1]
    assert "model = tf.keras.Sequential([DenseFeatures(columns)," in finals[1]
    assert "class DenseFeatures(" not in finals[2] and "[DenseFeatures(columns[:3])," in finals[2]
    assert "trained True" in shown, shown
