"""tf.keras 2's ``optimizer.lr`` / ``optimizer.learning_rate`` of an optimizer built with a
schedule was the schedule, which code read at the step in use, ``R.lr(R.iterations)``; Keras 3's
``learning_rate`` is that rate already and cannot be called. The call becomes
``R.learning_rate`` (rules/optimizer_attributes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

KERAS3 = ("tf221-k3", "colab")

CELLS = [
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras",
    "decay = keras.optimizers.schedules.PiecewiseConstantDecay([2, 4], [0.5, 0.25, 0.125])\n"
    "net = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])\n"
    "net.compile(keras.optimizers.Adam(decay), 'mse')",
    "class RateLog(keras.callbacks.Callback):\n"
    "    def on_epoch_end(self, epoch, logs=None):\n"
    "        rate = self.model.optimizer.lr(self.model.optimizer.iterations)\n"
    "        print('rate', epoch, float(rate))\n"
    "net.fit(np.ones((6, 3)), np.ones((6, 1)), batch_size=2, epochs=2, verbose=0,\n"
    "        callbacks=[RateLog()])",
]


@pytest.mark.envs(*KERAS3)
def test_migrate_reads_the_rate_in_use_where_the_schedule_was_read_at_the_step(
    tmp_path: Path,
) -> None:
    finals, shown = migrated_cells(tmp_path, "rates.ipynb", CELLS)
    assert "        rate = self.model.optimizer.learning_rate\n" in finals[2], finals[2]
    # ran to the end (the values: the next test, from a fresh start; migrate's own run continues
    # the model the failing run had trained)
    assert "rate 1 0.125" in shown, shown


@pytest.mark.envs(*KERAS3)
def test_a_called_learning_rate_of_a_callback_local_is_read_as_the_rate() -> None:
    import kerasmagic

    source = (
        "import numpy as np\nfrom tensorflow import keras\n"
        "steps = keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5)\n"
        "model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])\n"
        "model.compile(keras.optimizers.SGD(learning_rate=steps), 'mse')\n"
        "seen = []\n"
        "class Track(keras.callbacks.Callback):\n"
        "    def on_train_end(self, logs=None):\n"
        "        o = self.model.optimizer\n"
        "        seen.append(float(o.learning_rate(o.iterations)))\n"
        "model.fit(np.ones((4, 2)), np.ones((4, 1)), batch_size=2, epochs=1, verbose=0,\n"
        "          callbacks=[Track()])\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "TypeError"
    assert [s.id for s in result.suggestions] == ["optimizer-schedule-at-step"]
    fixed = result.fixed_source or ""
    assert "seen.append(float(o.learning_rate))" in fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["seen"] == [pytest.approx(0.1 * 0.5**2)]  # two steps
