"""A Keras module bound in an earlier cell (``from tensorflow import keras``, the layout of most
TensorFlow tutorials) counts as the cell's own import where a fix spells a Keras path: the
SavedModel reload of ``reload_fix.keras_alias``. Diagnosed in-process with the namespace the
earlier cell made, as ``%%keras_check`` sees the kernel."""

from __future__ import annotations

import importlib.util
import os

import pytest

from kerasmagic.diagnosis.engine import diagnose

needs_tf_keras3 = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is None
    or importlib.util.find_spec("keras") is None
    or not __import__("keras").__version__.startswith("3"),
    reason="needs TensorFlow with Keras 3 (model.export)",
)


@needs_tf_keras3
def test_a_savedmodel_reload_uses_the_keras_an_earlier_cell_bound(tmp_path):
    from tensorflow import keras as tf_keras_here

    if not str(getattr(tf_keras_here, "__version__", "")).startswith("3"):
        pytest.skip("tf.keras is Keras 2 here (TF_USE_LEGACY_KERAS): no model.export(verbose=)")
    earlier = "import numpy as np\nfrom tensorflow import keras\n"
    path = os.fspath(tmp_path / "exported")
    cell = (
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        f"model.export({path!r}, verbose=False)\n"
        f"reloaded = keras.models.load_model({path!r})\n"
    )
    namespace: dict = {}
    exec(compile(earlier, "<cell1>", "exec"), namespace)
    with pytest.raises(ValueError) as raised:
        exec(compile(cell, "<cell2>", "exec"), namespace)
    result = diagnose(cell, raised.value, namespace=namespace, earlier=(earlier,))
    assert "savedmodel-in-keras3" in [s.id for s in result.suggestions]
    assert result.fixed_source is not None
    assert f"reloaded = keras.layers.TFSMLayer({path!r}, call_endpoint='serve')" in result.fixed_source
    exec(compile(result.fixed_source, "<fixed>", "exec"), namespace)
    assert tuple(namespace["reloaded"](namespace["np"].ones((2, 3), "float32")).shape) == (2, 1)
