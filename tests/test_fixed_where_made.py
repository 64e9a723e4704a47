"""Errors raised far from their cause, fixed where the cause is written, through real kernels:

- one loss for a subclassed model with two outputs and a ``loss_weights`` list, compiled in one
  cell and fitted in the next (rules/error_loss_per_output.py): ``migrate`` repeats the loss in
  the earlier cell's ``compile``; ``%%keras_check`` on the ``fit`` cell compiles the model again
  at its top with the loss repeated;
- a helper module reading ``history['acc']`` from a ``main()`` of one cell, for a model whose
  class another cell compiles with ``'accuracy'`` (migrate/origins.py ``origin_before``);
- a layer class whose ``call`` takes ``training`` with no default, built into a model in a later
  cell (rules/error_call_defaults.py): ``migrate`` gives it ``=None`` in the class's cell,
  ``%%keras_check`` defines the class again, changed, at the top of the corrected cell;
- a ``TensorBoard`` callback made two cells before the ``fit`` it fails in, where TensorFlow 2.21
  installed no tensorboard (rules/error_optional_output.py): ``migrate`` keeps it for when the
  package is installed, where it is made; so is the user's own callback whose method met the
  error, when its code only reads the model (one that sets ``stop_training`` is left);
- an initializer of the user's that Keras calls with ``dtype=``, defined in one cell, given to a
  layer in the next and built in a third (rules/error_user_callables.py): defining it again at
  the failing cell's top cannot reach the layer made before, so ``migrate`` changes the cell that
  defines it and runs the cells from there (migrate/across.py ``tried_earlier``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from kernel_helpers import Kernel, fixed_source, printed
from migrate_helpers import (
    code_cells,
    document,
    migrate_json,
    migrate_notebook,
    migrated_cells,
    notebook,
)

from kerasmagic.render.base import REPORT_JSON

TWO_OUTPUTS = [
    "import numpy as np\nfrom tensorflow import keras",
    "class Wide(keras.Model):\n    def __init__(self, **kwargs):\n        super().__init__(**kwargs)\n"
    "        self.hidden = keras.layers.Dense(4, activation='relu')\n"
    "        self.main = keras.layers.Dense(1)\n        self.aux = keras.layers.Dense(1)\n\n"
    "    def call(self, inputs):\n        h = self.hidden(inputs)\n"
    "        return self.main(h), self.aux(h)",
    "model = Wide()\nmodel.compile(loss='mse', loss_weights=[0.9, 0.1], optimizer='sgd')",
    "x = np.ones((8, 3)); y = np.zeros((8, 1))\n"
    "history = model.fit(x, (y, y), epochs=1, verbose=0)\nprint(sorted(history.history))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_repeats_the_loss_in_the_earlier_cells_compile(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "wide.ipynb", TWO_OUTPUTS)
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert "model.compile(loss=['mse'] * 2, loss_weights=[0.9, 0.1]" in finals[2], finals[2]
    assert finals[3] == TWO_OUTPUTS[3]
    outputs = code_cells(tmp_path / "out" / "wide.ipynb")[-1].outputs
    assert "['loss', " in "".join(o.get("text", "") for o in outputs)  # trained: its losses
    assert proc.returncode == 0


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_check_compiles_the_model_again_in_the_corrected_fit_cell(kernel: Kernel) -> None:  # noqa: F811
    printed(kernel.run("%load_ext kerasmagic"))
    for cell in TWO_OUTPUTS[:3]:
        printed(kernel.run(cell))
    fixed = fixed_source(kernel.run("%%keras_check\n" + TWO_OUTPUTS[3]))
    assert fixed is not None
    assert fixed.startswith(
        "model.compile(loss=['mse'] * 2, loss_weights=[0.9, 0.1], optimizer='sgd')\n"
    ), fixed
    assert fixed.endswith(TWO_OUTPUTS[3])
    assert "['loss', " in printed(kernel.run(fixed))


HELPER_READS_ACC_OF_A_CLASS = [
    "import numpy as np\nfrom tensorflow import keras\nfrom plots import accuracy_seen",
    "class Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n"
    "        self.out = keras.layers.Dense(1, activation='sigmoid')\n"
    "        self.compile(optimizer='sgd', loss='binary_crossentropy', metrics=['accuracy'])\n\n"
    "    def call(self, x):\n        return self.out(x)",
    "def main():\n    net = Net()\n"
    "    history = net.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=1, verbose=0)\n"
    "    print('seen', accuracy_seen(history))",
    "main()",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_renames_the_metric_a_class_compiles_when_a_helper_reads_the_old_key(tmp_path: Path) -> None:  # fmt: skip
    """The error passes through two cells' code (``main()`` of one, the helper module it calls)
    and its cause is a third: the class whose ``__init__`` compiles with ``'accuracy'``; the
    helper beside the notebook reads Keras 2.2's ``history['acc']``. That cell names the metric
    ``'acc'`` (the key Keras then logs), runs again with the cells after it, and ``main()`` runs."""
    (tmp_path / "plots.py").write_text(
        "def accuracy_seen(history):\n    return len(history.history['acc'])\n", encoding="utf-8"
    )
    path = notebook(tmp_path / "deep.ipynb", HELPER_READS_ACC_OF_A_CLASS)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "out"), cwd=tmp_path)
    doc = document(report, "deep.ipynb")
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert "metrics=['acc']" in finals[1], finals[1]
    assert finals[2:] == HELPER_READS_ACC_OF_A_CLASS[2:]
    outputs = code_cells(tmp_path / "out" / "deep.ipynb")[-1].outputs
    assert "seen 1" in "".join(o.get("text", "") for o in outputs)
    assert proc.returncode == 0


# a tf.keras 2.x transformer block whose `call` takes `training` with no default, defined in one
# cell and built into a functional model in another (rules/error_call_defaults.py)
REQUIRED_TRAINING = [
    "import numpy as np\nfrom tensorflow import keras\nfrom tensorflow.keras import layers",
    "class Block(layers.Layer):\n    def __init__(self, units):\n        super().__init__()\n"
    "        self.dense = layers.Dense(units)\n        self.drop = layers.Dropout(0.5)\n\n"
    "    def call(self, inputs, training):\n"
    "        return self.drop(self.dense(inputs), training=training)",
    "inputs = keras.Input((3,))\nblock = Block(2)\nx = block(inputs)\n"
    "model = keras.Model(inputs, x)\nmodel.compile(loss='mse', optimizer='sgd')\n"
    "history = model.fit(np.ones((8, 3)), np.zeros((8, 2)), epochs=1, verbose=0)\n"
    "print(sorted(history.history))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_gives_training_a_default_in_the_earlier_cells_class(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "block.ipynb", REQUIRED_TRAINING)
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert "    def call(self, inputs, training=None):\n" in finals[1], finals[1]
    assert finals[2] == REQUIRED_TRAINING[2]
    outputs = code_cells(tmp_path / "out" / "block.ipynb")[-1].outputs
    assert "['loss']" in "".join(o.get("text", "") for o in outputs)
    assert proc.returncode == 0


HELPER_AFTER_A_BLANK_LINE = [
    "import numpy as np\nfrom keras.models import Sequential\nfrom keras.layers import Dense\n"
    "model = Sequential([Dense(3, activation='softmax', input_shape=(4,))])\n"
    "model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])\n"
    "history = model.fit(np.random.rand(20, 4), np.eye(3)[np.random.randint(0, 3, 20)],\n"
    "                    validation_split=0.2, epochs=2, verbose=0)",
    "\ndef accuracy_curves(history):\n    acc, val_acc = history.history['acc'], history.history['val_acc']\n"
    "    return list(range(1, len(acc) + 1)), val_acc",
    "epochs, val_acc = accuracy_curves(history)\nprint(epochs)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_fixes_a_helper_whose_cell_starts_with_an_empty_line(tmp_path: Path) -> None:
    """The kernel compiles a cell from its first line of code, so the code that raised is the
    cell without its leading empty line: still that cell, fixed there, the empty line kept."""
    proc, doc = migrate_notebook(tmp_path, "curves.ipynb", HELPER_AFTER_A_BLANK_LINE)
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert finals[1].startswith("\ndef accuracy_curves(history):\n"), finals[1]
    assert "history.history['accuracy'], history.history['val_accuracy']" in finals[1]
    assert finals[2] == HELPER_AFTER_A_BLANK_LINE[2]
    outputs = code_cells(tmp_path / "out" / "curves.ipynb")[-1].outputs
    assert "[1, 2]" in "".join(o.get("text", "") for o in outputs)
    assert proc.returncode == 0


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_check_defines_the_class_again_with_the_default(kernel: Kernel) -> None:  # noqa: F811
    printed(kernel.run("%load_ext kerasmagic"))
    for cell in REQUIRED_TRAINING[:2]:
        printed(kernel.run(cell))
    fixed = fixed_source(kernel.run("%%keras_check\n" + REQUIRED_TRAINING[2]))
    assert fixed is not None
    assert fixed.startswith("class Block(layers.Layer):"), fixed
    assert "    def call(self, inputs, training=None):\n" in fixed
    assert fixed.endswith(REQUIRED_TRAINING[2])
    assert "['loss']" in printed(kernel.run(fixed))


# a settings dict made in one cell and unpacked into the optimizer in another: Keras 3 warns
# that `decay` is ignored and trains at a constant rate (rules/trap_optimizers.py)
DECAY_IN_A_DICT = [
    "import numpy as np\nfrom tensorflow import keras\nfrom tensorflow.keras.optimizers import RMSprop",  # fmt: skip
    "opt_cfg = {'decay': 0.5,\n           'rho': 0.9}",
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "model.compile(loss='mse', optimizer=RMSprop(**opt_cfg))\n"
    "model.fit(np.zeros((8, 3)), np.zeros((8, 1)), batch_size=8, epochs=1, verbose=0)\n"
    "print('rate', round(float(model.optimizer.learning_rate), 6))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_folds_the_decay_into_the_rate_where_the_dict_is_made(tmp_path: Path) -> None:
    """The dict's cell gets the schedule (at RMSprop's live default rate, 0.001), the optimizer's
    cell stays as written, and one step later the rate has decayed: 0.001 / (1 + 0.5)."""
    proc, doc = migrate_notebook(tmp_path, "decay.ipynb", DECAY_IN_A_DICT)
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert finals[1] == (
        "opt_cfg = {'learning_rate': keras.optimizers.schedules.InverseTimeDecay(0.001, "
        "decay_steps=1, decay_rate=0.5),\n           'rho': 0.9}"
    ), finals[1]
    assert finals[2] == DECAY_IN_A_DICT[2]
    outputs = code_cells(tmp_path / "out" / "decay.ipynb")[-1].outputs
    assert "rate 0.000667" in "".join(o.get("text", "") for o in outputs)
    assert proc.returncode == 0


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_check_binds_the_dict_again_with_the_schedule(kernel: Kernel) -> None:  # noqa: F811
    printed(kernel.run("%load_ext kerasmagic"))
    for cell in DECAY_IN_A_DICT[:2]:
        printed(kernel.run(cell))
    outputs = kernel.run("%%keras_check\n" + DECAY_IN_A_DICT[2])
    assert "rate 0.001" in printed(outputs)  # ran as written: the decay ignored
    reports = [o["data"][REPORT_JSON] for o in outputs if REPORT_JSON in o.get("data", {})]
    fixed = (reports[-1].get("fixed_source") or "").strip()
    # the dict bound again as its own cell makes it, changed (two lines, as written there): what
    # it reads is unchanged since, so the literal is written rather than a transform of the name
    assert fixed.startswith(
        "opt_cfg = {'learning_rate': keras.optimizers.schedules.InverseTimeDecay(0.001, "
        "decay_steps=1, decay_rate=0.5),\n           'rho': 0.9}\n"
    ), fixed
    assert fixed.endswith(DECAY_IN_A_DICT[2])
    assert "rate 0.000667" in printed(kernel.run(fixed))


BOARD = [
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras",
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "model.compile(optimizer='adam', loss='mse')",
    "import os\nlog_dir = os.path.join('logs', 'fit')\n"
    "board = tf.keras.callbacks.TensorBoard(log_dir=log_dir, histogram_freq=1)\n"
    "callbacks = [keras.callbacks.EarlyStopping(monitor='loss'), board]",
    "history = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, callbacks=callbacks, verbose=0)\n"
    "print(len(history.history['loss']))",
]


@pytest.mark.envs("tf221-k3")
def test_migrate_keeps_a_tensorboard_callback_made_cells_before_for_when_tensorboard_is_installed(
    tmp_path: Path,
) -> None:
    """TensorFlow 2.21 installs no tensorboard: the ``fit`` two cells after the callback was made
    (and put in a list) fails; the callback is rewritten where it is made, the training runs."""
    proc, doc = migrate_notebook(tmp_path, "board.ipynb", BOARD)
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert (
        "board = tf.keras.callbacks.TensorBoard(log_dir=log_dir, histogram_freq=1) "
        "if importlib.util.find_spec('tensorboard') else tf.keras.callbacks.Callback()"
    ) in finals[2], finals[2]
    assert finals[2].startswith("import importlib.util\n"), finals[2]
    assert finals[3] == BOARD[3]
    outputs = code_cells(tmp_path / "out" / "board.ipynb")[-1].outputs
    assert "2" in "".join(o.get("text", "") for o in outputs)  # both epochs trained
    assert proc.returncode == 0


def own_callbacks(write: str) -> list[str]:
    """A notebook whose own callbacks write a summary in their ``on_epoch_end`` (``write``: how
    each keeps what the write returns, ``{call}`` the write): one only reads the model, one
    steers the training (``stop_training``)."""
    image = write.format(call="tf.summary.image('pred', pred[..., None], step=epoch)")
    scalar = write.format(call="tf.summary.scalar('loss', logs['loss'], step=epoch)")
    return [
        "import numpy as np\nimport tensorflow as tf",
        "class ImageLogger(tf.keras.callbacks.Callback):\n"
        "    def __init__(self, log_dir, images):\n        super().__init__()\n"
        "        self.writer = tf.summary.create_file_writer(log_dir)\n        self.images = images\n"
        "        self.written = 0\n\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        "        pred = self.model.predict(self.images, verbose=0)\n"
        "        with self.writer.as_default():\n"
        f"            {image}",
        "class Stopper(tf.keras.callbacks.Callback):\n"
        "    written = 0\n\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        f"        {scalar}\n"
        "        self.model.stop_training = logs['loss'] < 0.0",
        "model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])\n"
        "model.compile(optimizer='adam', loss='mse')\n"
        "callbacks = [ImageLogger('logs', np.ones((2, 3))), tf.keras.callbacks.EarlyStopping(monitor='loss')]",
        "history = model.fit(np.ones((8, 3)), np.ones((8, 2)), epochs=2, callbacks=callbacks, verbose=0)\n"
        "print(len(history.history['loss']))",
        "model.fit(np.ones((8, 3)), np.ones((8, 2)), epochs=1, callbacks=[Stopper()], verbose=0)\n"
        "print('stopper ran')",
    ]


@pytest.mark.envs("tf221-k3")
def test_migrate_makes_the_users_own_callbacks_kept_summary_wait_where_it_is_defined(
    tmp_path: Path,
) -> None:
    """The user's callbacks met "TensorBoard is not installed" in their own methods (read from
    the traceback), each keeping what its write returned (``written = tf.summary.image(…)``):
    the write waits for the package in the cell that defines the class, giving ``False`` as a
    write without a writer does, and both callbacks run as they were, the one that steers the
    training included."""
    cells = own_callbacks("written = {call}")
    finals, shown = migrated_cells(tmp_path, "kept.ipynb", cells)
    guard = "if importlib.util.find_spec('tensorboard') else False"
    assert "written = tf.summary.image('pred', pred[..., None], step=epoch) " + guard in finals[1]
    assert "written = tf.summary.scalar('loss', logs['loss'], step=epoch) " + guard in finals[2]
    assert finals[3:] == cells[3:] and "stopper ran" in shown


@pytest.mark.envs("tf221-k3")
def test_migrate_stands_in_for_the_users_own_summary_callback_only_when_it_only_reads(
    tmp_path: Path,
) -> None:
    """The user's callback that met "TensorBoard is not installed" in its own method (read from
    the traceback), adding what its write returned to a count (no statement of its own to skip,
    no result kept to stand in for), stands in where it is made when its code only reads the
    model; one that steers the training (``stop_training``) is left, and the notebook stops
    there."""
    cells = own_callbacks("self.written += int({call})")
    proc, doc = migrate_notebook(tmp_path, "own.ipynb", cells)
    finals = [c["final"] for c in doc["cells"]]
    assert (
        "ImageLogger('logs', np.ones((2, 3))) if importlib.util.find_spec('tensorboard') "
        "else keras.callbacks.Callback()"
    ) in finals[3], finals[3]
    assert finals[4] == cells[4] and finals[5] == cells[5]
    assert doc["cells"][5]["status"] == "failed"  # Stopper steers the training: not stood in
    assert proc.returncode != 0


SUBCLASS_WITHOUT_KWARGS = [
    "import numpy as np\nimport tensorflow as tf\n\nclass Net(tf.keras.Model):\n"
    "    def __init__(self):\n        super().__init__()\n        self.d = tf.keras.layers.Dense(2)\n\n"
    "    def call(self, x):\n        return self.d(x)",
    "net = Net()\nnet.compile(optimizer='adam', loss='mse')\nx = np.random.rand(8, 3).astype('float32')\n"
    "net.fit(x, np.random.rand(8, 2), epochs=1, verbose=0)\nnet.save('net.keras')",
    "again = tf.keras.models.load_model('net.keras', custom_objects={'Net': Net})\n"
    "print('same', np.allclose(again.predict(x, verbose=0), net.predict(x, verbose=0)))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_gives_the_earlier_cells_model_class_kwargs_when_loading_rebuilds_it(tmp_path: Path) -> None:  # fmt: skip
    """The class is defined cells before the load that rebuilds it from its config: that cell
    gets ``**kwargs`` (passed to ``super().__init__``), runs again with the cells after it, and
    the loaded model predicts what the saved one did."""
    proc, doc = migrate_notebook(tmp_path, "subclass.ipynb", SUBCLASS_WITHOUT_KWARGS)
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert "def __init__(self, **kwargs):\n        super().__init__(**kwargs)" in finals[0]
    assert finals[1:] == SUBCLASS_WITHOUT_KWARGS[1:]
    assert "same True" in doc["cells"][2]["output"]
    assert proc.returncode == 0


TWO_NAMED_MODELS = [
    "import numpy as np\nimport keras",
    "m1 = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name='Model One')",
    "m2 = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name=\"Model Two\")",
    "for m in (m1, m2):\n    m.compile(optimizer='adam', loss='mse')",
    "h1 = m1.fit(np.zeros((8, 3)), np.zeros((8, 2)), verbose=0)\n"
    "h2 = m2.fit(np.zeros((8, 3)), np.zeros((8, 2)), verbose=0)\nprint(m1.name, m2.name)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_renames_each_model_in_the_cell_that_names_it(tmp_path: Path) -> None:
    """Two models named with spaces in two cells, trained cells later: TensorFlow refuses each
    name at its first ``fit`` and keeps the refused name on Keras's name-scope stack. ``migrate``
    renames the first model where it is named, runs the notebook again in a fresh kernel, meets
    the second, renames it there too and runs it again: the notebook trains both."""
    proc, doc = migrate_notebook(tmp_path, "named.ipynb", TWO_NAMED_MODELS)
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert "name='Model_One'" in finals[1] and 'name="Model_Two"' in finals[2], finals
    assert finals[4] == TWO_NAMED_MODELS[4]
    outputs = code_cells(tmp_path / "out" / "named.ipynb")[-1].outputs
    assert "Model_One Model_Two" in "".join(o.get("text", "") for o in outputs)
    assert proc.returncode == 0


@pytest.mark.envs("tf221-k3", "colab", "tf215-k2", "k3-jax")
def test_a_name_tensorflow_would_refuse_is_changed_where_the_model_is_made() -> None:
    """After the naming cell ran, before anything trains: under TensorFlow the literal is renamed
    (a trap: the refusal comes cells later and leaves the name on the scope stack); under JAX,
    which opens no TensorFlow scope, nothing is said."""
    import keras

    from kerasmagic.diagnosis.engine import after_cell
    from kerasmagic.probes.keras_setup import keras_backend

    source = (
        "model = keras.Sequential([keras.layers.Dense(2, name='out layer')],\n"
        "                         name='My Model 1')"
    )
    namespace = {"keras": keras}
    exec(source, namespace)
    result = after_cell(source, namespace=namespace)
    traps = (result.to_dict()["traps"] if result is not None else [])
    if keras_backend() != "tensorflow":
        assert traps == []
        return
    assert [t["id"] for t in traps] == ["tf-scope-name-made"]
    fixed = traps[0]["fixed_source"]
    assert "name='out_layer'" in fixed and "name='My_Model_1'" in fixed
    exec(fixed, namespace)
    model = namespace["model"]
    model.compile(optimizer="adam", loss="mse")
    import numpy as np

    model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)  # trains under the new names


INITIALIZER_THEN_LAYER = [
    "import numpy as np\nimport keras",
    "def scaled_normal(shape, name=None):\n    return keras.ops.convert_to_tensor(np.full(shape, 0.5, dtype=\"float32\"))",
    "layer = keras.layers.Dense(2, kernel_initializer=scaled_normal)",
    "layer.build((None, 3))\nprint(float(keras.ops.sum(layer.kernel)))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_changes_the_function_where_it_is_defined_when_an_object_made_between_holds_it(tmp_path: Path) -> None:  # fmt: skip
    proc, doc = migrate_notebook(tmp_path, "init.ipynb", INITIALIZER_THEN_LAYER)
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert finals[1].startswith("def scaled_normal(shape, name=None, dtype=None):\n"), finals[1]
    assert finals[2:] == INITIALIZER_THEN_LAYER[2:]  # the layer made again over the new function
    outputs = code_cells(tmp_path / "out" / "init.ipynb")[-1].outputs
    assert "".join(o.get("text", "") for o in outputs).strip() == "3.0"
    assert proc.returncode == 0


# Keras 1's Merge of two Sequential branches, each made in one cell and given its Embedding in
# the next: the import cell takes the layer the later Merge needs (rules/keras1_merge.py), the
# Merge fails on branches Keras 3 left unbuilt (input_length ignored), and each branch's
# ``add`` cell is corrected after its ``Sequential()`` cell runs again (migrate/rerun.py
# ``accumulated``): run alone, it would give the branch a second Embedding.
MERGED_BRANCHES = [
    "import numpy as np\nfrom keras.layers import Embedding, Merge, Flatten, Dense\nfrom keras.models import Sequential",
    "left = Sequential()",
    "left.add(Embedding(50, 4, input_length=1))",
    "right = Sequential()",
    "right.add(Embedding(30, 2, input_length=1))",
    "model = Sequential()\nmodel.add(Merge([left, right], mode='concat'))\nmodel.add(Flatten())\n"
    "model.add(Dense(1))\nmodel.compile(loss='mse', optimizer='adam')",
    "a = np.random.randint(0, 30, (16, 1))\nmodel.fit([a, a], np.ones((16, 1)), epochs=1, verbose=0)\n"
    "print(len(left.layers), len(right.layers), model.predict([a, a], verbose=0).shape)",
]


@pytest.mark.envs("tf221-k3")
def test_merged_branches_are_corrected_where_each_gets_its_embedding(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "merged.ipynb", MERGED_BRANCHES)
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert "Concatenate" in finals[0] and "Merge" not in finals[0]
    assert finals[2] == "left.add(Embedding(50, 4, input_shape=(1,)))", finals[2]
    assert finals[4] == "right.add(Embedding(30, 2, input_shape=(1,)))", finals[4]
    outputs = code_cells(tmp_path / "out" / "merged.ipynb")[-1].outputs
    assert "1 1 (16, 1)" in printed(outputs), printed(outputs)  # one Embedding each


METRIC_COMPILED_BETWEEN = [
    "import numpy as np\nimport tensorflow as tf\nlabels = np.random.randint(0, 2, (12, 1))",
    "def hit_rate(y_true, y_pred):\n    hits = tf.reduce_sum(y_true * tf.round(y_pred))\n"
    "    return hits / (tf.reduce_sum(y_true) + 1e-7)",
    "clf = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(1, activation='sigmoid')])",
    "clf.compile(optimizer='sgd', loss='binary_crossentropy', metrics=[hit_rate])",
    "log = clf.fit(np.random.rand(12, 4), labels, epochs=1, verbose=0)\nprint('logged', sorted(log.history))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_runs_the_cells_again_when_a_compile_between_holds_the_metric_it_changes(tmp_path: Path) -> None:  # fmt: skip
    """Integer labels meet the user's metric in ``fit``; the metric is fixed where it is defined,
    and the ``compile`` of the cell between holds the old function: the fix defining it again at
    the ``fit`` cell's top fails otherwise (a TensorFlow error no rule reads), so the cells from
    the definition run again (migrate/across.py ``tried_earlier``) and the metric is logged."""
    finals, printed = migrated_cells(tmp_path, "metric.ipynb", METRIC_COMPILED_BETWEEN)
    assert "cast" in finals[1], finals[1]
    assert finals[3:] == METRIC_COMPILED_BETWEEN[3:]
    assert "hit_rate" in printed
