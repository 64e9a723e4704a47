"""A notebook's helper defined in one cell and called with its settings in a later one: the
value the later call passes is what Keras refused, so it is changed in that call, not in the
helper (rules/error_monitor_key.py through ``callback_keys.passed_monitor_changes``; a Keras 2
choice such as ``reduction='auto'``, rules/error_message_choice.py). Diagnosed
in-process with the kernel's history (the respell probe's ``helper`` variant)."""

from __future__ import annotations

from typing import Any

import pytest
from cell_helpers import keras3, run_as_cell

from kerasmagic.diagnosis.engine import diagnose

IMPORTS = "import numpy as np\nimport keras\n"
HELPER = (
    "def main(optimizer_1, loss_1, metrics_1, monitor_1, patience_1, axis_1, validation_split_1, epochs_1, verbose_1):\n"
    "    x = np.random.rand(16, 3).astype('float32')\n"
    "    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "    model.compile(optimizer=optimizer_1, loss=loss_1, metrics=metrics_1)\n"
    "    stop = keras.callbacks.EarlyStopping(monitor=monitor_1, patience=patience_1)\n"
    "    history = model.fit(x, x.sum(axis=axis_1), validation_split=validation_split_1, epochs=epochs_1,\n"
    "                        verbose=verbose_1, callbacks=[stop])\n"
    "    return history\n"
)
CALL = (
    "history = main(optimizer_1='adam', loss_1='mse', metrics_1=['mae'], monitor_1='val_mean_absolute_error',\n"
    "               patience_1=1, axis_1=1, validation_split_1=0.25, epochs_1=2, verbose_1=0)\n"
)


def _diagnosed(helper: str, call: str, match: str) -> tuple[Any, dict]:
    """The diagnosis of ``call``'s error after the imports and ``helper`` ran, and the namespace."""
    namespace: dict = {}
    for number, cell in enumerate([IMPORTS, helper]):
        run_as_cell(cell, f"<cell{number}>", namespace)
    with pytest.raises(ValueError, match=match) as raised:
        run_as_cell(call, "<call>", namespace)
    earlier = (IMPORTS, helper)
    return diagnose(call, raised.value, namespace=namespace, filename="<call>", earlier=earlier), namespace  # fmt: skip


@keras3
def test_a_monitored_full_metric_name_passed_to_an_earlier_cells_helper_is_renamed_in_the_call():
    result, namespace = _diagnosed(HELPER, CALL, "automatically determine")
    assert "callback-monitor-alias" in [s.id for s in result.suggestions]
    assert result.fixed_source == CALL.replace("val_mean_absolute_error", "val_mae"), (
        result.fixed_source
    )
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert "val_mae" in namespace["history"].history


LOSS_HELPER = (
    "def train(reduction, epochs):\n"
    "    loss_fn = keras.losses.BinaryCrossentropy(reduction=reduction)\n"
    "    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation='sigmoid')])\n"
    "    model.compile(optimizer='sgd', loss=loss_fn)\n"
    "    model.fit(np.random.rand(16, 3), np.random.randint(0, 2, (16, 1)), epochs=epochs, verbose=0)\n"
    "    return model\n"
)
LOSS_CALL = "model = train(reduction='auto', epochs=1)\n"


@keras3
def test_a_keras2_choice_passed_to_an_earlier_cells_helper_is_renamed_in_the_call():
    result, namespace = _diagnosed(LOSS_HELPER, LOSS_CALL, "reduction")
    assert "keras3-renamed-choice" in [s.id for s in result.suggestions]
    assert result.fixed_source == "model = train(reduction='sum_over_batch_size', epochs=1)\n", result.fixed_source  # fmt: skip
    run_as_cell(result.fixed_source, "<fixed>", namespace)


SETTINGS_HELPER = (
    "def fit_with(metric, lr):\n"
    "    settings = {'loss': 'mse', 'optimizer': keras.optimizers.SGD(learning_rate=lr), 'metrics': metric}\n"
    "    net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "    net.compile(**settings)\n"
    "    return net.fit(np.random.rand(16, 3), np.random.rand(16, 1), epochs=1, verbose=0)\n"
)
SETTINGS_CALL = "log = fit_with('mean_absolute_error', 0.01)\n"


@keras3
def test_one_metric_in_a_helpers_settings_dict_given_by_the_later_call_is_put_in_a_list():
    """The dict's ``'metrics'`` entry is the helper's parameter: its value is what the later call
    passes (a string), so the entry becomes a list in the helper, defined again in the corrected
    cell, and the call is unchanged."""
    result, namespace = _diagnosed(SETTINGS_HELPER, SETTINGS_CALL, "metrics")
    assert "keras3-metrics-not-list" in [s.id for s in result.suggestions]
    assert "'metrics': [metric]}" in result.fixed_source, result.fixed_source
    assert result.fixed_source.endswith(SETTINGS_CALL), result.fixed_source
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert "mean_absolute_error" in namespace["log"].history
