"""A script migrates as the cells a notebook of it would have (issue 31, item 1): its top-level
statements grouped by the blank lines between them, each block run once and fixed on its own,
written back with its own formatting. Before, a script was one cell re-run from the top for
every fix, at most five fixes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import document, migrate_json, rule_ids

from kerasmagic.migrate.sources import script_blocks


def test_blocks_join_to_the_file_and_start_with_code() -> None:
    text = (
        "import os\n\n\n# the data\nx = 1; y = 2\n\n@staticmethod\ndef f():\n\n    return 1\n"
        "z = [\n\n    1,\n]\n\n\nif __name__ == '__main__':\n    f()\n"
    )
    blocks = script_blocks(text)
    assert "".join(blocks) == text
    assert [b.splitlines()[0] for b in blocks] == ["import os", "# the data", "@staticmethod", "if __name__ == '__main__':"]  # fmt: skip
    assert script_blocks("def broken(:\n\n    pass\n") == ["def broken(:\n\n    pass\n"]


LOG = "runs.log"
# ten independent Keras 2 problems, one per block; each block notes that it ran
PROBLEMS = [
    "from keras.utils.np_utils import to_categorical",
    "from keras.layers.core import Dense",
    "y = to_categorical(np.arange(32) % 3, 3)",
    "opt1 = keras.optimizers.SGD(lr=0.05)",
    "opt2 = keras.optimizers.Adam(lr=0.01)",
    "opt3 = keras.optimizers.RMSprop(lr=0.001)",
    "model = keras.Sequential([keras.Input((4,)), Dense(3, activation='softmax')])\n"
    "model.compile(optimizer=opt1, loss='categorical_crossentropy', metrics=['accuracy'])",
    "history = model.fit(np.random.rand(32, 4), y, epochs=1, verbose=0)\nprint(history.history['acc'])",
    "classes = model.predict_classes(np.random.rand(2, 4))",
    "model.save_weights('weights.h5')",
    "model.fit_generator(((np.random.rand(8, 4), y[:8]) for _ in range(4)), steps_per_epoch=2, epochs=1, verbose=0)",
]


def _script() -> str:
    blocks = ["import numpy as np\nimport keras\n"]
    for n, code in enumerate(PROBLEMS):
        blocks.append(f"open({LOG!r}, 'a').write('block {n}\\n')\n{code}\n")
    return "\n".join(blocks)


@pytest.mark.envs("tf221-k3")
def test_a_script_with_ten_problems_migrates_in_one_run(tmp_path: Path) -> None:
    path = tmp_path / "old_script.py"
    path.write_text(_script())
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "out"), cwd=tmp_path)
    doc = document(report, "old_script.py")
    assert doc["status"] == "migrated", doc["message"]
    assert len(doc["cells"]) == len(PROBLEMS) + 1
    assert {"moved-module", "optimizer-lr-renamed", "predict-classes-removed"} <= rule_ids(doc)
    # each block ran once, plus once per fix it needed
    runs = (tmp_path / LOG).read_text().split()
    for n, cell in enumerate(doc["cells"][1:]):
        count = runs.count(str(n))
        assert count == 1 + len(cell["changes"]), (n, count, cell["final"])
    # written back with its own formatting: every line it did not change is the same
    migrated = (tmp_path / "out" / "old_script.py").read_text()
    original = path.read_text()
    assert migrated.count("\n\n") == original.count("\n\n")
    (tmp_path / LOG).unlink()
    plain = subprocess.run(
        [sys.executable, str(tmp_path / "out" / "old_script.py")],
        capture_output=True, text=True, timeout=600, cwd=str(tmp_path),
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr[-2000:]


LATER_SETTER = """\
import numpy as np
import keras

opt = keras.optimizers.SGD(lr=0.1, momentum=0.9, decay=0.01)

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(optimizer=opt, loss="mse")

schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
model.fit(np.random.rand(16, 4), np.random.rand(16, 1), epochs=2, callbacks=[schedule], verbose=0)
print("rate", float(model.optimizer.learning_rate))
"""


@pytest.mark.envs("tf221-k3")
def test_a_fix_does_not_break_a_later_block(tmp_path: Path) -> None:
    """``decay=`` becomes a schedule only when nothing sets the rate while training; the block
    that does (a LearningRateScheduler) comes later, and a schedule would make it fail there
    ("not settable"). migrate holds the later blocks: the decay fix is not written."""
    path = tmp_path / "later.py"
    path.write_text(LATER_SETTER)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "out"), cwd=tmp_path)
    doc = document(report, "later.py")
    assert doc["status"] == "migrated", doc["message"]
    migrated = (tmp_path / "out" / "later.py").read_text()
    assert "InverseTimeDecay" not in migrated and "learning_rate=0.1" in migrated
    assert "rate 0.025" in doc["cells"][-1]["output"]


GROWN_BY_BLOCKS = """\
import tensorflow as tf
from tensorflow import keras

def init_weights(shape, name=None):
    return tf.random.normal(shape, stddev=0.01)

model = keras.Sequential()
model.add(keras.Input((3,)))

# hidden layer
model.add(keras.layers.Dense(2, kernel_initializer=init_weights))

print('layers', len(model.layers))
"""


@pytest.mark.envs("tf221-k3")
def test_a_model_grown_block_by_block_starts_again_before_a_corrected_block(tmp_path: Path) -> None:  # fmt: skip
    """Keras 3's ``Sequential.add`` keeps the layer whose build failed (Keras 1's initializer,
    called with ``dtype=``): the block that created the model runs again before the corrected
    block, so the model holds one hidden layer, not the failed one too."""
    path = tmp_path / "grown.py"
    path.write_text(GROWN_BY_BLOCKS)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "out"), cwd=tmp_path)
    doc = document(report, "grown.py")
    assert doc["status"] == "migrated", doc["message"]
    migrated = (tmp_path / "out" / "grown.py").read_text()
    assert "def init_weights(shape, name=None, dtype=None):" in migrated
    run = subprocess.run([sys.executable, str(tmp_path / "out" / "grown.py")], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0 and "layers 1" in run.stdout, run.stderr[-2000:]


KERAS1_INITIALIZER_FUNCTIONS = """\
from keras.models import Sequential
from keras.layers import Dense
from keras import initializations


def init_weights(shape, name=None):
    return initializations.normal(shape, scale=0.01, name=name)


def init_wide(shape, name=None):
    return initializations.uniform(shape, 0.1 * 2, name=name)


model = Sequential()
model.add(Dense(4, input_dim=3, init=init_weights))
model.add(Dense(2, init=init_wide))
kernel = model.get_weights()[0]
print('stddev below 0.05', float(kernel.std()) < 0.05)
"""


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_keras1_initializer_functions_become_the_classes_with_the_same_numbers(tmp_path: Path) -> None:  # fmt: skip
    """Keras 1's documented custom initializer, ``initializations.normal(shape, scale=0.01,
    name=name)``: the module import, the function call (a class configured with the same
    numbers, called with the shape), the layer keyword and the ``dtype=`` Keras now passes are
    all migrated in one run; the kernel is drawn with Keras 1's small standard deviation."""
    path = tmp_path / "init.py"
    path.write_text(KERAS1_INITIALIZER_FUNCTIONS)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "out"), cwd=tmp_path)
    doc = document(report, "init.py")
    assert doc["status"] == "migrated", doc["message"]
    migrated = (tmp_path / "out" / "init.py").read_text()
    assert "RandomNormal(stddev=0.01)(shape)" in migrated
    assert "RandomUniform(minval=-(0.1 * 2), maxval=0.1 * 2)(shape)" in migrated
    run = subprocess.run([sys.executable, str(tmp_path / "out" / "init.py")], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0 and "stddev below 0.05 True" in run.stdout, run.stderr[-2000:]


SESSION_IN_ITS_OWN_BLOCK = """\
import numpy as np
import tensorflow as tf
import keras.backend as K

probabilities = tf.nn.softmax(np.random.randn(1, 10))
session = K.get_session()

values = session.run(probabilities)
print('sum', round(float(values.sum()), 3))
"""


@pytest.mark.envs("tf221-k3")
def test_a_session_read_in_a_later_block_becomes_a_session_that_reads_values(tmp_path: Path) -> None:  # fmt: skip
    """``session = K.get_session()`` in one block and ``session.run(…)`` in the next: the session
    line is never removed on its own (that left a NameError two lines later); it becomes a
    stand-in whose ``run`` reads the values, and the script runs plainly. A later ``run`` fed
    with ``feed_dict`` (a TensorFlow 1 graph) leaves the session as it is."""
    path = tmp_path / "session.py"
    path.write_text(SESSION_IN_ITS_OWN_BLOCK)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "out"), cwd=tmp_path)
    doc = document(report, "session.py")
    migrated = (tmp_path / "out" / "session.py").read_text()
    assert doc["status"] == "migrated", doc["message"]
    assert "session = types.SimpleNamespace(run=" in migrated and "values = session.run(probabilities)" in migrated  # fmt: skip
    run = subprocess.run([sys.executable, str(tmp_path / "out" / "session.py")], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0 and "sum 1.0" in run.stdout, run.stderr[-2000:]
    fed = tmp_path / "fed.py"
    fed.write_text(SESSION_IN_ITS_OWN_BLOCK.replace("session.run(probabilities)", "session.run(probabilities, feed_dict={})"))  # fmt: skip
    proc, report = migrate_json(str(fed), "-o", str(tmp_path / "out2"), cwd=tmp_path)
    assert "SimpleNamespace" not in (tmp_path / "out2" / "fed.py").read_text()


TIME_DISTRIBUTED_DENSE_BELOW_ITS_IMPORT = """\
import numpy as np
from keras.models import Sequential
from keras.layers import LSTM, TimeDistributedDense

model = Sequential()
model.add(LSTM(8, return_sequences=True, input_shape=(5, 3)))
model.add(TimeDistributedDense(2, activation='linear'))
model.compile(loss='mse', optimizer='rmsprop')
model.fit(np.random.rand(10, 5, 3), np.random.rand(10, 5, 2), epochs=1, verbose=0)
print('output', model.output_shape)
"""


@pytest.mark.envs("tf221-k3", "tf215-k2")
def test_a_keras1_wrapped_layer_called_a_block_after_its_corrected_import(tmp_path: Path) -> None:  # fmt: skip
    """The import block is corrected first (``TimeDistributed`` imported instead of Keras 1's
    ``TimeDistributedDense``), so the block that calls it finds the name unbound: the call is the
    wrapper around the layer with the same arguments, the layer imported there (nothing bound it)."""
    path = tmp_path / "tdd.py"
    path.write_text(TIME_DISTRIBUTED_DENSE_BELOW_ITS_IMPORT)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "out"), cwd=tmp_path)
    doc = document(report, "tdd.py")
    assert doc["status"] == "migrated", doc["message"]
    assert "keras1-wrapped-layer" in rule_ids(doc)
    migrated = (tmp_path / "out" / "tdd.py").read_text()
    assert "model.add(TimeDistributed(Dense(2, activation='linear')))" in migrated
    run = subprocess.run([sys.executable, str(tmp_path / "out" / "tdd.py")], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0 and "output (None, 5, 2)" in run.stdout, run.stderr[-2000:]
