"""SciPy sparse targets (what scikit-learn's ``OneHotEncoder`` returns by default): Keras 2
densified them, Keras 3's losses refuse the ``SparseTensor`` they become. ``migrate`` of a notebook
whose encoder cell comes before the training cell: the live value of the name, bound an earlier
cell, is the evidence, and ``.toarray()`` is the fix, checked by running the migrated copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import code_cells, migrate_notebook

pytest.importorskip("scipy.sparse", reason="needs SciPy (the environment has none)")

CELLS = [
    "import numpy as np\nimport scipy.sparse as sp\nimport keras",
    "labels = np.arange(64) % 4\n"
    "y_train = sp.csr_matrix(np.eye(4, dtype='float32')[labels])\n"
    "x_train = np.random.rand(64, 5).astype('float32')",
    "model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation='softmax')])\n"
    "model.compile(optimizer='adam', loss='categorical_crossentropy')\n"
    "history = model.fit(x_train, y_train, validation_data=(x_train, y_train), epochs=1, verbose=0)\n"
    "print('trained', len(history.history['loss']))",
]


@pytest.mark.envs("colab")
def test_sparse_targets_from_an_earlier_cell_are_densified(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "encoded.ipynb", CELLS)
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert finals[:2] == CELLS[:2]  # the encoder's cell is left as written
    assert (
        "model.fit(x_train, y_train.toarray(), validation_data=(x_train, y_train.toarray())"
        in finals[2]
    )
    outputs = code_cells(tmp_path / "out" / "encoded.ipynb")[-1].outputs
    assert "trained 1" in "".join(o.get("text", "") for o in outputs)
    assert proc.returncode == 0
