"""``KeyError: 'acc'`` raised by the user's own module (a plotting helper beside the script) after
``compile(metrics=['accuracy'])``: the corrected cell names the metric ``acc`` (same accuracy, the
old keys again), verified by running it with the same helper."""

from __future__ import annotations

import sys

import pytest
from environments import HAS_KERAS, here

from kerasmagic.diagnosis.engine import diagnose

pytestmark = pytest.mark.skipif(not here(HAS_KERAS, False), reason="needs Keras")

HELPER = "def plot_history(history):\n    return history.history['acc'][-1], history.history['val_acc'][-1]\n"
CELL = """\
import numpy as np
import keras
from plots_helper import plot_history

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit(np.ones((8, 3)), np.eye(2)[[0, 1] * 4], epochs=1, verbose=0,
                    validation_split=0.5)
plot_history(history)
"""


@pytest.fixture
def helper(tmp_path, monkeypatch):
    (tmp_path / "plots_helper.py").write_text(HELPER, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("plots_helper", None)


def _run(source: str) -> tuple[BaseException | None, dict]:
    namespace: dict = {"__name__": "__main__"}
    try:
        exec(compile(source, "<cell>", "exec"), namespace)
    except Exception as exc:  # the cell's own error is the measurement
        return exc, namespace
    return None, namespace


def test_the_metric_is_named_acc_where_the_old_key_is_read_elsewhere(helper):
    exc, namespace = _run(CELL)
    if exc is None:
        pytest.skip("this Keras records acc for metrics=['accuracy']")
    assert isinstance(exc, KeyError)
    result = diagnose(CELL, exc, namespace=namespace, filename="<cell>")
    assert [f.id for f in result.suggestions][:1] == ["history-key-read-elsewhere"]
    assert 'metrics=["acc"]' in result.fixed_source
    assert "plot_history (plots_helper.py)" in result.suggestions[0].title
    assert _run(result.fixed_source)[0] is None  # the same helper now finds its keys


def test_the_cells_own_reads_of_the_key_follow_the_metric(helper):
    """The cell also reads the key, watches it and names it in a checkpoint template: each goes
    with the metric to Keras 2.2's spelling, so the whole cell runs; prose saying "accuracy" stays."""
    cell = CELL.replace(
        "history = model.fit(",
        "stop = keras.callbacks.EarlyStopping(monitor='val_accuracy', patience=1)\n"
        "name = 'w-{epoch}-{val_accuracy:.2f}.weights.h5'\n"
        "history = model.fit(",
    ).replace(
        "plot_history(history)",
        "best = max(history.history['val_accuracy'])\nprint('best accuracy', best, name)\nplot_history(history)",
    )
    exc, namespace = _run(cell)
    if exc is None:
        pytest.skip("this Keras records acc for metrics=['accuracy']")
    result = diagnose(cell, exc, namespace=namespace, filename="<cell>")
    assert [f.id for f in result.suggestions][:1] == ["history-key-read-elsewhere"]
    fixed = result.fixed_source
    assert 'metrics=["acc"]' in fixed and "monitor='val_acc'" in fixed
    assert "history.history['val_acc']" in fixed and "'w-{epoch}-{val_acc:.2f}.weights.h5'" in fixed
    assert "print('best accuracy'" in fixed
    assert _run(fixed)[0] is None
