"""A ``Lambda`` whose function reads, from outside, a symbolic tensor the layer is also given: code
written for Keras 2 in graph mode (``disable_eager_execution`` at its top), where the outer tensor
was the one in the graph. ``migrate`` removes the graph mode, then the function reads the input
from its own argument, and the model computes what the graph did."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from kernel_helpers import Kernel, fixed_source, printed
from migrate_helpers import code_cells, migrate_notebook, rule_ids

GATED = [
    "import numpy as np\nimport tensorflow as tf\ntf.compat.v1.disable_eager_execution()\n"
    "from tensorflow.keras import layers, models",
    "features = layers.Input(shape=(6,))\n"
    "scores = layers.Dense(3, kernel_initializer='ones')(features)\n"
    "gate = layers.Dense(3, kernel_initializer='zeros')(features)\n"
    "\n"
    "def gated(pair):\n"
    "    return pair[0] * tf.sigmoid(gate)\n"
    "\n"
    "out = layers.Lambda(gated)((scores, gate))\n"
    "net = models.Model(features, out)",
    "print('gated', net.predict(np.ones((2, 6)), verbose=0).tolist())",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_lambda_reading_its_own_input_from_a_module_name_reads_its_argument(tmp_path: Path) -> None:  # fmt: skip
    """``tf.sigmoid(gate)`` in the function of ``Lambda(gated)((scores, gate))`` becomes
    ``tf.sigmoid(pair[1])``; the gate of zeros halves the scores of six ones, as in the graph."""
    proc, doc = migrate_notebook(tmp_path, "gated.ipynb", GATED)
    assert doc["status"] == "migrated", doc["message"]
    assert "keras3-lambda-outer-input" in rule_ids(doc)
    assert "    return pair[0] * tf.sigmoid(pair[1])\n" in doc["cells"][1]["final"]
    outputs = code_cells(tmp_path / "out" / "gated.ipynb")[-1].outputs
    assert "gated [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]]" in "".join(o.get("text", "") for o in outputs)


SHIFT_DEFINED_EARLIER = [
    "import numpy as np\nimport keras\nimport tensorflow as tf",
    "def shift(args):\n    a, b = args\n    return a + tf.tanh(offset)",
    "inp = keras.Input(shape=(4,))\n"
    "base = keras.layers.Dense(3, kernel_initializer='ones')(inp)\n"
    "offset = keras.layers.Dense(3, kernel_initializer='zeros', bias_initializer='ones')(inp)\n"
    "out = keras.layers.Lambda(shift)([base, offset])\n"
    "net = keras.Model(inp, out)",
    "print('shifted', [round(float(v), 3) for v in net.predict(np.ones((1, 4)), verbose=0)[0]])",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_lambda_function_defined_in_an_earlier_cell_is_changed_there(tmp_path: Path) -> None:
    """``shift`` of cell 1 reads the module's ``offset``, the layer's second input: ``migrate``
    changes cell 1 to read ``b``, the name its first statement unpacks it to; ones through a
    kernel of ones plus tanh(1) is 4.762."""
    proc, doc = migrate_notebook(tmp_path, "shift.ipynb", SHIFT_DEFINED_EARLIER)
    assert doc["status"] == "migrated", doc["message"]
    assert "keras3-lambda-outer-input" in rule_ids(doc)
    assert "    return a + tf.tanh(b)" in doc["cells"][1]["final"]
    assert "Lambda(shift)([base, offset])" in doc["cells"][2]["final"]
    outputs = code_cells(tmp_path / "out" / "shift.ipynb")[-1].outputs
    assert "shifted [4.762, 4.762, 4.762]" in "".join(o.get("text", "") for o in outputs)


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_the_corrected_cell_defines_the_earlier_function_again(kernel: Kernel) -> None:
    """``%%keras_check`` on the cell that builds the layer: the kernel holds cell 1's ``shift``,
    so the corrected cell defines it again, changed, above the cell's own lines, and runs."""
    for source in ["%load_ext kerasmagic", *SHIFT_DEFINED_EARLIER[:2]]:
        printed(kernel.run(source))
    fixed = fixed_source(kernel.run("%%keras_check\n" + SHIFT_DEFINED_EARLIER[2]))
    assert fixed is not None
    assert fixed.index("def shift(args):") < fixed.index("Lambda(shift)([base, offset])")
    assert "return a + tf.tanh(b)" in fixed
    printed(kernel.run(fixed))
    assert "shifted [4.762" in printed(kernel.run(SHIFT_DEFINED_EARLIER[3]))
