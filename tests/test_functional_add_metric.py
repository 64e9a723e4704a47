"""``model.add_metric(tensor, name=…)`` on a functional model (Keras 2's functional API guide
logs an activation's statistic so): Keras 3 removed ``add_metric``; the model is rebuilt with a
layer that keeps a ``Mean`` of that name (rules/keras3_models.py)."""

from __future__ import annotations

import pytest

SOURCE = """
import numpy as np
from tensorflow import keras
inp = keras.Input(shape=(6,), name="features")
hidden = keras.layers.Dense(8, activation="relu")(inp)
pred = keras.layers.Dense(1)(hidden)
net = keras.Model(inp, pred)
net.add_metric(keras.ops.mean(hidden), "mean_hidden")
net.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
hist = net.fit(np.ones((8, 6)), np.ones((8, 1)), epochs=2, batch_size=4, verbose=0)
probe = keras.Model(inp, hidden)
"""


@pytest.mark.envs("tf221-k3", "colab")
def test_the_rebuilt_model_logs_the_metric_under_its_name_with_keras2s_value() -> None:
    import kerasmagic

    result = kerasmagic.check(SOURCE)
    assert result.error_type == "NotImplementedError"
    assert [s.id for s in result.suggestions] == ["keras3-functional-add-metric"]
    fixed = result.fixed_source or ""
    assert 'net = keras.Model(net.inputs, AddedMetric("mean_hidden")(net.outputs[0], keras.ops.mean(hidden)), name=net.name)' in fixed  # fmt: skip
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    history = namespace["hist"].history
    assert sorted(history) == ["loss", "mean_hidden"]
    # no weight moves (learning rate 0): each epoch's mean is the hidden layer's mean on the data
    expected = float(namespace["probe"].predict(namespace["np"].ones((8, 6)), verbose=0).mean())
    assert history["mean_hidden"] == pytest.approx([expected, expected], rel=1e-5)


@pytest.mark.envs("tf221-k3")
def test_another_aggregation_or_a_missing_name_is_left() -> None:
    import kerasmagic

    for call in ('net.add_metric(keras.ops.mean(hidden), "m", aggregation="sum")', "net.add_metric(keras.ops.mean(hidden))"):  # fmt: skip
        result = kerasmagic.check(
            SOURCE.replace('net.add_metric(keras.ops.mean(hidden), "mean_hidden")', call)
        )
        assert "keras3-functional-add-metric" not in [s.id for s in result.suggestions], call


@pytest.mark.envs("k3-jax")
def test_no_rewrite_under_jax_where_a_metric_cannot_be_updated_in_call() -> None:
    import kerasmagic

    source = SOURCE.replace("from tensorflow import keras", "import keras")
    result = kerasmagic.check(source)
    assert result.error_type == "NotImplementedError"
    assert "keras3-functional-add-metric" not in [s.id for s in result.suggestions]
