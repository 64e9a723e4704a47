"""``tf.contrib.keras`` (TensorFlow 1.2–1.3's Keras) read as an attribute chain becomes
``tf.keras``; TensorFlow 2 has no ``tf.contrib`` (rules/error_contrib_keras.py)."""

from __future__ import annotations

import pytest

WITH_TF = ("tf221-k3", "colab", "tf215-k2", "tf221-legacy")


@pytest.mark.envs(*WITH_TF)
def test_chains_through_contrib_keras_read_tf_keras_and_train() -> None:
    import kerasmagic

    source = (
        "import numpy as np\nimport tensorflow as tf\n"
        "K = tf.contrib.keras.backend\n"
        "net = tf.contrib.keras.models.Sequential()\n"
        "net.add(tf.contrib.keras.python.keras.layers.Dense(2, input_shape=(3,)))\n"
        "net.compile(loss='mse', optimizer='sgd')\n"
        "net.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)\n"
        "print(K.floatx())\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "AttributeError"
    assert [s.id for s in result.suggestions] == ["tf-contrib-keras"]
    fixed = result.fixed_source or ""
    assert "K = tf.keras.backend\n" in fixed
    assert "net = tf.keras.models.Sequential()\n" in fixed
    assert "net.add(tf.keras.layers.Dense(2, input_shape=(3,)))\n" in fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["net"].count_params() == 8


@pytest.mark.envs(*WITH_TF)
def test_other_tensorflow_1_names_are_still_explained() -> None:
    import kerasmagic

    result = kerasmagic.check("import tensorflow as tf\nx = tf.placeholder(tf.float32)\n")
    assert [s.id for s in result.suggestions] == ["tf1-api"]
