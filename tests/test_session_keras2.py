"""A TF 1 session read of Keras values under Keras 2.15 (TF 2.15, where ``K.get_session`` is gone
too): rules/tf1_session_run.py reads the values with the live Keras's own reader. A migrate of a
real tuning file in tf215-k2 once wrote Keras 3's ``keras.tree.map_structure`` there and failed
on that line (lazyprogrammer__test_softmax); Keras 2.15's ``keras.backend.get_value`` (and
TensorFlow's ``tf.nest`` over a structure) read an eager tensor as its array."""

from __future__ import annotations

import pytest
from cell_helpers import run_as_cell

from kerasmagic.diagnosis.engine import diagnose

CELL = (
    "import numpy as np\n"
    "import keras\n"
    "import keras.backend as K\n"
    "np.random.seed(0)\n"
    "ky = keras.activations.softmax(K.variable(np.random.randn(1, 10)))\n"
    "session = K.get_session()\n"
)
LATER = ("ky_ = session.run(ky)\npair = session.run([ky, ky])\n",)  # a later cell runs the session
AT_ONCE = CELL + "ky_ = session.run(ky)\npair = session.run([ky, ky])\n"


def _diagnosed(cell: str, later: tuple[str, ...] = ()) -> str:
    namespace: dict = {}
    with pytest.raises(AttributeError, match="get_session") as raised:
        run_as_cell(cell, "<session>", namespace)
    result = diagnose(cell, raised.value, namespace=namespace, filename="<session>", later=later)
    return result.fixed_source or ""


def _values(*cells: str) -> dict:
    namespace: dict = {}
    for k, cell in enumerate(cells):
        run_as_cell(cell, f"<fixed {k}>", namespace)
    return namespace


@pytest.mark.envs("tf215-k2")
@pytest.mark.parametrize("later", [False, True], ids=["same-cell", "later-cell"])
def test_values_read_with_keras2s_own_reader(later: bool) -> None:
    import numpy as np  # not at the top: the module is collected where NumPy is absent too

    fixed = _diagnosed(CELL, LATER) if later else _diagnosed(AT_ONCE)
    assert "keras.ops" not in fixed and "keras.tree" not in fixed, fixed
    assert "keras.backend.get_value" in fixed or "K.get_value" in fixed, fixed
    done = _values(fixed, *LATER) if later else _values(fixed)
    expected = np.asarray(done["ky"])
    assert isinstance(done["ky_"], np.ndarray) and np.allclose(done["ky_"], expected)
    assert all(isinstance(v, np.ndarray) and np.allclose(v, expected) for v in done["pair"])
