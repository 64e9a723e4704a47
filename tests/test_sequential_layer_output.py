"""Grad-CAM on a Keras 3 Sequential model built layer by layer: ``model.output`` raises ("has
never been called"), and ``model.outputs[0]`` beside a layer's ``.output`` is a separate branch
(the layer's output is of the build made when it was added), so the gradient would be None. Read
from the live tensors (diagnosis/sequential_graph.py), the model's output is computed from the
layer's output by the layers after it (rules/keras3_sequential_output.py); a model built at once keeps
``model.outputs[0]``. Diagnosed in-process, the cell kept in ``linecache`` as IPython keeps it."""

from __future__ import annotations

import importlib.util

import pytest
from cell_helpers import run_as_cell

from kerasmagic.diagnosis.engine import diagnose

pytestmark = [
    pytest.mark.envs("tf221-k3", "colab"),
    pytest.mark.skipif(
        importlib.util.find_spec("tensorflow") is None
        or importlib.util.find_spec("keras") is None
        or not __import__("keras").__version__.startswith("3"),
        reason="needs TensorFlow (its GradientTape) beside Keras 3",
    ),
]

LAYERS = [
    "Conv2D(4, (3, 3), activation='relu', input_shape=(12, 12, 1))",
    "MaxPooling2D(2, 2)",
    "Conv2D(4, (3, 3), activation='relu')",
    "Flatten()",
    "Dense(3, activation='softmax')",
]
IMPORTS = (
    "import numpy as np\n"
    "import tensorflow as tf\n"
    "from tensorflow.keras.models import Sequential\n"
    "from tensorflow.keras.layers import Conv2D, MaxPooling2D, Flatten, Dense\n"
    "img = np.random.rand(1, 12, 12, 1).astype('float32')\n"
)
ADDED = "model = Sequential()\n" + "".join(f"model.add({layer})\n" for layer in LAYERS)
AT_ONCE = "model = Sequential([" + ", ".join(LAYERS) + "])\n"
GRAD_CAM = (
    "conv = model.get_layer(index=2)\n"
    "grad_model = tf.keras.models.Model(model.inputs, [conv.output, model.output])\n"
    "with tf.GradientTape() as tape:\n"
    "    conv_outputs, predictions = grad_model(img)\n"
    "    loss = predictions[:, 0]\n"
    "grads = tape.gradient(loss, conv_outputs)\n"
)




def _diagnosed(build: str) -> tuple[dict, object]:
    namespace: dict = {}
    run_as_cell(IMPORTS + build, "<build>", namespace)
    with pytest.raises(AttributeError, match="has never been called") as raised:
        run_as_cell(GRAD_CAM, "<grad-cam>", namespace)
    result = diagnose(GRAD_CAM, raised.value, namespace=namespace, filename="<grad-cam>", earlier=(IMPORTS + build,))  # fmt: skip
    return namespace, result


def test_a_model_built_layer_by_layer_gets_its_output_from_the_layers_output() -> None:
    namespace, result = _diagnosed(ADDED)
    assert "keras3-sequential-layer-output" in [s.id for s in result.suggestions]
    assert result.fixed_source is not None
    assert result.fixed_source.startswith("import functools\n")
    assert "model.layers[model.layers.index(conv) + 1 :], conv.output)" in result.fixed_source
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert namespace["grads"] is not None  # the prediction is computed from the layer's output
    assert namespace["grads"].shape == namespace["conv_outputs"].shape


def test_a_layer_looked_up_by_keyword_in_the_call_is_read_as_well() -> None:
    inline = GRAD_CAM.replace("conv = model.get_layer(index=2)\n", "").replace(
        "[conv.output,", "[model.get_layer(index=2).output,"
    )
    namespace: dict = {}
    run_as_cell(IMPORTS + ADDED, "<build>", namespace)
    with pytest.raises(AttributeError, match="has never been called") as raised:
        run_as_cell(inline, "<grad-cam>", namespace)
    result = diagnose(inline, raised.value, namespace=namespace, filename="<grad-cam>", earlier=(IMPORTS + ADDED,))  # fmt: skip
    assert "keras3-sequential-layer-output" in [s.id for s in result.suggestions]
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert namespace["grads"] is not None


def test_a_model_built_at_once_keeps_its_own_output() -> None:
    namespace, result = _diagnosed(AT_ONCE)
    ids = [s.id for s in result.suggestions]
    assert "keras3-sequential-input" in ids and "keras3-sequential-layer-output" not in ids
    assert "model.outputs[0]" in (result.fixed_source or "")
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert namespace["grads"] is not None


def test_a_helper_an_earlier_cell_defines_is_defined_again_and_changed_where_it_is() -> None:
    """Grad-CAM's helper defined in one cell, called in the next: the error rises in the
    helper's frame; the corrected cell defines it again, changed, and ``migrate`` changes the
    earlier cell."""
    helper = (
        "def heatmap_of(image, model, index):\n"
        "    grad_model = tf.keras.models.Model(model.inputs, [model.layers[index].output, model.output])\n"
        "    with tf.GradientTape() as tape:\n"
        "        conv_outputs, predictions = grad_model(image)\n"
        "        loss = predictions[:, 0]\n"
        "    return tape.gradient(loss, conv_outputs)\n"
    )
    call = "grads = heatmap_of(img, model, 2)\n"
    namespace: dict = {}
    run_as_cell(IMPORTS + ADDED, "<build>", namespace)
    run_as_cell(helper, "<helper>", namespace)
    with pytest.raises(AttributeError, match="has never been called") as raised:
        run_as_cell(call, "<call>", namespace)
    result = diagnose(call, raised.value, namespace=namespace, filename="<call>", earlier=(IMPORTS + ADDED, helper))  # fmt: skip
    assert "keras3-sequential-layer-output" in [s.id for s in result.suggestions]
    earlier, here = result.fixed_across
    assert set(earlier) == {1} and "    import functools\n" in earlier[1] and here == call
    assert result.fixed_source is not None and result.fixed_source.endswith(call)
    run_as_cell(result.fixed_source, "<fixed>", namespace)  # defines the helper again, then calls it
    assert namespace["grads"] is not None
