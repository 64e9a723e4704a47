"""What sets an optimizer's learning rate while training (``diagnosis/rate_setters.py``): Keras's
callbacks that assign it, an assignment to ``lr``/``learning_rate``, ``set_value`` of either — in
the cell or an earlier one. The decay fixes ask it before writing a schedule, which Keras 3 would
refuse to set (case ``decay-with-rate-scheduler``)."""

from __future__ import annotations

import pytest

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.rate_setters import rate_setter

SETS = [
    "cb = keras.callbacks.ReduceLROnPlateau(monitor='val_loss', factor=0.5)",
    "callbacks = [LearningRateScheduler(schedule)]",
    "K.set_value(model.optimizer.lr, 0.01)",
    "K.set_value(opt.learning_rate, new_rate)",
    "self.model.optimizer.learning_rate = rate",
    "model.optimizer.lr = 0.001",
    "opt.learning_rate *= 0.5",
]
DOES_NOT = [
    "opt = SGD(learning_rate=0.1, decay=1e-6)",
    "print(model.optimizer.learning_rate)",
    "lr = 0.01\nlearning_rate = lr / 10",
    "K.set_value(model.layers[0].kernel, w)",
    "K.get_value(model.optimizer.lr)",
]


@pytest.mark.parametrize("source", SETS)
def test_each_way_of_setting_the_rate_is_found(source: str) -> None:
    found = rate_setter(CellContext.of(source))
    assert found is not None and found in source, found  # the code as written, for the finding


@pytest.mark.parametrize("source", DOES_NOT)
def test_reading_or_building_is_not_setting(source: str) -> None:
    assert rate_setter(CellContext.of(source)) is None


def test_an_earlier_cell_counts() -> None:
    earlier = ["from keras.callbacks import ReduceLROnPlateau", "plateau = ReduceLROnPlateau()"]
    ctx = CellContext.of("opt = SGD(learning_rate=0.1, decay=1e-6)", earlier=earlier)
    assert rate_setter(ctx) == "ReduceLROnPlateau()"


def test_a_later_cell_counts_where_migrate_holds_it() -> None:
    ctx = CellContext.of("opt = SGD(learning_rate=0.1, decay=1e-6)", later=("x = 1", SETS[1]))
    assert rate_setter(ctx) == "LearningRateScheduler(schedule)"


@pytest.mark.envs("tf221-k3", "colab", "k3-jax")
def test_a_zero_decay_is_dropped_not_scheduled() -> None:
    """``decay=0.0`` (Keras 2.2's whole signature copied from its documentation) is no decay: the
    keyword goes, and no schedule is written (a schedule's rate cannot be set by a callback)."""
    from kerasmagic.diagnosis.engine import check

    fixed = check("import keras\nopt = keras.optimizers.Adam(lr=0.01, decay=0.0, amsgrad=False)\n")
    assert fixed.fixed_source == (
        "import keras\nopt = keras.optimizers.Adam(learning_rate=0.01, amsgrad=False)\n"
    )


@pytest.mark.envs("tf221-k3", "colab")
def test_a_later_cell_counts_when_the_fix_goes_to_the_cell_that_defines_the_function(tmp_path) -> None:  # fmt: skip
    """The optimizer is made in a function of one cell, the error raised when the next cell calls
    it, and a cell after that sets the rate: the fix of the defining cell is made knowing that
    cell, so it writes no schedule (the setter would fail on it) and the notebook runs."""
    from migrate_helpers import migrate_notebook

    cells = [
        "import numpy as np\nimport tensorflow as tf\nfrom tensorflow.keras import backend as K",
        "def build(lr=0.01):\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(4,))])\n"
        "    model.compile(tf.keras.optimizers.SGD(lr=lr, decay=1e-6), 'mse')\n"
        "    return model",
        "model = build(0.05)\nmodel.fit(np.random.rand(8, 4), np.random.rand(8, 1), epochs=1, verbose=0)",
        "K.set_value(model.optimizer.lr, 0.001)\nprint(K.get_value(model.optimizer.lr))",
    ]
    proc, doc = migrate_notebook(tmp_path, "decay.ipynb", cells)
    finals = [c["final"] for c in doc["cells"]]
    assert "InverseTimeDecay" not in finals[1] and "decay=1e-6" in finals[1], finals[1]
    assert doc["status"] == "migrated" and proc.returncode == 0, doc["message"]
