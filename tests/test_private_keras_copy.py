"""Imports from TensorFlow's private, frozen ``tensorflow.python.keras`` in an early cell, and a
``fit`` cells later that fails inside that copy's own code (frozen at TF 2.6, it calls TensorFlow
internals that have moved: "module 'tensorflow.python.distribute.input_lib' has no attribute
'DistributedDatasetInterface'"). The traceback's frames are the evidence; the imports become the
public ``tensorflow.keras`` in the cell that wrote them (rules/error_private_module.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

CELLS = [
    "import numpy as np\nfrom tensorflow.python.keras import layers, models",
    "net = models.Sequential([layers.Dense(2, input_shape=(4,))])\nnet.compile(optimizer='sgd', loss='mse')",  # fmt: skip
    "history = net.fit(np.random.rand(8, 4), np.random.rand(8, 2), epochs=1, verbose=0)\nprint('trained', len(history.history['loss']))",  # fmt: skip
]


@pytest.mark.envs("tf221-k3", "tf215-k2")
def test_migrate_imports_the_public_keras_where_the_private_copy_was_imported(tmp_path: Path) -> None:  # fmt: skip
    finals, shown = migrated_cells(tmp_path, "private.ipynb", CELLS)
    assert finals[0] == "import numpy as np\nfrom tensorflow.keras import layers, models", finals[0]
    assert finals[1:] == CELLS[1:]
    assert "trained 1" in shown


@pytest.mark.envs("tf221-k3", "colab", "tf215-k2")
def test_check_of_the_fit_cell_corrects_the_earlier_cell_that_imported_the_copy() -> None:
    """``%%keras_check`` on the failing ``fit`` cell, the imports made two cells before: the
    finding is the copy's, and the corrected earlier cell imports the public Keras."""
    from kerasmagic.diagnosis.engine import diagnose

    namespace: dict = {}
    for cell in CELLS[:2]:
        exec(compile(cell, "<cell>", "exec"), namespace)
    with pytest.raises(Exception) as raised:
        exec(compile(CELLS[2], "<cell>", "exec"), namespace)
    result = diagnose(CELLS[2], raised.value, namespace=namespace, earlier=tuple(CELLS[:2]))
    assert "private-tf-python-keras" in [s.id for s in result.suggestions]
    assert result.earlier_fix is not None and result.earlier_fix.index == 0
    assert result.earlier_fix.fixed_source == "import numpy as np\nfrom tensorflow.keras import layers, models"  # fmt: skip
    namespace = {}
    for cell in (result.earlier_fix.fixed_source, *CELLS[1:]):
        exec(compile(cell, "<cell>", "exec"), namespace)
    assert len(namespace["history"].history["loss"]) == 1


def test_an_error_not_raised_in_the_copy_leaves_its_imports_alone() -> None:
    """The copy imported, but the error is the cell's own: no rewrite is claimed to fix it."""
    from kerasmagic.diagnosis.engine import diagnose

    source = "from tensorflow.python import keras\nlimit = {}['epochs']\n"
    try:
        exec(compile(source, "<cell>", "exec"), {})
    except KeyError as exc:
        result = diagnose(source, exc, namespace={})
    except ImportError:
        pytest.skip("no TensorFlow here")
    assert "private-tf-python-keras" not in [s.id for s in result.suggestions]
