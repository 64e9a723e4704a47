"""Keras 3 messages read as facts (``diagnosis/keras_messages.py``): every message here is raised
for real by the Keras installed in this environment, never typed by hand, and must parse into the
argument, what was expected and what was received."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import pytest

from kerasmagic.diagnosis.keras_messages import MessageFact, parse


def _keras_major() -> int:
    if importlib.util.find_spec("keras") is None:
        return 0
    import keras

    return int(keras.__version__.split(".")[0])


keras3 = pytest.mark.skipif(_keras_major() < 3, reason="needs Keras 3")


def raised(make: Callable[[], object]) -> tuple[str, str]:
    try:
        make()
    except Exception as exc:
        return type(exc).__name__, str(exc)
    raise AssertionError("it did not raise here")


def fact_of(make: Callable[[], object]) -> MessageFact:
    error_type, message = raised(make)
    fact = parse(error_type, message)
    assert fact is not None, message
    return fact


def _one_output(tmp: str = ""):
    import keras

    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(1)(inputs))


def _two_outputs():
    import keras

    inputs = keras.Input((3,))
    return keras.Model(inputs, [keras.layers.Dense(1)(inputs), keras.layers.Dense(1)(inputs)])


@keras3
def test_file_suffixes(tmp_path):
    import keras

    path = str(tmp_path / "w.h5")
    fact = fact_of(lambda: _one_output().save_weights(path))
    assert (fact.kind, fact.argument, fact.expected, fact.received) == (
        "suffix", "filepath", ".weights.h5", path,
    )  # fmt: skip
    fact = fact_of(lambda: keras.callbacks.ModelCheckpoint(path, save_weights_only=True))
    assert (fact.template, fact.expected, fact.received) == (
        "checkpoint-weights-suffix", ".weights.h5", path,
    )  # fmt: skip
    bare = str(tmp_path / "ckpt")
    fact = fact_of(lambda: keras.callbacks.ModelCheckpoint(bare))
    assert (fact.template, fact.expected, fact.received) == (
        "checkpoint-model-suffix",
        ".keras",
        bare,
    )
    fact = fact_of(lambda: _one_output().save(bare))
    assert (fact.template, fact.expected, fact.received) == ("save-model-suffix", ".keras", bare)


@keras3
def test_integers_and_shapes():
    import keras
    import numpy as np

    fact = fact_of(lambda: keras.layers.Dense(46.0))
    assert (fact.kind, fact.argument, fact.received_value()) == ("integer", "units", 46.0)
    fact = fact_of(lambda: keras.layers.Dense(np.float64(8)))
    assert (fact.kind, fact.argument, fact.received_value()) == ("integer", "units", 8.0)
    fact = fact_of(lambda: keras.layers.Conv2D(4, 3.0))
    assert (fact.kind, fact.argument, fact.received_value(), fact.wanted) == (
        "integer", "kernel_size", 3.0, 2,
    )  # fmt: skip
    fact = fact_of(lambda: keras.Input(shape=3))
    assert (fact.kind, fact.received_value()) == ("shape", 3)
    fact = fact_of(lambda: keras.Input(shape=(3.0,)))
    assert (fact.kind, fact.received_value()) == ("shape", (3.0,))
    fact = fact_of(lambda: keras.Sequential([keras.layers.Dense(2, input_shape=5)]))
    assert (fact.kind, fact.received_value()) == ("shape", 5)


@keras3
def test_counts_of_losses_and_metrics():
    import numpy as np

    x, ys = np.zeros((2, 3)), [np.zeros((2, 1))] * 2

    def fit(**compiled: object) -> None:
        model = _two_outputs()
        model.compile(optimizer="sgd", **compiled)
        model.fit(x, ys, epochs=1, verbose=0)

    fact = fact_of(lambda: fit(loss="mse", loss_weights=[1.0, 0.5]))
    assert (fact.kind, fact.argument, fact.given, fact.wanted) == ("count", "loss", 1, 2)
    fact = fact_of(lambda: fit(loss="mse", metrics=["mae"]))
    assert (fact.kind, fact.argument, fact.given, fact.wanted) == ("count", "metrics", 1, 2)
    fact = fact_of(lambda: fit(loss="mse", weighted_metrics=["mae", "mse", "mape"]))
    assert (fact.kind, fact.argument, fact.given, fact.wanted) == (
        "count", "weighted_metrics", 3, 2,
    )  # fmt: skip


@keras3
def test_a_required_argument_of_call():
    import keras
    import numpy as np

    class Noisy(keras.layers.Layer):
        def call(self, inputs, training):
            return inputs

    fact = fact_of(lambda: Noisy()(np.zeros((2, 3), "float32")))
    assert (fact.kind, fact.argument) == ("required", "training")


def test_tensorflow_dtype_mismatches():
    tf = pytest.importorskip("tensorflow")
    import numpy as np

    fact = fact_of(lambda: tf.zeros((2,)) + tf.constant(np.zeros((2,))))
    assert (fact.kind, fact.expected, fact.received) == ("dtype", "float", "double")

    @tf.function
    def graph(a):
        return a - tf.constant(np.ones((2,)))

    fact = fact_of(lambda: graph(tf.zeros((2,))))
    assert (fact.kind, fact.argument, fact.expected, fact.received) == (
        "dtype", "y", "float32", "float64",
    )  # fmt: skip


@keras3
def test_the_general_received_ending():
    import keras

    fact = fact_of(lambda: keras.layers.Dropout(2))
    assert (fact.kind, fact.argument, fact.received_value()) == ("received", "rate", 2)


def test_an_unrelated_message_is_no_fact():
    error_type, message = raised(lambda: [][1])
    assert parse(error_type, message) is None


@keras3
@pytest.mark.parametrize(
    "kind, make",
    [
        ("activation function", lambda keras: keras.layers.Dense(1, activation="not_a_keras_name")),
        ("initializer", lambda keras: keras.layers.Dense(1, kernel_initializer="not_a_keras_name")),
        ("regularizer", lambda keras: keras.layers.Dense(1, kernel_regularizer="not_a_keras_name")),
        ("loss", lambda keras: keras.losses.get("not_a_keras_name")),
        ("metric", lambda keras: keras.metrics.get("not_a_keras_name")),
    ],
)
def test_unknown_identifier(kind, make):
    import keras

    fact = fact_of(lambda: make(keras))
    assert (fact.kind, fact.expected, fact.received) == ("identifier", kind, "not_a_keras_name")


@keras3
def test_a_sequential_layer_whose_call_needs_training():
    import keras
    import numpy as np

    class Scale(keras.layers.Layer):
        def call(self, x, training):
            return x

    model = keras.Sequential([keras.layers.Dense(2), Scale()])
    fact = fact_of(lambda: model.predict(np.ones((1, 3)), verbose=0))
    assert (fact.kind, fact.argument, fact.received) == ("required", "training", "Scale")


@keras3
def test_a_name_with_a_slash():
    import keras

    fact = fact_of(lambda: keras.layers.Dense(2, name="conv_1_7x7/2"))
    assert (fact.kind, fact.argument, fact.expected, fact.received) == (
        "character",
        "name",
        "/",
        "conv_1_7x7/2",
    )


@keras3
def test_a_value_outside_the_set_keras_lists():
    import keras

    fact = fact_of(lambda: keras.losses.BinaryCrossentropy(reduction="auto"))
    assert (fact.kind, fact.argument, fact.received) == ("choice", "reduction", "auto")
    assert "'sum_over_batch_size'" in (fact.expected or "")


@keras3
def test_a_schedule_that_returns_an_array():
    import keras
    import numpy as np

    model = _one_output()
    model.compile(optimizer="sgd", loss="mse")
    callback = keras.callbacks.LearningRateScheduler(lambda epoch, lr: np.array(lr))
    callback.set_model(model)
    fact = fact_of(lambda: callback.on_epoch_begin(0))
    assert (fact.kind, fact.argument, fact.expected) == ("returned-float", "schedule", "float")
    assert abs(float(fact.received or "nan") - 0.01) < 1e-6  # the float32 learning rate


class Stranger:
    """An object Keras cannot use (as one of another Keras package's classes is to it)."""


@keras3
@pytest.mark.parametrize(
    "kind, make",
    [
        ("optimizer", lambda keras: keras.optimizers.get(Stranger())),
        ("loss", lambda keras: keras.losses.get(Stranger())),
        ("Layer", lambda keras: keras.Sequential().add(Stranger())),
    ],
)
def test_an_object_keras_cannot_use_names_its_class(kind, make):
    import keras

    fact = fact_of(lambda: make(keras))
    assert (fact.kind, fact.expected, fact.received) == ("object", kind, f"{__name__}.Stranger")
