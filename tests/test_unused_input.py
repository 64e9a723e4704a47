"""A functional model given an input that no layer uses: Keras 2 and Keras 3.15 build it, Colab's
Keras 3.13 refuses it ("`inputs` not connected to `outputs`"); the corrected code passes the
input through a layer first, keeping Keras 2's model (rules/error_unused_input.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

CELLS = [
    "import numpy as np\nfrom tensorflow import keras",
    "left = keras.Input(shape=(4,), name='left')\n"
    "right = keras.Input(shape=(2,), name='right')\n"
    "branches = [left, right]\n"
    "hidden = keras.layers.Dense(5, activation='relu')(left)\n"
    "score = keras.layers.Dense(1)(hidden)\n"
    "aux = keras.layers.Dense(3)(hidden)",
    "net = keras.models.Model(branches, [score, aux])\n"
    "net.compile(optimizer='sgd', loss='mse')\n"
    "data = [np.ones((6, 4)), np.zeros((6, 2))]\n"
    "net.fit(data, [np.ones((6, 1)), np.ones((6, 3))], epochs=1, verbose=0)\n"
    "print('inputs', len(net.inputs), [p.shape for p in net.predict(data, verbose=0)])",
]


@pytest.mark.envs("colab")
def test_migrate_keeps_the_unused_input_so_the_model_takes_the_same_data(tmp_path: Path) -> None:  # fmt: skip
    finals, shown = migrated_cells(tmp_path, "unused.ipynb", CELLS)
    assert finals[:2] == CELLS[:2]
    assert finals[2].startswith("keras.layers.Lambda(lambda t: t)(branches[1])"), finals[2]
    assert finals[2].endswith(CELLS[2])
    assert "inputs 2 [(6, 1), (6, 3)]" in shown


@pytest.mark.envs("colab")
def test_the_inputs_written_in_the_call_are_named_and_a_used_one_is_left() -> None:
    import kerasmagic

    source = "\n".join(CELLS).replace("Model(branches,", "Model(inputs=[left, right], outputs=")
    result = kerasmagic.check(source)
    assert result.error_type == "ValueError"
    [finding] = result.suggestions
    assert finding.id == "keras3-input-feeds-nothing"
    assert "`right`" in finding.title
    fixed = result.fixed_source or ""
    assert "keras.layers.Lambda(lambda t: t)(right)" in fixed
    assert "(left)  #" not in fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert len(namespace["net"].inputs) == 2
