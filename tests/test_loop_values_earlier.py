"""A loop over a list an earlier cell makes (``losses = [...]``, then ``for loss in losses:``
compiles and fits a model per loss), one of its strings Keras 2's other name of a Keras 3 loss
(rules/error_registered_name.py through provenance's loop values): the corrected cell binds the
list again at its top with that string renamed and the others kept; the earlier cell's list is
not changed by ``%%keras_check`` (``migrate`` renames it there: test_provenance_kernel.py).
Diagnosed in-process with the kernel's history."""

from __future__ import annotations

import pytest
from cell_helpers import keras3, run_as_cell

from kerasmagic.diagnosis.engine import diagnose

CELLS = [
    "import numpy as np\nimport keras\nx, y = np.random.rand(16, 4), np.random.rand(16, 1)\n",
    "losses = ['mean_squared_error', 'logcosh']\nscores = {}\n",
]
LOOP = (
    "for loss in losses:\n"
    "    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])\n"
    "    model.compile(loss=loss, optimizer='sgd')\n"
    "    scores[loss] = model.fit(x, y, epochs=1, verbose=0).history['loss'][-1]\n"
)


@keras3
def test_the_loop_value_keras_3_spells_otherwise_is_renamed_in_the_list_bound_again():
    namespace: dict = {}
    for i, cell in enumerate(CELLS):
        run_as_cell(cell, f"<cell-{i}>", namespace)
    with pytest.raises(ValueError, match="logcosh") as raised:
        run_as_cell(LOOP, "<cell-loop>", namespace)
    result = diagnose(LOOP, raised.value, namespace=namespace, earlier=tuple(CELLS))
    assert "keras3-renamed-identifier" in [s.id for s in result.suggestions]
    assert result.fixed_source == "losses = ['mean_squared_error', 'log_cosh']\n" + LOOP
    run_as_cell(result.fixed_source, "<cell-fixed>", namespace)
    assert sorted(namespace["scores"]) == ["log_cosh", "mean_squared_error"]
