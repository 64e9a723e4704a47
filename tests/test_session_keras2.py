"""A TF 1 session read of Keras values under Keras 2.15 (TF 2.15, where ``K.get_session`` is gone
too): rules/tf1_session_run.py reads the values with Keras 3's ``keras.ops``/``keras.tree``, which
Keras 2.15 lacks, so it rewrites nothing there (a migrate of a real tuning file in tf215-k2 wrote
``keras.tree.map_structure`` and failed on that line: lazyprogrammer__test_softmax)."""

from __future__ import annotations

import pytest
from cell_helpers import run_as_cell

from kerasmagic.diagnosis.engine import diagnose

CELL = (
    "import numpy as np\n"
    "import keras\n"
    "import keras.backend as K\n"
    "ky = keras.activations.softmax(K.variable(np.random.randn(1, 10)))\n"
    "session = K.get_session()\n"
)
LATER = ("ky_ = session.run(ky)\n",)  # a later cell runs the session


@pytest.mark.envs("tf215-k2")
def test_no_keras3_spelling_is_written_under_keras2() -> None:
    namespace: dict = {}
    with pytest.raises(AttributeError, match="get_session") as raised:
        run_as_cell(CELL, "<session>", namespace)
    result = diagnose(CELL, raised.value, namespace=namespace, filename="<session>", later=LATER)
    fixed = result.fixed_source or ""
    assert "keras.ops" not in fixed and "keras.tree" not in fixed, fixed
