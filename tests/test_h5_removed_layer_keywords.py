"""A model tf.keras 2 saved to ``.h5`` with recurrent layers (``tests/data/keras2-recurrent.h5``,
written by Keras 2.15 with ``scripts/make_keras2_models.py``): each layer's config holds
``time_major=False``, which Keras 3's layers refuse. The load, its path an f-string of a name an
earlier cell bound and ``load_model`` imported alone cells before, gets subclasses that take the
keyword at Keras 2's default (rules/error_h5_layer_keywords.py); the loaded model predicts what
Keras 2's did."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

DATA = Path(__file__).parent / "data"

CELLS = [
    "import numpy as np\nfrom keras.models import load_model",
    "which = 'recurrent'",
    "model = load_model(f'keras2-{which}.h5', compile=False)",
    "same = np.allclose(model.predict(np.ones((1, 6, 4)), verbose=0), np.load(f'keras2-{which}-ones.npy'), atol=1e-5)\n"
    "print('same as Keras 2', same, sorted({type(layer).__name__ for layer in model.layers}))",
]


@pytest.mark.envs("tf221-k3", "colab")
def test_migrate_loads_the_keras2_recurrent_model_with_its_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("keras2-recurrent.h5", "keras2-recurrent-ones.npy"):
        shutil.copy(DATA / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    finals, shown = migrated_cells(tmp_path, "recurrent.ipynb", CELLS)
    assert finals[0] == CELLS[0] and finals[3] == CELLS[3]
    assert "class Keras2LSTM(keras.layers.LSTM):" in finals[2], finals[2]
    assert "import keras\n" in finals[2]
    assert (
        "custom_objects={'Bidirectional': Keras2Bidirectional, 'GRU': Keras2GRU, 'LSTM': Keras2LSTM, 'SeparableConv1D': Keras2SeparableConv1D, 'SpatialDropout1D': Keras2SpatialDropout1D})"
        in finals[2]
    )
    assert "same as Keras 2 True" in shown, shown


# Keras 3 writes the file; its config is then made what standalone Keras 2.2 wrote (no InputLayer,
# the first layer's batch_input_shape, no Keras 3 entries); what the model predicts for ones beside
MAKE = f"""
import sys
import keras, numpy as np
sys.path.insert(0, {str(Path(__file__).parent)!r})
from keras22_h5 import as_keras22
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((6, 4)), keras.layers.LSTM(5), keras.layers.Dense(1)])
model.save(sys.argv[1])
np.save(sys.argv[2], model.predict(np.ones((1, 6, 4)), verbose=0))
as_keras22(sys.argv[1])
"""


@pytest.mark.envs("tf221-k3", "colab")
def test_migrate_builds_a_keras22_recurrent_sequential_on_its_batch_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run([sys.executable, "-c", MAKE, str(tmp_path / "old.h5"), str(tmp_path / "old-ones.npy")], check=True, capture_output=True)  # fmt: skip
    monkeypatch.chdir(tmp_path)
    cells = [
        "import numpy as np\nimport keras",
        "net = keras.models.load_model('old.h5')",
        "print('same', np.allclose(net.predict(np.ones((1, 6, 4)), verbose=0), np.load('old-ones.npy'), atol=1e-5))",
    ]
    finals, shown = migrated_cells(tmp_path, "old.ipynb", cells)
    assert "class Keras2LSTM(keras.layers.LSTM):" in finals[1], finals[1]
    assert "custom_objects={'LSTM': Keras2LSTM})" in finals[1]
    assert "same True" in shown, shown
