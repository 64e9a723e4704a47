"""``load_model`` of an ``.h5`` file Keras 2.0/2.1 saved, whose Sequential config is the bare list
of its layers (rules/error_h5_layer_list.py): the corrected cell builds the model from the file's
config on Keras's legacy path, loads its weights and compiles it as the file records; the model
predicts what the saved one did and trains."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

import kerasmagic

if TYPE_CHECKING:  # NumPy is imported where the test runs: the bare environment has none
    import numpy as np

pytestmark = pytest.mark.envs("tf221-k3", "colab")

LAYERS = [
    {
        "class_name": "Dense",
        "config": {
            "name": "dense_1",
            "units": 4,
            "activation": "relu",
            "use_bias": True,
            "batch_input_shape": [None, 3],
            "dtype": "float32",
            "trainable": True,
        },
    },
    {
        "class_name": "Dense",
        "config": {"name": "dense_2", "units": 2, "activation": "softmax", "trainable": True},
    },
]
TRAINING = {
    "optimizer_config": {
        "class_name": "SGD",
        "config": {"lr": 0.05, "momentum": 0.9, "decay": 0.0, "nesterov": True},
    },
    "loss": "categorical_crossentropy",
    "metrics": ["accuracy"],
    "sample_weight_mode": None,
    "loss_weights": None,
}


def _keras21_file(path) -> np.ndarray:
    """A whole-model ``.h5`` as Keras 2.1 wrote it: Keras 3 writes the weights, then the root
    attributes are made those of Keras 2.1 (the list config, its training config). Returns what
    the saved model predicts for ones."""
    import h5py
    import keras
    import numpy as np

    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation="relu", name="dense_1"),
            keras.layers.Dense(2, activation="softmax", name="dense_2"),
        ]
    )
    model.save(str(path))
    with h5py.File(str(path), "r+") as handle:
        handle.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": LAYERS})
        handle.attrs["training_config"] = json.dumps(TRAINING)
        handle.attrs["keras_version"] = "2.1.3"
        handle.attrs["backend"] = "tensorflow"
    return model.predict(np.ones((1, 3)), verbose=0)


def test_a_keras21_sequential_is_built_loaded_and_compiled_as_the_file_says(tmp_path) -> None:
    import numpy as np

    saved = tmp_path / "net.h5"
    expected = _keras21_file(saved)
    source = (
        "import numpy as np\n"
        "from keras.models import load_model\n"
        f"net = load_model({str(saved)!r})\n"
        "out = net.predict(np.ones((1, 3)), verbose=0)\n"
        "net.fit(np.ones((4, 3)), np.eye(2)[[0, 1, 0, 1]], epochs=1, verbose=0)\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "TypeError"
    assert [f.id for f in result.suggestions][:1] == ["keras20-h5-layer-list"]
    fixed = result.fixed_source
    assert "keras.legacy.saving.deserialize_keras_object(json.loads(h5py.File(" in fixed
    assert f"net.load_weights({str(saved)!r}); net.compile(optimizer=keras.optimizers.SGD(" in fixed
    assert "keras2-h5-optimizer-reset" not in [t.id for t in result.traps]
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    np.testing.assert_allclose(namespace["out"], expected, rtol=1e-6)
    assert namespace["net"].optimizer.__class__.__name__ == "SGD"
    assert float(namespace["net"].optimizer.learning_rate) == pytest.approx(0.05)


def test_a_file_keras_22_wrote_is_left_to_load_model(tmp_path) -> None:
    """The dict form (Keras 2.2+) is not this problem: no rewrite of the load."""
    saved = tmp_path / "net.h5"
    _keras21_file(saved)
    import h5py

    with h5py.File(str(saved), "r+") as handle:
        handle.attrs["model_config"] = json.dumps(
            {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": LAYERS}}
        )
    source = f"from keras.models import load_model\nnet = load_model({str(saved)!r})\n"
    result = kerasmagic.check(source)
    assert "keras20-h5-layer-list" not in [f.id for f in result.suggestions]
