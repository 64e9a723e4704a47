"""Keras 2.2's model fed by a dataset's tensors (``Input(tensor=x)`` of an iterator's batch,
``compile(target_tensors=…)``, ``fit`` given no data): Keras 3 is given the dataset itself
(rules/error_tensor_fed_model.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

KERAS3 = ("tf221-k3", "colab")

CELLS = [
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras",
    "features = np.random.rand(40, 5).astype('float32')\n"
    "labels = keras.utils.to_categorical(np.random.randint(0, 2, 40), 2)\n"
    "train = tf.data.Dataset.from_tensor_slices((features, labels)).repeat().batch(8)\n"
    "it = tf.compat.v1.data.make_one_shot_iterator(train)\n"
    "x_batch, y_batch = it.get_next()",
    "inp = keras.layers.Input(tensor=x_batch)\n"
    "hidden = keras.layers.Dense(4, activation='relu')(inp)\n"
    "net = keras.models.Model(inp, keras.layers.Dense(2, activation='softmax')(hidden))",
    "net.compile(loss='categorical_crossentropy', optimizer='sgd',\n"
    "            target_tensors=y_batch)",
    "net.fit(epochs=1, steps_per_epoch=3, verbose=0)\n"
    "print('steps', int(net.optimizer.iterations.numpy()))",
]


@pytest.mark.envs(*KERAS3)
def test_migrate_feeds_the_dataset_where_cells_wired_its_tensors(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "wired.ipynb", CELLS)
    assert "keras.layers.Input(shape=x_batch.shape[1:], dtype=x_batch.dtype)" in finals[2]
    assert finals[3] == "net.compile(loss='categorical_crossentropy', optimizer='sgd')", finals[3]
    assert finals[4].startswith("net.fit(train, epochs=1, steps_per_epoch=3, verbose=0)")
    assert "steps 3" in shown


@pytest.mark.envs(*KERAS3)
def test_one_cell_with_a_batch_pulled_by_next_is_corrected_whole() -> None:
    import kerasmagic

    source = (
        "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"
        "pairs = tf.data.Dataset.from_tensor_slices(\n"
        "    (np.ones((12, 3), 'float32'), np.zeros((12, 1), 'float32'))).batch(4)\n"
        "xs, ys = next(iter(pairs))\n"
        "entry = keras.Input(tensor=xs, name='entry')\n"
        "model = keras.Model(entry, keras.layers.Dense(1)(entry))\n"
        "model.compile('adam', 'mse', target_tensors=[ys])\n"
        "model.fit(epochs=1, steps_per_epoch=2, verbose=0)\n"
        "score = model.evaluate(steps=3, verbose=0)\n"
    )
    result = kerasmagic.check(source)
    assert [s.id for s in result.suggestions] == ["keras2-tensor-fed-model"]
    fixed = result.fixed_source or ""
    assert "keras.Input(shape=xs.shape[1:], dtype=xs.dtype, name='entry')" in fixed
    assert "model.compile('adam', 'mse')" in fixed
    assert "model.fit(pairs, epochs=1, steps_per_epoch=2, verbose=0)" in fixed
    assert "model.evaluate(pairs, steps=3, verbose=0)" in fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["model"].input.shape == (None, 3)
    assert isinstance(namespace["score"], float)


KERAS22_SCRIPT = [
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"
    "images = np.random.rand(24, 4, 4, 1).astype('float32')\n"
    "onehot = keras.utils.to_categorical(np.random.randint(0, 3, 24), 3)\n"
    "dataset = tf.data.Dataset.from_tensor_slices((images, onehot)).repeat().batch(6)\n"
    "print('shapes', dataset.output_shapes)\n"
    "iterator = dataset.make_one_shot_iterator()\n"
    "inputs, targets = iterator.get_next()\n"
    "model_input = keras.layers.Input(tensor=inputs)\n"
    "flat = keras.layers.Flatten()(model_input)\n"
    "model = keras.models.Model(inputs=model_input,\n"
    "                           outputs=keras.layers.Dense(3, activation='softmax')(flat))\n"
    "model.compile(optimizer='rmsprop', loss='categorical_crossentropy',\n"
    "              metrics=['accuracy'], target_tensors=[targets])\n"
    "model.fit(epochs=2, steps_per_epoch=2, verbose=0)\n"
    "print('trained', int(model.optimizer.iterations.numpy()))",
]


@pytest.mark.envs(*KERAS3)
def test_a_keras_2_2_pipeline_script_runs_on_its_dataset(tmp_path: Path) -> None:
    """TensorFlow 1's dataset methods (``make_one_shot_iterator()``, ``output_shapes``) become
    ``tf.compat.v1.data``'s functions, and the model wired to the iterator is fed the dataset."""
    finals, shown = migrated_cells(tmp_path, "pipeline.ipynb", KERAS22_SCRIPT)
    cell = finals[0]
    assert "print('shapes', tf.compat.v1.data.get_output_shapes(dataset))" in cell
    assert "iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)" in cell
    assert "keras.layers.Input(shape=inputs.shape[1:], dtype=inputs.dtype)" in cell
    assert "target_tensors" not in cell
    assert "model.fit(dataset, epochs=2, steps_per_epoch=2, verbose=0)" in cell
    assert "trained 4" in shown
