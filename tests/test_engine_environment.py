"""Environment entries explain a cell's error only where they are true: ``legacy-keras-missing``
needs TF_USE_LEGACY_KERAS set, ``keras3-backend-missing`` only the configured backend missing."""

from __future__ import annotations

import pytest
from conftest import run_python_json

IDS = """
import json, kerasmagic
ids = {{}}
for name, src in {cells!r}.items():
    ids[name] = [s.id for s in kerasmagic.check(src).suggestions]
print(json.dumps(ids))
"""


@pytest.mark.envs("tf221-k3", "tf215-k2")
def test_legacy_keras_missing_needs_the_variable():
    """tf_keras is not installed in these environments."""
    cells = {"legacy": "import tensorflow as tf\ntf.keras.optimizers.legacy.Adam()\n"}
    unset = run_python_json(IDS.format(cells=cells), env={"TF_USE_LEGACY_KERAS": ""})
    assert "legacy-keras-missing" not in unset["legacy"]
    cells = {
        "first": "import tensorflow as tf\ntf.keras.layers.Dense(1)\n",
        "again": "import tensorflow as tf\ntf.keras.layers.Dense(1)\n",  # RecursionError now
    }
    on = run_python_json(IDS.format(cells=cells), env={"TF_USE_LEGACY_KERAS": "1"})
    assert "legacy-keras-missing" in on["first"]
    assert "legacy-keras-missing" in on["again"]


@pytest.mark.envs("k3-jax")
def test_backend_missing_only_for_the_configured_backend():
    """torch is not installed here; the backend is jax unless KERAS_BACKEND says torch."""
    cells = {"torch": "import torch\n", "keras": "import keras\n"}
    jax = run_python_json(IDS.format(cells=cells), env={"KERAS_BACKEND": "jax"})
    assert "keras3-backend-missing" not in jax["torch"]
    torch = run_python_json(IDS.format(cells=cells), env={"KERAS_BACKEND": "torch"})
    assert "keras3-backend-missing" in torch["keras"]
