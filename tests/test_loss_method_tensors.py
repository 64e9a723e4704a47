"""A loss that is a method of the notebook's own class and reads the model's symbolic tensors from
``self`` (``compile(loss=self.penalised)`` in ``__init__``, a Keras-2-era class-based VAE): the
method takes them as parameters and a layer adds it where the tensors are
(diagnosis/loss_method_tensors.py). The layer adds the loss averaged over the batch, as
``compile`` averaged a per-sample loss: with a learning rate of 0 the model keeps its zero
weights, and the loss of ones against zeros is 1.0 (a sum over the batch of 8 would be 8.0)."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import code_cells, migrate_notebook, rule_ids

CELLS = [
    "import numpy as np\nimport keras",
    "class Shrinker:\n"
    "    def __init__(self):\n"
    "        inp = keras.Input((3,))\n"
    "        self.code = keras.layers.Dense(2, kernel_initializer='zeros')(inp)\n"
    "        out = keras.layers.Dense(3, kernel_initializer='zeros')(self.code)\n"
    "        self.net = keras.Model(inp, out)\n"
    "        self.net.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss=self.penalised)\n"
    "\n"
    "    def penalised(self, target, guess):\n"
    "        squared = keras.ops.mean(keras.ops.square(target - guess), axis=-1)\n"
    "        return squared + keras.ops.mean(keras.ops.abs(self.code), axis=-1)\n",
    "shrinker = Shrinker()\nx = np.ones((8, 3), 'float32')\n"
    "shrinker.net.fit(x, x, epochs=1, batch_size=8, verbose=0)\n"
    "print('loss', round(float(shrinker.net.evaluate(x, x, batch_size=8, verbose=0)), 3))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_loss_method_reading_its_objects_tensors_is_added_where_they_are(tmp_path: Path) -> None:  # fmt: skip
    proc, doc = migrate_notebook(tmp_path, "shrinker.ipynb", CELLS)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    assert "keras3-loss-outer-tensors" in rule_ids(doc)
    final = doc["cells"][1]["final"]
    assert "def penalised(self, target, guess, code):" in final, final
    assert "keras.ops.abs(code)" in final
    assert "self.net.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0))" in final
    outputs = code_cells(tmp_path / "out" / "shrinker.ipynb")[-1].outputs
    assert "loss 1.0" in "".join(o.get("text", "") for o in outputs)


GLOBAL_CELLS = [
    "import numpy as np\nimport keras",
    "inp = keras.Input((3,))\n"
    "code = keras.layers.Dense(2, kernel_initializer='zeros')(inp)\n"
    "out = keras.layers.Dense(3, kernel_initializer='zeros')(code)\n"
    "def penalised(target, guess):\n"
    "    return keras.ops.mean(keras.ops.square(target - guess), axis=-1) + keras.ops.mean(keras.ops.abs(code), axis=-1)\n"
    "net = keras.Model(inp, out)\n"
    "net.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss=penalised)",
    "x = np.ones((8, 3), 'float32')\nnet.fit(x, x, epochs=1, batch_size=8, verbose=0)\n"
    "print('loss', round(float(net.evaluate(x, x, batch_size=8, verbose=0)), 3))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_loss_function_reading_global_tensors_keeps_its_batch_average(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "penalised.ipynb", GLOBAL_CELLS)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    assert "keras3-loss-outer-tensors" in rule_ids(doc)
    outputs = code_cells(tmp_path / "out" / "penalised.ipynb")[-1].outputs
    assert "loss 1.0" in "".join(o.get("text", "") for o in outputs)
