"""A ``compile(metrics=chosen)`` cells before the failing ``fit``, the list made in a first cell
with a string Keras 3 spells otherwise (rules/error_registered_name.py through
``held_strings``): the corrected training cell compiles again with the list respelled, and the
edits across cells (``migrate``) respell the strings where the list is written. A string held
in a name that only the custom-object registry knows becomes the object in the call. One loss
held in a settings name for a model of two outputs (rules/error_loss_per_output.py) is repeated
in the earlier compile while the name still holds the compiled loss. Diagnosed in-process with
the kernel's history (the respell probe's settings variant)."""

from __future__ import annotations

import pytest
from cell_helpers import keras3, run_as_cell

from kerasmagic.diagnosis.engine import diagnose

IMPORTS = "import numpy as np\nimport keras\n"
MODEL = "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])\n"
FIT = "history = model.fit(np.random.rand(8, 4), np.random.rand(8, 1), epochs=1, verbose=0)\n"


def _failing(cells: list[str], namespace: dict, fit: str = FIT, match: str = "Could not interpret") -> BaseException:  # fmt: skip
    """The error ``fit`` raises after ``cells`` ran in ``namespace``."""
    for number, cell in enumerate(cells):
        run_as_cell(cell, f"<cell{number}>", namespace)
    with pytest.raises(ValueError, match=match) as raised:
        run_as_cell(fit, "<fit>", namespace)
    return raised.value


@keras3
def test_a_metric_list_made_cells_before_the_compile_is_respelled_in_both_places():
    cells = ["chosen = ['mae', 'logcosh']\n", IMPORTS, MODEL, "model.compile(loss='mse', optimizer='sgd', metrics=chosen)\n"]  # fmt: skip
    namespace: dict = {}
    error = _failing(cells, namespace)
    result = diagnose(FIT, error, namespace=namespace, filename="<fit>", earlier=tuple(cells))
    assert "keras3-metric-by-loss-name" in [s.id for s in result.suggestions]
    assert result.fixed_source.startswith(
        "model.compile(loss='mse', optimizer='sgd', metrics=['mae', 'log_cosh_error'])\n"
    ), result.fixed_source
    earlier, here = result.fixed_across or ({}, "")
    assert earlier == {0: "chosen = ['mae', 'log_cosh_error']\n"} and here == FIT, result.fixed_across
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert "log_cosh_error" in namespace["history"].history


@keras3
def test_a_registered_loss_held_in_a_name_becomes_the_object_in_the_compile():
    registered = (
        "def doubled(y_true, y_pred):\n"
        "    return 2.0 * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)\n"
        "keras.utils.get_custom_objects().update({'doubled': doubled})\n"
    )
    cells = ["loss_name = 'doubled'\n", IMPORTS, registered, MODEL, "model.compile(loss=loss_name, optimizer='sgd')\n"]  # fmt: skip
    namespace: dict = {}
    error = _failing(cells, namespace)
    result = diagnose(FIT, error, namespace=namespace, filename="<fit>", earlier=tuple(cells))
    assert "registered-name-not-resolved" in [s.id for s in result.suggestions]
    assert result.fixed_source.startswith("model.compile(loss=doubled, optimizer='sgd')\n"), result.fixed_source  # fmt: skip
    earlier, here = result.fixed_across or ({}, "")  # the compile's cell; the name keeps its string
    assert earlier == {4: "model.compile(loss=doubled, optimizer='sgd')\n"} and here == FIT, result.fixed_across
    run_as_cell(result.fixed_source, "<fixed>", namespace)


TWO_OUTPUTS = (
    "inp = keras.Input((4,))\n"
    "model = keras.Model(inp, [keras.layers.Dense(1, name='a')(inp), keras.layers.Dense(1, name='b')(inp)])\n"
)
FIT_TWO = "history = model.fit(np.random.rand(8, 4), [np.random.rand(8, 1)] * 2, epochs=1, verbose=0)\n"
WEIGHTS_REFUSED = "must match the number of losses"


@keras3
def test_a_loss_held_in_a_settings_name_is_repeated_per_output_in_the_earlier_compile():
    cells = ["LOSS = 'mse'\n", IMPORTS, TWO_OUTPUTS, "model.compile(loss=LOSS, loss_weights=[1.0, 0.5], optimizer='sgd')\n"]  # fmt: skip
    namespace: dict = {}
    error = _failing(cells, namespace, FIT_TWO, WEIGHTS_REFUSED)
    result = diagnose(FIT_TWO, error, namespace=namespace, filename="<fit>", earlier=tuple(cells))
    assert "message-repeat-per-output" in [s.id for s in result.suggestions]
    earlier, _ = result.fixed_across or ({}, "")
    assert earlier == {3: "model.compile(loss=[LOSS] * 2, loss_weights=[1.0, 0.5], optimizer='sgd')\n"}, result.fixed_across  # fmt: skip
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert {"a_loss", "b_loss"} <= set(namespace["history"].history)


@keras3
def test_a_loss_name_bound_again_after_the_compile_is_not_repeated():
    cells = ["LOSS = 'mse'\n", IMPORTS, TWO_OUTPUTS, "model.compile(loss=LOSS, loss_weights=[1.0, 0.5], optimizer='sgd')\n", "LOSS = 'mae'\n"]  # fmt: skip
    namespace: dict = {}
    error = _failing(cells, namespace, FIT_TWO, WEIGHTS_REFUSED)
    result = diagnose(FIT_TWO, error, namespace=namespace, filename="<fit>", earlier=tuple(cells))
    assert "message-repeat-per-output" not in [s.id for s in result.suggestions]
