"""Write the Keras 2 model files (``.h5``, a SavedModel) the saved-model traps and cases load
(tests/data/).

Run inside the TF 2.15 / Keras 2.15 environment, so the files are what Keras 2 really writes:

    python3 scripts/envs.py run tf215-k2 -- python scripts/make_keras2_models.py
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def _model() -> tf.keras.Model:
    tf.keras.utils.set_random_seed(0)
    return tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])


def main() -> None:
    assert tf.__version__.startswith("2.15") and tf.keras.__name__.startswith("keras.api._v2"), (
        "run this in a Keras 2 environment (tf215-k2)"
    )
    DATA.mkdir(parents=True, exist_ok=True)
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    # a trained model whose optimizer has a non-default learning rate and state (moments, steps)
    model = _model()
    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
        loss="mean_squared_error",
        metrics=["mae"],
    )
    model.fit(x, y, epochs=2, verbose=0)
    model.save(DATA / "keras2-adam-lr0.01.h5")
    # compiled with the short loss alias: Keras 3 cannot deserialize `keras.metrics.mse`
    model = _model()
    model.compile(optimizer="adam", loss="mse")
    model.save(DATA / "keras2-loss-mse.h5")
    # a SavedModel directory, what `model.save("name")` wrote in Keras 2 (no extension)
    model = _model()
    model.compile(optimizer="adam", loss="mse")
    model.save(DATA / "keras2-savedmodel")
    # recurrent layers, one inside a wrapper: tf.keras 2 records `time_major` in each config,
    # which Keras 3's layers refuse (and a SpatialDropout1D's `trainable`, a SeparableConv1D's
    # `groups` and unused `kernel_*`); what the model predicts for ones, to compare after a load
    tf.keras.utils.set_random_seed(0)
    inputs = tf.keras.Input((6, 4))
    hidden = tf.keras.layers.SpatialDropout1D(0.1)(inputs)
    hidden = tf.keras.layers.SeparableConv1D(4, 2, padding="same")(hidden)
    hidden = tf.keras.layers.LSTM(5, return_sequences=True)(hidden)
    hidden = tf.keras.layers.Bidirectional(tf.keras.layers.GRU(3))(hidden)
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(hidden))
    model.save(DATA / "keras2-recurrent.h5")
    np.save(DATA / "keras2-recurrent-ones.npy", model.predict(np.ones((1, 6, 4)), verbose=0))
    # an LSTM asked to read time-major input: a behaviour Keras 3's layers do not have
    inputs = tf.keras.Input((6, 4))
    hidden = tf.keras.layers.LSTM(5, time_major=True)(inputs)
    tf.keras.Model(inputs, tf.keras.layers.Dense(1)(hidden)).save(DATA / "keras2-time-major.h5")
    for path in sorted(DATA.glob("keras2-*")):
        print(path.name, path.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
