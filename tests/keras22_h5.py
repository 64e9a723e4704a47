"""A ``Sequential`` Keras 3 saved to ``.h5``, made what standalone Keras 2.2 wrote: no
``InputLayer`` (its batch shape recorded on the first layer as ``batch_input_shape``), no Keras 3
entries in the layers' configs, Keras 2.2.4 as the writer. The Keras 2 ``.h5`` tests make their
files with it, in the subprocess that saved the model (``MAKE`` scripts)."""

from __future__ import annotations

import json


def as_keras22(path: str) -> None:
    import h5py

    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        layers = config["config"]["layers"]
        shape = layers.pop(0)["config"]["batch_shape"]
        for layer in layers:
            for key in ("module", "registered_name", "build_config"):
                layer.pop(key, None)
        layers[0]["config"]["batch_input_shape"] = shape
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = "2.2.4"
