"""A binding made in an earlier cell counts as one made in the cell: ``from tensorflow import
keras`` (TensorFlow's lazy loader of ``tf.keras``) or ``K`` bound to ``tf.keras.backend`` by the
tutorial's first cell, then a Keras-2-era line in a later cell. Through a real kernel: the magics
(``%%keras_check``, ``%keras_check on``) and ``migrate``; every corrected cell is then run."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS, TF_KERAS_IS, here
from kernel_helpers import Kernel, fixed_source, printed
from migrate_helpers import (
    code_cells,
    document,
    migrate_json,
    migrate_notebook,
    migrated_cells,
    notebook,
)

FIRST_CELLS = (
    "import numpy as np\nfrom tensorflow import keras",
    "import tensorflow.keras.backend as K\nfrom tensorflow.keras import backend as B",
)


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_check_magics_read_what_an_earlier_cell_bound(kernel: Kernel) -> None:
    assert printed(kernel.run("%load_ext kerasmagic")) == ""
    for cell in FIRST_CELLS:
        printed(kernel.run(cell))
    # the lazy loader `keras` bound before: the same diagnosis as with the import in the cell
    fixed = fixed_source(kernel.run("%%keras_check\nopt = keras.optimizers.SGD(lr=0.05)"))
    assert fixed == "opt = keras.optimizers.SGD(learning_rate=0.05)"
    printed(kernel.run(fixed))
    # tf.keras.backend of Keras 3 (its legacy copy) bound before, failing inside set_value
    for k in ("K", "B"):
        fixed = fixed_source(kernel.run(f"%%keras_check\n{k}.set_value(opt.learning_rate, 0.01)"))
        assert fixed == "opt.learning_rate.assign(0.01)"
        printed(kernel.run("opt.learning_rate.assign(0.5)"))
        printed(kernel.run(fixed))
        assert printed(kernel.run("print(round(float(opt.learning_rate), 6))")).strip() == "0.01"
    # %keras_check on: every cell checked, the same reading of the namespace
    printed(kernel.run("%keras_check on"))
    fixed = fixed_source(kernel.run("opt2 = keras.optimizers.Adam(lr=0.5)"))
    assert fixed == "opt2 = keras.optimizers.Adam(learning_rate=0.5)"
    printed(kernel.run(fixed))
    assert printed(kernel.run("print(float(opt2.learning_rate))")).strip() == "0.5"
    fixed = fixed_source(kernel.run("B.set_value(opt2.learning_rate, 0.25)"))
    assert fixed == "opt2.learning_rate.assign(0.25)"
    # numpy bound before: the list given as data wrapped with that `np`, nothing imported again
    printed(kernel.run("m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])"))
    fixed = fixed_source(kernel.run("p = m.predict([[1.0, 2.0]], verbose=0)"))
    assert fixed == "p = m.predict(np.asarray([[1.0, 2.0]]), verbose=0)"
    printed(kernel.run(fixed + "\nprint(p.shape)"))
    printed(kernel.run("%keras_check off"))


NOTEBOOK = [
    FIRST_CELLS[0] + "\n" + FIRST_CELLS[1],
    "opt = keras.optimizers.SGD(lr=0.05)",
    "K.set_value(opt.lr, 0.01)",
    "print('rate', round(float(opt.learning_rate), 6))",
]


@pytest.mark.envs("tf221-k3", "tf215-k2", "tf221-legacy")
def test_migrate_fixes_the_cells_that_use_an_earlier_cells_bindings(tmp_path: Path) -> None:
    """Keras 3: `lr=` renamed, `K.set_value(opt.lr, …)` → `opt.learning_rate.assign(…)` (two
    errors, two rounds). Keras 2.15 / tf_keras: `lr=` is accepted and IGNORED there, so the
    only change is the trap's `learning_rate=`; `K.set_value` works and is left alone."""
    finals, shown = migrated_cells(tmp_path, "tutorial.ipynb", NOTEBOOK)
    assert finals[1] == "opt = keras.optimizers.SGD(learning_rate=0.05)"
    keras3 = here(TF_KERAS_IS) == "keras3"  # tf.keras is Keras 3: its backend's legacy copy
    assert finals[2] == ("opt.learning_rate.assign(0.01)" if keras3 else NOTEBOOK[2])
    assert finals[0] == NOTEBOOK[0] and finals[3] == NOTEBOOK[3]
    assert "rate 0.01" in shown


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_submodule_bound_before_is_read_again_at_every_diagnosis(kernel: Kernel) -> None:
    """``from tensorflow.keras import layers`` imports ``tensorflow.keras`` as a package of that
    name whose ``layers`` is ``keras._tf_keras.keras.layers``: the chain through the removed
    ``experimental.preprocessing`` is fixed at the first diagnosis and at every one after it
    (reading the live module once imported a second copy, ``tensorflow.keras.layers``, into
    the kernel, and every later diagnosis failed to map ``layers`` back to a public path)."""
    printed(kernel.run("%load_ext kerasmagic"))
    printed(kernel.run("import tensorflow as tf\nfrom tensorflow.keras import layers"))
    for name in ("RandomFlip('horizontal')", "RandomRotation(0.1)", "Rescaling(1./255)"):
        cell = f"augment = tf.keras.Sequential([layers.experimental.preprocessing.{name}])"
        fixed = fixed_source(kernel.run(f"%%keras_check\n{cell}"))
        assert fixed == f"augment = tf.keras.Sequential([layers.{name}])"
        printed(kernel.run(fixed))
    out = printed(kernel.run("import sys\nprint('tensorflow.keras.layers' in sys.modules)"))
    assert out.strip() == "False"  # nothing imported into the kernel under a second name


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_plain_module_an_earlier_cell_imported_is_read_as_imported(kernel: Kernel) -> None:
    """Not only Keras modules: ``import numpy`` in the first cell, then the Keras-2-era
    ``numpy.set_printoptions(threshold='nan')`` beside the model's layers in a later one. The
    rule resolves ``numpy.set_printoptions`` through the earlier cell's binding (only Keras
    modules were bound before, so the later cell was "no TF/Keras version problem")."""
    printed(kernel.run("%load_ext kerasmagic"))
    printed(kernel.run("import numpy\nimport keras\n"
                       "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])"))  # fmt: skip
    cell = (
        "numpy.set_printoptions(threshold='nan')\nfor layer in model.layers:\n    print(layer.name)"
    )
    fixed = fixed_source(kernel.run(f"%%keras_check\n{cell}"))
    assert fixed is not None and "numpy.set_printoptions(threshold=sys.maxsize)" in fixed, fixed
    assert "dense" in printed(kernel.run(fixed))


KERAS1_INITIALIZER = [
    "import tensorflow as tf\nfrom tensorflow import keras\n\n"
    "def init_weights(shape, name=None):\n    return tf.random.normal(shape, stddev=0.01)",
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_initializer=init_weights)])\n"
    "print('kernel', tuple(model.layers[0].kernel.shape))",
]


@pytest.mark.envs("tf221-k3", "tf215-k2")
def test_migrate_changes_the_earlier_cell_that_defines_the_function_keras_calls(tmp_path: Path) -> None:  # fmt: skip
    """Keras 1's custom initializer ``def init_weights(shape, name=None)``, defined in one cell and
    given to a layer in a later one: Keras 2+ calls it with ``dtype=``. The definition gains
    ``dtype=None`` in its own cell; the cell that failed is left as it was."""
    finals, shown = migrated_cells(tmp_path, "init.ipynb", KERAS1_INITIALIZER)
    assert "def init_weights(shape, name=None, dtype=None):" in finals[0]
    assert finals[1] == KERAS1_INITIALIZER[1]
    assert "kernel (3, 2)" in shown


HELPER_READS_OLD_KEYS = [
    "import numpy as np\nimport keras\nfrom plots import last_accuracy",
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation='sigmoid')])\n"
    "model.compile('sgd', 'binary_crossentropy', metrics=['accuracy'])",
    "history = model.fit(np.zeros((8, 3)), np.zeros((8, 1)), validation_split=0.5, epochs=1, verbose=0)",
    "print('last', last_accuracy(history))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_fixes_the_earlier_cell_a_helper_module_needs_and_runs_the_cells_after(tmp_path: Path) -> None:  # fmt: skip
    """A helper module beside the notebook (the course's ``plots.py``) reads Keras 2.2's
    ``history.history['acc']``; the cell that fails only calls it, and the metric is named by the
    ``compile`` of an earlier cell. That cell is corrected (``metrics=['acc']``, the name Keras
    logs it under then), run again with the cells after it, and the failing cell runs as it was."""
    (tmp_path / "plots.py").write_text(
        "def last_accuracy(history):\n    return history.history['acc'][-1] >= 0\n",
        encoding="utf-8",
    )
    path = notebook(tmp_path / "course.ipynb", HELPER_READS_OLD_KEYS)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "out"), cwd=tmp_path)
    doc = document(report, "course.ipynb")
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert "metrics=['acc']" in finals[1]
    assert finals[3] == HELPER_READS_OLD_KEYS[3] and finals[2] == HELPER_READS_OLD_KEYS[2]
    outputs = code_cells(tmp_path / "out" / "course.ipynb")[-1].outputs
    assert "last True" in "".join(o.get("text", "") for o in outputs)
    assert proc.returncode == 0


STATEFUL_ON_A_PIPELINE = [
    "import numpy as np\nimport tensorflow as tf\nkeras = tf.keras\n\n"
    "def windows(series, size):\n"
    "    ds = tf.data.Dataset.from_tensor_slices(tf.expand_dims(series, axis=-1))\n"
    "    ds = ds.window(size + 1, shift=size, drop_remainder=True)\n"
    "    ds = ds.flat_map(lambda w: w.batch(size + 1)).map(lambda w: (w[:-1], w[1:]))\n"
    "    return ds.batch(1).prefetch(1)",
    "series = np.sin(np.arange(200, dtype='float32') / 10)\ntrain_set = windows(series, 30)\n"
    "model = keras.Sequential([keras.Input(batch_shape=(1, None, 1)),\n"
    "    keras.layers.SimpleRNN(8, return_sequences=True, stateful=True), keras.layers.Dense(1)])\n"
    "model.compile(loss='mse', optimizer='sgd')\n"
    "history = model.fit(train_set, epochs=1, verbose=0)\nprint('trained', len(history.history['loss']))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_batches_a_stateful_models_pipeline_where_an_earlier_cell_makes_it(tmp_path: Path) -> None:  # fmt: skip
    """A stateful RNN fed by a pipeline function of an earlier cell (the TF time-series courses):
    Keras 3 on TensorFlow refuses batches of unknown size. The function's ``.batch(1)`` gains
    ``drop_remainder=True`` in its own cell, found by following ``train_set`` to the call of the
    function and into its ``return``; the failing cell is left as it was and runs."""
    finals, shown = migrated_cells(tmp_path, "stateful.ipynb", STATEFUL_ON_A_PIPELINE)
    assert "return ds.batch(1, drop_remainder=True).prefetch(1)" in finals[0]
    assert finals[1] == STATEFUL_ON_A_PIPELINE[1]
    assert "trained 1" in shown


ONE_OPTIMIZER_A_MODEL_FUNCTION = [
    "import numpy as np\nfrom tensorflow import keras\n\nsgd = keras.optimizers.SGD(0.05, momentum=0.8)",
    "def define_model():\n"
    "    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation='softmax')])\n"
    "    model.compile(loss='categorical_crossentropy', optimizer=sgd)\n    return model",
    "x = np.random.rand(16, 4).astype('float32')\ny = keras.utils.to_categorical(np.arange(16) % 2, 2)\n"
    "first = define_model()\nfirst.fit(x, y, epochs=1, verbose=0)",
    "second = define_model()\nsecond.fit(x, y, epochs=1, verbose=0)\nprint('trained both')",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_gives_each_model_its_optimizer_where_an_earlier_cell_compiles_it(tmp_path: Path) -> None:  # fmt: skip
    """One ``sgd`` for every model a ``define_model()`` of its own cell compiles; the second
    model's ``fit``, two cells later, fails. The failing cell has no ``compile``: the earlier
    cells are diagnosed with its error, the function's cell gets a copy of the optimizer per
    model, and it runs again with the cells after it; the failing cell then runs unchanged."""
    finals, shown = migrated_cells(tmp_path, "shared.ipynb", ONE_OPTIMIZER_A_MODEL_FUNCTION)
    assert "optimizer=type(sgd).from_config(sgd.get_config())" in finals[1]
    assert finals[2:] == ONE_OPTIMIZER_A_MODEL_FUNCTION[2:]
    assert "trained both" in shown


FORWARD_PASS_AS_DUNDER_CALL = [
    "import os\nimport tempfile\nimport numpy as np\nimport tensorflow as tf\n"
    "from tensorflow.keras import Model, layers",
    "class NeuralNet(Model):\n    def __init__(self):\n        super().__init__(name='NeuralNet')\n"
    "        self.fc1 = layers.Dense(8, activation='relu')\n        self.out = layers.Dense(3)\n\n"
    "    def __call__(self, x, is_training=False):\n        x = self.out(self.fc1(x))\n"
    "        return x if is_training else tf.nn.softmax(x)",
    "net = NeuralNet()\npred = net(np.ones((2, 4), 'float32'), is_training=True)",
    "path = os.path.join(tempfile.mkdtemp(), 'net.weights.h5')\nnet.save_weights(path)\n"
    "print('saved', os.path.exists(path))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_renames_an_earlier_cells_dunder_call_when_the_model_is_never_built(tmp_path: Path) -> None:  # fmt: skip
    """A TF 2.0-era model whose forward pass is ``__call__``: Keras 3 never marks it built and
    refuses ``save_weights`` two cells later. The class's cell (found by diagnosing the earlier
    cells with the error) gets ``def call``, runs again with the cells after it, and the save
    then runs unchanged."""
    finals, shown = migrated_cells(tmp_path, "dunder.ipynb", FORWARD_PASS_AS_DUNDER_CALL)
    assert "    def call(self, x, is_training=False):" in finals[1]
    assert finals[2:] == FORWARD_PASS_AS_DUNDER_CALL[2:]
    assert "saved True" in shown


FORWARD_PASS_IN_TF_FUNCTION = [
    "import numpy as np\nimport tensorflow as tf",
    "class Actor(tf.keras.Model):\n    def __init__(self):\n        super().__init__()\n"
    "        self.d1 = tf.keras.layers.Dense(8, activation='relu')\n"
    "        self.d2 = tf.keras.layers.Dense(2)\n\n    @tf.function\n"
    "    def call(self, x):\n        return self.d2(self.d1(x))",
    "actor = Actor()\nopt = tf.keras.optimizers.SGD(learning_rate=0.1)\n"
    "x = np.ones((4, 3), 'float32')\nactor(x)",
    "with tf.GradientTape() as tape:\n    loss = tf.reduce_sum(actor(x) ** 2)\n"
    "grads = tape.gradient(loss, actor.trainable_variables)\n"
    "opt.apply_gradients(zip(grads, actor.trainable_variables))\n"
    "print('applied', sum(g is None for g in grads))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_drops_tf_function_from_an_earlier_cells_call_when_gradients_are_none(tmp_path: Path) -> None:  # fmt: skip
    """A TF 2.0-era model whose ``call`` is a ``tf.function``: in Keras 3 the tape two cells
    later gets no gradient for its sublayers and ``apply_gradients`` raises. The class's cell
    (found by diagnosing the earlier cells with the error) loses the decorator and runs again
    with the cells after it; the training cell then runs unchanged, every gradient there."""
    proc, doc = migrate_notebook(tmp_path, "agent.ipynb", FORWARD_PASS_IN_TF_FUNCTION)
    assert proc.returncode == 0, doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    outputs = code_cells(tmp_path / "out" / "agent.ipynb")[-1].outputs
    assert "applied 0" in "".join(o.get("text", "") for o in outputs)
    assert finals[2:] == FORWARD_PASS_IN_TF_FUNCTION[2:]
    assert "@tf.function" not in finals[1] and "    def call(self, x):" in finals[1]


RESUMED_FROM_H5 = [
    "import numpy as np\nfrom tensorflow import keras\nMODEL_FILE = 'regressor.h5'\n"
    "X = np.random.rand(32, 4).astype('float32')\ny = np.random.rand(32, 1).astype('float32')",
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(1)])\n"
    "model.compile(optimizer='adam', loss=keras.losses.MeanSquaredError())\n"
    "model.fit(X, y, epochs=1, verbose=0)\nmodel.save(MODEL_FILE)",
    "restored = keras.models.load_model(MODEL_FILE)\nprint('steps', int(restored.optimizer.iterations))",
    "restored.fit(X, y, epochs=1, verbose=0)\nprint('resumed', int(restored.optimizer.iterations))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_saves_as_keras_when_a_model_loaded_from_h5_is_trained_again(tmp_path: Path) -> None:  # fmt: skip
    """Keras 3's HDF5 loader builds the loaded model's optimizer for no weights, so training it
    two cells after the load fails. The path where its value is made (the first cell's
    constant) becomes ``.keras``: the save and the load read it, and the loaded model goes on
    from the saved optimizer state (1 step saved, 2 after the resumed epoch), as Keras 2's
    ``.h5`` did."""
    proc, doc = migrate_notebook(tmp_path, "resume.ipynb", RESUMED_FROM_H5)
    assert proc.returncode == 0, doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert "MODEL_FILE = 'regressor.keras'" in finals[0]
    assert finals[1:] == RESUMED_FROM_H5[1:]
    texts = ["".join(o.get("text", "") for o in c.outputs) for c in code_cells(tmp_path / "out" / "resume.ipynb")]  # fmt: skip
    assert "steps 1" in texts[2] and "resumed 2" in texts[3]


WRITE_PRETRAINED_H5 = (
    "import numpy as np, keras\n"
    "m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(1)])\n"
    "m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss='mean_absolute_error')\n"
    "m.fit(np.ones((8, 4)), np.ones((8, 1)), verbose=0)\nm.save('pretrained.h5')\n"
)
FINE_TUNED_FROM_A_FILE = [
    "import numpy as np\nfrom tensorflow import keras\n"
    "X = np.random.rand(16, 4).astype('float32')\ny = np.random.rand(16, 1).astype('float32')",
    "model = keras.models.load_model('pretrained.h5')\nmodel.fit(X, y, epochs=1, verbose=0)\n"
    "print('tuned', type(model.optimizer).__name__, round(float(model.optimizer.learning_rate), 3))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_recompiles_an_h5_model_the_notebook_did_not_write_to_train_it_again(tmp_path: Path) -> None:  # fmt: skip
    """An ``.h5`` the notebook only reads (written elsewhere): no save to rename, so the load
    becomes ``compile=False`` and the model is compiled again as the file records (SGD at
    0.05, mean absolute error); the fine-tuning ``fit`` then runs."""
    import subprocess
    import sys

    made = subprocess.run([sys.executable, "-c", WRITE_PRETRAINED_H5], cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    assert made.returncode == 0, made.stderr[-2000:]
    proc, doc = migrate_notebook(tmp_path, "finetune.ipynb", FINE_TUNED_FROM_A_FILE)
    assert proc.returncode == 0, doc["message"]
    final = doc["cells"][1]["final"]
    assert "load_model('pretrained.h5', compile=False)" in final and "model.compile(" in final
    outputs = code_cells(tmp_path / "out" / "finetune.ipynb")[1].outputs
    assert "tuned SGD 0.05" in "".join(o.get("text", "") for o in outputs)


PRETRAINED_EMBEDDING = [
    "import numpy as np\nfrom tensorflow import keras\n"
    "embedding_matrix = np.random.rand(50, 8)\n"
    "model = keras.Sequential()\n"
    "model.add(keras.layers.Embedding(50, 8, input_length=10))\n"
    "model.add(keras.layers.Flatten())\nmodel.add(keras.layers.Dense(1))",
    "model.layers[0].set_weights([embedding_matrix])\nmodel.layers[0].trainable = False\n"
    "print('weights', len(model.layers[0].get_weights()))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_gives_the_earlier_cells_embedding_its_input_shape(tmp_path: Path) -> None:
    """Pretrained word vectors: ``Embedding(input_length=10)`` in the model's cell (Keras 3 ignores
    it, the model stays unbuilt), ``set_weights`` a cell later fails ("expecting 0 weights"). The
    model's cell gets ``input_shape=(10,)`` (what Keras 2 built) and runs again; the failing
    cell is left as it was."""
    finals, shown = migrated_cells(tmp_path, "glove.ipynb", PRETRAINED_EMBEDDING)
    assert "keras.layers.Embedding(50, 8, input_shape=(10,))" in finals[0]
    assert finals[1] == PRETRAINED_EMBEDDING[1]
    assert "weights 1" in shown


LOSS_LAYER = [
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"
    "input_img = keras.Input(shape=(8,))\n"
    "z_mean = keras.layers.Dense(2)(input_img)\nz_log_var = keras.layers.Dense(2)(input_img)\n"
    "z_decoded = keras.layers.Dense(8)(keras.layers.Concatenate()([z_mean, z_log_var]))",
    "class LossLayer(keras.layers.Layer):\n"
    "    def call(self, inputs):\n"
    "        x, decoded = inputs\n"
    "        kl = tf.reduce_mean(1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var))\n"
    "        self.add_loss(tf.reduce_mean(tf.square(x - decoded)) - 5e-4 * kl)\n"
    "        return x",
    "y = LossLayer()([input_img, z_decoded])\nvae = keras.Model(input_img, y)\n"
    "vae.compile(optimizer='rmsprop', loss=None)\n"
    "vae.fit(np.random.rand(16, 8).astype('float32'), None, batch_size=8, epochs=1, verbose=0)\n"
    "print('trained')",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_passes_the_outer_tensors_an_earlier_cells_layer_reads(tmp_path: Path) -> None:
    """A loss layer (defined a cell before it is used) reads ``z_mean``/``z_log_var`` from the
    module: its class is changed in its own cell (``call`` takes them off its inputs, the method
    reads them on the layer) and the call a cell later passes them; the notebook trains."""
    finals, shown = migrated_cells(tmp_path, "vae.ipynb", LOSS_LAYER)
    assert "x, decoded = inputs" in finals[1] and "self.z_mean" in finals[1], finals[1]
    assert "LossLayer()([input_img, z_decoded, z_log_var, z_mean])" in finals[2], finals[2]
    assert "trained" in shown


KERAS1_MERGE = [
    "import numpy as np\nfrom keras.layers import Input, Dense, merge\nfrom keras.models import Model\n"
    "MERGE_MODE = 'concat'",
    "a = Input(shape=(4,))\nb = Input(shape=(4,))\n"
    "s = merge([a, b], mode='sum')\n"
    "m = merge([Dense(3)(a), s], mode=MERGE_MODE, concat_axis=-1)",
    "model = Model([a, b], Dense(1)(m))\n"
    "print('out', model.predict([np.ones((2, 4)), np.ones((2, 4))], verbose=0).shape)",
]


@pytest.mark.envs("tf221-k3", "tf215-k2")
def test_migrate_imports_the_functions_of_keras1_merge_calls_a_cell_later(tmp_path: Path) -> None:
    """Keras 1's ``merge`` imported in the first cell, called with ``mode=`` in the second: the
    import brings the function of each mode the later calls use (never the Keras 2 module
    ``keras.layers`` bound as ``merge``, which the calls could not call), and the calls become
    those functions (``concat_axis`` is ``axis``); a mode held in a name the first cell sets
    counts as its string."""
    finals, shown = migrated_cells(tmp_path, "merged.ipynb", KERAS1_MERGE)
    assert "from keras.layers import Input, Dense, add, concatenate" in finals[0], finals[0]
    assert "s = add([a, b])" in finals[1] and "concatenate([Dense(3)(a), s], axis=-1)" in finals[1]
    assert finals[2] == KERAS1_MERGE[2]
    assert "out (2, 1)" in shown


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_never_binds_a_module_to_the_merge_a_later_cell_calls(tmp_path: Path) -> None:
    """The same import, a later cell calling ``merge(…, mode='cos')``, a mode with no
    counterpart: the import is left as it is (the Keras 2 module ``keras.layers`` bound as
    ``merge`` would only move the failure to the call)."""
    cells = [KERAS1_MERGE[0], "a = Input(shape=(4,))\ncos = merge([a, a], mode='cos', dot_axes=1)"]
    proc, doc = migrate_notebook(tmp_path, "cos.ipynb", cells)
    assert doc["status"] == "stopped", doc["message"]
    assert doc["cells"][0]["final"] == KERAS1_MERGE[0], doc["cells"][0]["final"]
    assert [f["id"] for f in doc["cells"][0]["left"]] == ["keras1-merge-mode-unmapped"]


# Keras 1's `nb_epoch` on a model an earlier cell built, in a cell that imports nothing (and in a
# `%%time` cell, whose body IPython compiles as `<timed exec>`): the live model is the evidence
MODEL_CELL = (
    "import numpy as np\nfrom keras.models import Sequential\nfrom keras.layers import Dense\n"
    "X = np.ones((8, 3)); Y = np.ones((8, 1))\n"
    "model = Sequential([Dense(1, input_dim=3)])\nmodel.compile('sgd', 'mse')"
)


@pytest.mark.envs("tf221-k3", "tf215-k2")
def test_migrate_renames_the_keywords_of_a_model_an_earlier_cell_built(tmp_path: Path) -> None:
    cells = [MODEL_CELL, "%%time\n\nmodel.fit(X, Y, nb_epoch=2, verbose=False);",
             "h = model.fit(X, Y, nb_epoch=1, verbose=0)\nprint(sorted(h.history))"]  # fmt: skip
    finals, shown = migrated_cells(tmp_path, "nb_epoch.ipynb", cells)
    assert finals[1] == "%%time\n\nmodel.fit(X, Y, epochs=2, verbose=False);", finals[1]
    assert finals[2].startswith("h = model.fit(X, Y, epochs=1, verbose=0)"), finals[2]
    assert "['loss']" in shown


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_check_renames_the_keywords_of_a_model_an_earlier_cell_built(kernel: Kernel) -> None:
    printed(kernel.run("%load_ext kerasmagic"))
    printed(kernel.run(MODEL_CELL))
    fixed = fixed_source(kernel.run("%%keras_check\nh = model.fit(X, Y, nb_epoch=1, verbose=0)"))
    assert fixed == "h = model.fit(X, Y, epochs=1, verbose=0)", fixed
    printed(kernel.run(fixed))


IMPORT_CELL = [
    "import numpy as np\nfrom keras.models import Sequential\nfrom keras.layers import Dense",
    "from keras.optimizers import adam",
    "model = Sequential()\nmodel.add(Dense(1, input_dim=3))\n"
    "model.compile(optimizer=adam(lr=0.1), loss='mse')\n"
    "print(type(model.optimizer).__name__)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_an_import_cell_keeps_the_name_the_cells_after_it_use(tmp_path: Path) -> None:
    """Keras 2.1's lowercase ``adam``, imported by one cell and called in the next: the import
    finds ``Adam`` and keeps binding ``adam`` (the next cell, unchanged but for ``lr=``, runs)."""
    finals, shown = migrated_cells(tmp_path, "lower.ipynb", IMPORT_CELL)
    assert finals[1] == "from keras.optimizers import Adam as adam"
    assert "optimizer=adam(learning_rate=0.1)" in finals[2], finals[2]
    assert "Adam" in shown


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_reads_a_load_function_an_earlier_cell_imported(tmp_path: Path) -> None:
    """`load_model` imported by the first cell, a legacy `.h5` whose training config Keras 3
    cannot rebuild (`loss='mse'`) loaded cells later: the load function is the live one the
    namespace binds (before: only the cell's own imports and modules counted, so `migrate`
    recognised nothing where `kerasmagic check` of the whole script fixed it). The notebook
    writes the file itself, so the save is named `.keras` in its own cell and the load follows
    (rules/error_h5_config.py)."""
    cells = [
        "import numpy as np\nimport keras\nfrom keras.models import Sequential, load_model",
        "model = Sequential([keras.Input((4,)), keras.layers.Dense(1)])\n"
        "model.compile(loss='mse', optimizer='adam')\n"
        "model.fit(np.ones((8, 4)), np.ones((8, 1)), epochs=1, verbose=0)\n"
        "model.save('small.h5')",
        "again = load_model('small.h5')\nprint('loaded', len(again.layers))",
    ]
    proc, doc = migrate_notebook(tmp_path, "reload.ipynb", cells)
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert finals[1].endswith("model.save('small.keras')"), finals[1]
    assert finals[2].startswith("again = load_model('small.keras')"), finals[2]
    assert proc.returncode == 0


# a Keras 3 model written with tf.saved_model.save in one cell, loaded in the next and called in
# two later cells: the save becomes model.export where it is made, each call goes through serve
SAVED_MODEL_CELLS = [
    "import os\nimport numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
    "x = np.ones((3, 4), dtype='float32')\n"
    "model_path = os.path.join('served', '0001')\ntf.saved_model.save(model, model_path)",
    "loaded = tf.saved_model.load(model_path)",
    "y = loaded(tf.constant(x))\nprint('first', tuple(y.shape))",
    "print('second', np.allclose(loaded(tf.constant(x)), model(x)))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_exports_a_saved_model_an_earlier_cell_wrote_and_calls_serve(tmp_path: Path) -> None:  # fmt: skip
    proc, doc = migrate_notebook(tmp_path, "served.ipynb", SAVED_MODEL_CELLS)
    assert doc["status"] == "migrated", doc["message"]
    finals = [c["final"] for c in doc["cells"]]
    assert finals[0].endswith("model.export(model_path)"), finals[0]
    assert finals[1] == SAVED_MODEL_CELLS[1]
    assert finals[2].startswith("y = loaded.serve(tf.constant(x))"), finals[2]
    assert "loaded.serve(tf.constant(x))" in finals[3], finals[3]
    outputs = code_cells(tmp_path / "out" / "served.ipynb")
    texts = ["".join(o.get("text", "") for o in c.outputs) for c in outputs]
    assert "first (3, 2)" in texts[2] and "second True" in texts[3], texts
    assert proc.returncode == 0


# Keras 2's save of a path without an extension wrote a SavedModel folder that a later cell reads
# with tf.saved_model.load: the save exports to the folder name the code had (not `.keras`)
SAVED_FOLDER_CELLS = [
    "import tensorflow as tf\nfrom tensorflow import keras\n"
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
    "model.compile(optimizer='sgd', loss='mse')",
    "MODEL_DIR = 'exported/my_model'\nmodel.save(MODEL_DIR)",
    "loaded = tf.saved_model.load(MODEL_DIR)\nprint(sorted(loaded.signatures))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_exports_the_folder_a_saved_model_load_reads(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "folder.ipynb", SAVED_FOLDER_CELLS)
    assert "MODEL_DIR = 'exported/my_model'\n" in finals[1], finals[1]
    assert finals[1].rstrip().endswith("model.export(MODEL_DIR)"), finals[1]
    assert finals[2] == SAVED_FOLDER_CELLS[2], finals[2]
    assert "serving_default" in shown


# a loss named by Keras 2's long alias in an earlier cell's compile, the cells binding no Keras
# module (names imported only): Keras 3 rejects it at the fit; the compile gets the Keras 3 name
ALIAS_LOSS_CELLS = [
    "import numpy as np\nfrom tensorflow.keras.layers import Dense\n"
    "from tensorflow.keras.models import Sequential\n"
    "model = Sequential([Dense(3, activation='softmax', input_dim=4)])",
    "model.compile(loss='kullback_leibler_divergence', optimizer='sgd')",
    "history = model.fit(np.random.rand(8, 4), np.eye(3)[np.random.randint(0, 3, 8)], epochs=1, verbose=0)\n"
    "print('trained', 'loss' in history.history)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_names_an_earlier_compiles_loss_as_keras3_does(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "alias.ipynb", ALIAS_LOSS_CELLS)
    assert finals[1] == "model.compile(loss='kl_divergence', optimizer='sgd')", finals[1]
    assert "trained True" in shown


# a schedule defined in the first cell in the style of TF 2's tutorials (a tensor returned), the
# callback made and the model trained two cells later: the function's return is made a float
# where it is defined, and the training runs with Keras 2's rates
SCHEDULE_CELLS = [
    "import numpy as np\nimport tensorflow as tf\n\n"
    "def scheduler(epoch, lr):\n    if epoch < 1:\n        return lr\n"
    "    return lr * tf.math.exp(-0.1)",
    "model = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(1)])\n"
    "model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss='mse')",
    "callback = tf.keras.callbacks.LearningRateScheduler(scheduler)\n"
    "model.fit(np.ones((8, 4)), np.ones((8, 1)), epochs=3, callbacks=[callback], verbose=0)\n"
    "print('rate', round(float(model.optimizer.learning_rate.numpy()), 5))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_makes_an_earlier_cells_schedule_return_a_float(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "schedule.ipynb", SCHEDULE_CELLS)
    assert finals[0].endswith("    return float(lr * tf.math.exp(-0.1))"), finals[0]
    assert "        return lr\n" in finals[0] and finals[1:] == SCHEDULE_CELLS[1:], finals
    assert "rate 0.00819" in shown


# the loss named in a variable by the first cell, the compile of the next cell reads it, the
# fit of the third fails: the literal is renamed in the first cell, where it is written
LOSS_NAME_CELLS = [
    "import numpy as np\nimport tensorflow as tf\nloss_name = 'kullback_leibler_divergence'",
    "model = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(3, activation='softmax')])\n"
    "model.compile(loss=loss_name, optimizer='sgd')",
    "history = model.fit(np.random.rand(8, 4), np.eye(3)[np.random.randint(0, 3, 8)], epochs=1, verbose=0)\n"
    "print('trained with', loss_name)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_renames_the_loss_an_earlier_cells_variable_holds(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "loss_name.ipynb", LOSS_NAME_CELLS)
    assert finals[0].endswith("loss_name = 'kl_divergence'"), finals[0]
    assert finals[1:] == LOSS_NAME_CELLS[1:], finals
    assert "trained with" in shown  # the fit ran


# `model_from_yaml` imported by the first cell, the YAML written by the second, read back by the
# third: the import brings `model_from_json`, the call reads the YAML itself
YAML_CELLS = [
    "import json\nimport yaml\nimport keras\nfrom keras.models import Sequential, model_from_yaml",
    "model = Sequential([keras.Input((4,)), keras.layers.Dense(3)])\n"
    "text = yaml.dump(json.loads(model.to_json()))",
    "again = model_from_yaml(text)\nprint('units', again.layers[0].units)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_reads_yaml_an_earlier_cell_wrote_with_model_from_json(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "yaml.ipynb", YAML_CELLS)
    assert finals[0].endswith("from keras.models import Sequential, model_from_json"), finals[0]
    assert "again = model_from_json(json.dumps(yaml.safe_load(text)))" in finals[2], finals[2]
    assert finals[1] == YAML_CELLS[1]
    assert "units 3" in shown


# `set_session` imported by the first cell from Keras 2's TensorFlow backend, called by the second
# with a session that only lets TensorFlow take GPU memory as needed: the import goes, the call
# becomes TensorFlow 2's memory growth
SESSION_CELLS = [
    "import numpy as np\nimport tensorflow as tf\n"
    "from keras.backend.tensorflow_backend import set_session\nfrom keras.layers import Dense",
    "config = tf.ConfigProto()\nconfig.gpu_options.allow_growth = True\n"
    "set_session(tf.Session(config=config))\nprint('configured')",
]


@pytest.mark.envs("tf221-k3", "tf215-k2")
def test_migrate_removes_the_set_session_import_a_later_cells_session_needs_no_more(tmp_path: Path) -> None:  # fmt: skip
    finals, shown = migrated_cells(tmp_path, "session.ipynb", SESSION_CELLS)
    assert "set_session" not in finals[0], finals[0]
    assert "from keras.layers import Dense" in finals[0], finals[0]
    assert "tf.config.experimental.set_memory_growth(_gpu, True)" in finals[1], finals[1]
    assert "set_session" not in finals[1] and "configured" in shown


# The session swap of Keras 2 scripts that log to TensorBoard, over three cells: the session Keras
# held kept in the second, a fresh one given to Keras there, and the kept one given back in the
# last: every line of it goes, the kept name's too (read only to be given back), and both run
SWAP_CELLS = [
    "import numpy as np\nimport tensorflow as tf\nimport keras.backend.tensorflow_backend as KTF\n"
    "from keras.layers import Dense, Input\nfrom keras.models import Sequential",
    "kept = KTF.get_session()\nsession = tf.Session('')\nKTF.set_session(session)\n"
    "model = Sequential([Input((2,)), Dense(1)])\nprint('params', model.count_params())",
    "KTF.set_session(kept)\nprint('restored')",
]


@pytest.mark.envs("tf221-k3", "tf215-k2")
def test_migrate_takes_out_a_session_swap_whose_restore_is_cells_later(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "swap.ipynb", SWAP_CELLS)
    assert "get_session" not in finals[1] and "Session(" not in finals[1], finals[1]
    assert "model = Sequential" in finals[1], finals[1]
    assert finals[2].strip() == "print('restored')", finals[2]
    assert "restored" in shown


# A fresh graph made in one cell and entered in a later one to train (Keras 2 scripts that kept
# each run apart): under Keras 3 the later cell's block fails; the kernel holds the earlier
# cell's `Graph`, so the block's body goes in its place there too.
GRAPH_CELLS = [
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\nrun_graph = tf.Graph()",
    "x = np.random.rand(32, 4).astype('float32')\ny = (x.sum(axis=1) > 2).astype('float32')",
    "with run_graph.as_default():\n"
    "    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation='sigmoid')])\n"
    "    model.compile(optimizer='adam', loss='binary_crossentropy')\n"
    "    model.fit(x, y, epochs=1, verbose=0)\n"
    "    print('trained', model.predict(x[:2], verbose=0).shape)",
]


@pytest.mark.envs("tf221-k3")
def test_migrate_takes_the_body_out_of_a_graph_an_earlier_cell_made(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "graph.ipynb", GRAPH_CELLS)
    assert "as_default" not in finals[2] and finals[2].startswith("model = keras.Sequential"), finals[2]
    assert finals[:2] == GRAPH_CELLS[:2] and "trained (2, 1)" in shown


# A Keras 2 notebook's GPU set-up over two cells: the config made and given its options in one,
# handed to Keras in a session in the next. TensorFlow 2 has the config only as
# `tf.compat.v1.ConfigProto` (a message: making it runs nothing), and the session's options are
# read from the message the kernel holds: memory growth becomes TensorFlow 2's loop, the memory
# fraction sets nothing on this machine without a GPU and goes.
CONFIG_CELLS = [
    "import tensorflow as tf\nfrom keras import backend as K\nfrom keras.models import Sequential\n"
    "from keras.layers import Dense, Input",
    "config = tf.ConfigProto()\nconfig.gpu_options.allow_growth = True\n"
    "config.gpu_options.per_process_gpu_memory_fraction = 0.5",
    "K.set_session(tf.Session(config=config))\nmodel = Sequential([Input((4,)), Dense(2)])\n"
    "print('params', model.count_params())",
]


@pytest.mark.envs("tf221-k3")
def test_migrate_reads_the_session_options_of_a_config_an_earlier_cell_made(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "config.ipynb", CONFIG_CELLS)
    assert finals[1].startswith("config = tf.compat.v1.ConfigProto()\n"), finals[1]
    assert "set_session" not in finals[2] and "set_memory_growth(_gpu, True)" in finals[2], finals[2]
    assert "per_process_gpu_memory_fraction" not in finals[2] and "params 10" in shown



# The session made in a cell of its own, given to Keras in the next: the cell that makes it sets
# what giving it to Keras sets (memory growth), and the call goes.
SESSION_ALONE_CELLS = [*CONFIG_CELLS[:2], "sess = tf.Session(config=config)", "K.set_session(sess)", CONFIG_CELLS[2].split("\n", 1)[1]]  # fmt: skip


@pytest.mark.envs("tf221-k3")
def test_migrate_sets_what_a_session_made_alone_for_keras_sets(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "session_alone.ipynb", SESSION_ALONE_CELLS)
    assert "Session" not in finals[2] and "set_memory_growth(_gpu, True)" in finals[2], finals[2]
    assert "set_session" not in finals[3] and "params 10" in shown, finals[3]

# The same swap written one statement per cell: the session Keras held kept in a cell of its own,
# a fresh session made in the next, each given to `set_session` cells later. Each cell that only
# keeps a session for those calls fails on its own line; it goes, and so do the calls after it.
SWAP_SPLIT_CELLS = [
    "import tensorflow as tf\nfrom keras import backend as KB\nfrom keras.layers import Dense, Input\n"
    "from keras.models import Sequential",
    "previous = KB.get_session()",
    "fresh = tf.Session()",
    "KB.set_session(fresh)",
    "model = Sequential([Input((2,)), Dense(1)])",
    "KB.set_session(previous)\nprint('params', model.count_params())",
]


@pytest.mark.envs("tf221-k3")
def test_migrate_takes_out_a_session_swap_written_one_statement_per_cell(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "swap_cells.ipynb", SWAP_SPLIT_CELLS)
    assert all("session" not in cell.lower() for cell in finals[1:4]), finals
    assert finals[5].strip() == "print('params', model.count_params())", finals[5]
    assert "params 3" in shown


MONITOR_EARLIER = [
    "import numpy as np\nimport keras\n"
    "x = np.random.rand(32, 4).astype('float32')\ny = (x.sum(axis=1) > 2).astype('float32')\n"
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation='sigmoid')])\n"
    "model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])",
    "from keras.callbacks import ModelCheckpoint\n"
    "best = ModelCheckpoint('best.weights.h5', monitor='val_acc', save_best_only=True,\n"
    "                       save_weights_only=True, mode='max')",
    "model.fit(x, y, validation_split=0.25, epochs=3, verbose=0, callbacks=[best])",
    "print('best', np.isfinite(best.best))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_renames_the_key_a_callback_made_cells_earlier_monitors(tmp_path: Path) -> None:
    """``ModelCheckpoint(monitor='val_acc', save_best_only=True, mode='max')`` made a cell before
    the ``fit`` of a model compiled with ``metrics=['accuracy']``: the fit cell runs, Keras warns
    that ``val_acc`` is not in the logs and saves every epoch instead of the best. The warning is
    read as a fact, and the key renamed in the cell that made the callback."""
    finals, shown = migrated_cells(tmp_path, "checkpoint.ipynb", MONITOR_EARLIER)
    assert "monitor='val_accuracy'" in finals[1] and finals[2] == MONITOR_EARLIER[2]
    assert "best True" in shown


def checked_after(kernel: Kernel, cells: list[str]) -> str:
    """The corrected cell ``%%keras_check`` gives the last of ``cells``, run after the others."""
    printed(kernel.run("%load_ext kerasmagic"))
    for cell in cells[:-1]:
        printed(kernel.run(cell))
    return fixed_source(kernel.run("%%keras_check\n" + cells[-1]))


GENERATOR_CELLS = [
    "import numpy as np\nfrom keras.models import Sequential\nfrom keras.layers import Dense\n"
    "model = Sequential([Dense(4, input_dim=1, activation='tanh'), Dense(1)])\n"
    "model.compile(optimizer='adam', loss='mse')",
    "def rows():\n    while True:\n        X = np.random.uniform(-1, 1, 8)\n"
    "        yield np.array([X, np.sin(X)])",
    "h = model.fit(rows(), steps_per_epoch=2, epochs=1, verbose=0)\nprint('trained', sorted(h.history))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_makes_the_earlier_cells_generator_yield_the_tuple_keras2_unpacked(tmp_path: Path) -> None:  # fmt: skip
    """A Keras 2.0-era training generator, defined in its own cell, yielding ``np.array([X, Y])``
    and given to ``fit`` cells later: it yields ``tuple(…)`` where it is defined; the cell that
    failed is left as it was."""
    finals, shown = migrated_cells(tmp_path, "gen.ipynb", GENERATOR_CELLS)
    assert "yield tuple(np.array([X, np.sin(X)]))" in finals[1], finals[1]
    assert finals[2] == GENERATOR_CELLS[2]
    assert "trained ['loss']" in shown


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_check_defines_the_earlier_cells_generator_again_yielding_tuples(kernel: Kernel) -> None:
    fixed = checked_after(kernel, GENERATOR_CELLS)
    assert fixed.startswith("def rows():") and "yield tuple(np.array([X, np.sin(X)]))" in fixed, fixed
    assert fixed.endswith(GENERATOR_CELLS[2]), fixed
    assert "trained ['loss']" in printed(kernel.run(fixed))


RANK_CELLS = [
    "import numpy as np\nfrom keras.layers import Input, Embedding, Flatten\nfrom keras.models import Model\n"
    "x = Input(shape=[1])\nmodel2 = Model(inputs=x, outputs=Flatten()(Embedding(10, 4)(x)))",
    "model2.predict(np.array([3]))",
    "labels = np.array([[3], [0]])\nprint('rows', model2.predict(labels).shape)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_gives_an_earlier_cells_short_data_the_axis_keras2_added(tmp_path: Path) -> None:
    """``predict`` given 1-D data for an input of shape ``(None, 1)`` in one cell and 2-D data
    cells later: Keras 3's traced ``predict`` cannot take the second rank. The earlier call gets
    ``np.expand_dims(…, -1)`` in its own cell; the cell that failed is left as it was."""
    finals, shown = migrated_cells(tmp_path, "ranks.ipynb", RANK_CELLS)
    assert finals[1] == "model2.predict(np.expand_dims(np.array([3]), -1))", finals[1]
    assert finals[2] == RANK_CELLS[2]
    assert "rows (2, 4)" in shown


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_check_traces_predict_anew_after_an_earlier_cells_short_data(kernel: Kernel) -> None:
    fixed = checked_after(kernel, RANK_CELLS)
    assert fixed.startswith("model2.make_predict_function(force=True)"), fixed
    assert "rows (2, 4)" in printed(kernel.run(fixed))


MODEL_HISTORY_CELLS = [
    "import numpy as np\nfrom keras.models import Sequential\nfrom keras.layers import Dense\n"
    "model = Sequential([Dense(2, input_shape=(3,), activation='softmax')])\n"
    "model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])\n"
    "model.fit(np.ones((8, 3)), np.eye(2)[[0, 1] * 4], epochs=2, verbose=0)",
    "print('acc', len(model.history.history['acc']))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_renames_the_key_read_from_the_history_the_model_holds(tmp_path: Path) -> None:
    """``model.history.history['acc']`` cells after ``fit``: the live ``History`` the model
    holds logged ``accuracy``, so the key is renamed."""
    finals, shown = migrated_cells(tmp_path, "held.ipynb", MODEL_HISTORY_CELLS)
    assert finals[1] == "print('acc', len(model.history.history['accuracy']))", finals[1]
    assert "acc 2" in shown


HELD_LOGS_CELLS = [
    MODEL_HISTORY_CELLS[0].replace("model.fit(", "hist = model.fit(").replace(
        "epochs=2,", "epochs=2, validation_split=0.25,"
    ),
    "logs = hist.history",
    "print('last', logs.get('val_acc')[-1] >= 0)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_renames_a_get_of_the_logs_an_earlier_cell_holds(tmp_path: Path) -> None:
    """``logs.get('val_acc')`` in a cell that never says "history": the name holds the live
    ``History``'s dict, which logged ``val_accuracy``; ``.get`` gave None, and the cell failed
    on ``None[-1]`` (a TypeError, no KeyError)."""
    finals, shown = migrated_cells(tmp_path, "get.ipynb", HELD_LOGS_CELLS)
    assert finals[2] == "print('last', logs.get('val_accuracy')[-1] >= 0)", finals[2]
    assert "last True" in shown


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_renames_the_columns_of_a_frame_of_the_logs(tmp_path: Path) -> None:
    """``pd.DataFrame(hist.history)`` made cells after ``fit``, its old columns read as a list."""
    pytest.importorskip("pandas")  # where pandas is installed (Colab has it)
    cells = [
        HELD_LOGS_CELLS[0],
        "import pandas as pd\nframe = pd.DataFrame(hist.history)",
        "print('rows', len(frame[['acc', 'val_acc']]))",
    ]
    finals, shown = migrated_cells(tmp_path, "frame.ipynb", cells)
    assert finals[2] == "print('rows', len(frame[['accuracy', 'val_accuracy']]))", finals[2]
    assert "rows 2" in shown


SCORE_CELLS = [
    "import numpy as np\nfrom keras.models import Sequential\nfrom keras.layers import Dense\n"
    "model = Sequential([Dense(1, input_shape=(3,), activation='sigmoid')])",
    "def sentiment(row):\n    score = float(model.predict(row, verbose=0))\n"
    "    print('score', 0 <= score <= 1)",
    "sentiment(np.ones((1, 3)))",
]


@pytest.mark.envs("tf221-k3")  # NumPy 2.4 refuses the conversion; Colab's NumPy 2.1 warns
def test_migrate_takes_the_one_number_in_an_earlier_cells_function(tmp_path: Path) -> None:
    """``float(model.predict(row))`` in a function an earlier cell defines, called cells later:
    the call's ``(1, 1)`` result gets ``.item()`` in the function's own cell."""
    finals, shown = migrated_cells(tmp_path, "score.ipynb", SCORE_CELLS)
    assert "score = float(model.predict(row, verbose=0).item())" in finals[1], finals[1]
    assert finals[2] == SCORE_CELLS[2]
    assert "score True" in shown
