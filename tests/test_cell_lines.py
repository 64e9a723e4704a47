"""The cell's line numbers are IPython's: IPython drops a cell's leading empty lines before it
compiles it, so a traceback counts from the first line with code. A rule that looks for the call
on the failing line must still find it in a cell that starts with blank lines (through a real
IPython shell; the corrected cell is then run)."""

from __future__ import annotations

import json

import pytest

CELL = """

import os
import numpy as np
from tensorflow import keras
checkpoint_path = "training_1/cp.ckpt"
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile("adam", "mse")
cp_callback = keras.callbacks.ModelCheckpoint(filepath=checkpoint_path, save_weights_only=True)
model.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=1, callbacks=[cp_callback], verbose=0)
model.load_weights(checkpoint_path)
"""


@pytest.mark.envs("tf221-k3", "colab")
def test_a_cell_starting_with_blank_lines_is_fixed_at_its_failing_line(ipshell, capsys, tmp_path):
    ipshell.run_line_magic("cd", str(tmp_path))
    ipshell.run_cell("%%keras_check --json\n" + CELL, store_history=True)
    out = capsys.readouterr().out
    data = json.loads(out[out.index("\n{") : out.rindex("}") + 1])
    assert data["error_type"] == "ValueError", data
    fixed = data["fixed_source"]
    assert fixed and 'checkpoint_path = "training_1/cp.weights.h5"' in fixed, data
    result = ipshell.run_cell(fixed)
    assert result.success, result.error_in_exec
