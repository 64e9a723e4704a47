"""TensorFlow Addons, ended (rules/error_tensorflow_addons.py): where every Addons name a notebook
uses has a Keras 3 counterpart, the parts are written in over Keras's own
(knowledge/written_in/tensorflow_addons.py), computing what Addons' did, and the import binds its
name to them; a notebook using anything else keeps the explanation."""

from __future__ import annotations

import types
from pathlib import Path

import pytest
from cell_helpers import keras3
from migrate_helpers import migrate_notebook, migrated_cells

from kerasmagic.diagnosis.engine import diagnose
from kerasmagic.knowledge.catalogue import find_entry
from kerasmagic.knowledge.written_in import written_in


def _written() -> types.SimpleNamespace:
    namespace: dict = {}
    exec(compile(written_in("tensorflow_addons"), "<written-in>", "exec"), namespace)
    return namespace["_addons"]


def _paths(space: types.SimpleNamespace, prefix: str = "") -> set[str]:
    paths = set()
    for name, value in vars(space).items():
        inner = isinstance(value, types.SimpleNamespace)
        paths |= _paths(value, prefix + name + ".") if inner else {prefix + name}
    return paths


@keras3
def test_the_catalogue_lists_exactly_the_parts_written_in():
    assert _paths(_written()) == set(find_entry("tensorflow-addons-written-in").data["written"])


@keras3
@pytest.mark.parametrize("decay", [0.1, lambda: 0.1])
def test_adamw_decays_by_weight_decay_not_scaled_by_the_learning_rate_as_addons_did(decay):
    import keras
    import numpy as np

    start = np.array([1.0, -2.0], dtype="float32")
    stepped = []
    for optimizer in (_written().optimizers.AdamW(decay, learning_rate=0.5), keras.optimizers.AdamW(learning_rate=0.5, weight_decay=0.1)):  # fmt: skip
        variable = keras.Variable(start)
        optimizer.apply_gradients([(keras.ops.zeros(2), variable)])  # no gradient: decay alone
        stepped.append(keras.ops.convert_to_numpy(variable))
    assert np.allclose(stepped[0], start * (1 - 0.1))  # Addons: var -= weight_decay * var
    assert np.allclose(stepped[1], start * (1 - 0.1 * 0.5))  # Keras's own: scaled by the rate


@keras3
def test_gelu_is_addons_tanh_approximation_by_default():
    import keras
    import numpy as np

    x = np.linspace(-3, 3, 7).astype("float32")
    gelu = _written().activations.gelu
    approximate = keras.ops.convert_to_numpy(keras.activations.gelu(x, approximate=True))
    exact = keras.ops.convert_to_numpy(keras.activations.gelu(x, approximate=False))
    assert np.allclose(keras.ops.convert_to_numpy(gelu(x)), approximate)
    assert not np.allclose(approximate, exact)


IMPORTS = "import numpy as np\nimport keras\nimport tensorflow_addons as tfa\n"
MODEL = (
    "net = keras.Sequential([keras.Input((6, 6, 4)), tfa.layers.InstanceNormalization(),\n"
    "                        keras.layers.Flatten(), keras.layers.Dense(3, activation=tfa.activations.mish)])\n"
    "net.compile(optimizer=tfa.optimizers.AdamW(weight_decay=1e-4, learning_rate=1e-3), loss='mse',\n"
    "            metrics=[tfa.metrics.F1Score(num_classes=3, average='macro')])\n"
    "net.fit(np.random.rand(16, 6, 6, 4), np.eye(3)[np.random.randint(0, 3, 16)], epochs=1, verbose=0)"
)


@keras3
def test_keras_check_binds_the_import_to_the_written_in_parts_and_the_cell_runs():
    cell = IMPORTS + MODEL
    namespace: dict = {}
    with pytest.raises(ModuleNotFoundError) as raised:
        exec(compile(cell, "<cell>", "exec"), namespace)
    result = diagnose(cell, raised.value, namespace=namespace)
    assert "tensorflow-addons-written-in" in [s.id for s in result.suggestions]
    fixed = result.fixed_source
    assert (
        "import tensorflow_addons" not in fixed
        and "\ntfa = _addons\nnet = keras.Sequential" in fixed
    )
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["net"].optimizer.__class__.__name__ == "_AddonsAdamW"


TRAIN = "def train(model):\n    model.compile(tfa.optimizers.AdamW(1e-4), 'mse')\n    return model.fit(np.random.rand(8, 4), np.random.rand(8), epochs=1, verbose=0)"
CALL = "model = keras.Sequential([keras.Input((4,)), tfa.layers.GroupNormalization(groups=2), keras.layers.Dense(1)])\nprint('loss', len(train(model).history['loss']))"  # fmt: skip


@pytest.mark.envs("tf221-k3", "colab")
def test_migrate_binds_the_import_for_the_cells_after_it(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "addons.ipynb", [IMPORTS, TRAIN, CALL])
    assert finals[0].startswith("import numpy as np\nimport keras\n# TensorFlow Addons ended")
    assert finals[0].endswith("\ntfa = _addons\n") and finals[1:] == [TRAIN, CALL]
    assert "loss 1" in shown, shown


@pytest.mark.envs("tf221-k3", "colab")
def test_a_notebook_using_an_addons_part_keras_lacks_keeps_its_import(tmp_path: Path) -> None:
    cells = [
        IMPORTS,
        "import tensorflow as tf\nprint(tfa.image.rotate(tf.zeros((1, 4, 4, 1)), 0.5).shape)",
    ]
    _, doc = migrate_notebook(tmp_path, "rotate.ipynb", cells)
    assert doc["status"] == "stopped" and doc["cells"][0]["final"] == IMPORTS
    assert "tensorflow-addons-ended" in str(doc["cells"][0]), doc["cells"][0]
