"""A value that must change made cells before the call that fails: a dict of optimizer settings
unpacked into ``SGD(**opt_params)``, a class count computed with NumPy, the history key a plot
reads, an optimizer class chosen by name. ``migrate`` follows the value to where it is made
(``diagnosis/provenance.py``) or reads the live object the name holds, changes it there, and
runs every cell after it; each test runs a real kernel and reads the migrated notebook's
outputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import code_cells, migrate_notebook


def migrated(tmp_path: Path, cells: list[str]) -> tuple[list[str], str]:
    """Migrate a notebook of ``cells``: the cells as migrated, and what the last one printed."""
    proc, doc = migrate_notebook(tmp_path, "lesson.ipynb", cells)
    assert doc["status"] == "migrated", doc["message"]
    assert proc.returncode == 0
    outputs = code_cells(tmp_path / "out" / "lesson.ipynb")[-1].outputs
    return [c["final"] for c in doc["cells"]], "".join(o.get("text", "") for o in outputs)


SETTINGS_DICT = [
    "import numpy as np\nimport tensorflow as tf\nopt_params = {'lr': 0.05, 'momentum': 0.9}",
    "model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])\n"
    "model.compile(optimizer=tf.keras.optimizers.SGD(**opt_params), loss='mse')",
    "print('rate', round(float(model.optimizer.learning_rate), 3))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_settings_dict_made_cells_earlier_gets_the_renamed_key(tmp_path: Path) -> None:
    """Keras 3 rejects ``lr`` passed through ``**opt_params``; the dict is made in the first
    cell: the key is renamed there (the rate the author chose is the rate trained with)."""
    finals, printed = migrated(tmp_path, SETTINGS_DICT)
    assert "{'learning_rate': 0.05, 'momentum': 0.9}" in finals[0] + finals[1]
    assert finals[1].endswith(SETTINGS_DICT[1])
    assert "rate 0.05" in printed


CLASS_COUNT = [
    "import numpy as np\nfrom tensorflow import keras\ny = np.array([0, 1, 2, 1])\n"
    "n_classes = y.max() + 1",
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(n_classes, activation='softmax')])",
    "print('classes', model.output_shape[-1], type(n_classes).__name__)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_numpy_class_count_made_cells_earlier_becomes_an_int(tmp_path: Path) -> None:
    """``n_classes = y.max() + 1`` is an ``np.int64``; Keras 3's Dense rejects it a cell later.
    It becomes ``int(…)`` where it is computed, so every later use is an int."""
    finals, printed = migrated(tmp_path, CLASS_COUNT)
    assert "n_classes = int(y.max() + 1)" in finals[0] + finals[1]
    assert "classes 3 int" in printed


HISTORY_KEY = [
    "import numpy as np\nimport keras\nmetric = 'acc'",
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation='sigmoid')])\n"
    "model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])\n"
    "history = model.fit(np.ones((8, 3)), np.ones(8), validation_split=0.25, epochs=2, verbose=0)",
    "print(metric, len(history.history[metric]), len(history.history['val_' + metric]))",
]


@pytest.mark.envs("tf221-k3", "tf215-k2", "colab")
def test_the_history_key_set_cells_earlier_becomes_the_logged_key(tmp_path: Path) -> None:
    """``metric = 'acc'`` in the first cell, ``history.history[metric]`` two cells later: the
    logs (Keras 2.3+) say ``accuracy``; the name is given the logged key."""
    finals, printed = migrated(tmp_path, HISTORY_KEY)
    assert "metric = 'accuracy'" in finals[0] + finals[2]
    assert "accuracy 2 2" in printed


OPTIMIZER_BY_NAME = [
    "import tensorflow as tf\nopt_cls = getattr(tf.keras.optimizers, 'RMSprop')",
    "opt = opt_cls(lr=0.003)",
    "print('rate', round(float(opt.learning_rate), 4))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_an_optimizer_class_chosen_by_name_cells_earlier_is_read_live(tmp_path: Path) -> None:
    """``opt_cls`` is bound by ``getattr`` (no import names it): the live class's signature
    rejects ``lr``; the call gets ``learning_rate``."""
    finals, printed = migrated(tmp_path, OPTIMIZER_BY_NAME)
    assert finals[1] == "opt = opt_cls(learning_rate=0.003)"
    assert "rate 0.003" in printed


SHOW_ACCURACY = [
    "import numpy as np\nfrom keras.models import Sequential\nfrom keras.layers import Dense\n"
    "X = np.random.rand(16, 4).astype('float32')\nY = np.eye(2)[np.arange(16) % 2]\n"
    "model = Sequential()\nmodel.add(Dense(2, input_shape=(4,), activation='softmax'))",
    "model.compile(loss='categorical_crossentropy', optimizer='adam')",
    "model.fit(X, Y, batch_size=8, epochs=1, show_accuracy=True, verbose=0)",
    "score = model.evaluate(X, Y, show_accuracy=True, verbose=0)\nprint('accuracy', 0 <= score[1] <= 1)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_keras0_show_accuracy_compiles_the_metric_where_the_model_is_compiled(tmp_path: Path) -> None:  # fmt: skip
    """Keras 0.x's ``show_accuracy=True`` two and three cells after the ``compile``: the keyword
    goes and the compile's own cell gets ``metrics=['accuracy']``, so ``evaluate`` returns
    ``[loss, accuracy]`` as the tutorial reads it."""
    finals, printed = migrated(tmp_path, SHOW_ACCURACY)
    assert finals[1] == "model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])"  # fmt: skip
    assert "show_accuracy" not in finals[2] + finals[3]
    assert "accuracy True" in printed


METRICS_NAME = [
    "import numpy as np\nfrom tensorflow import keras\ninp = keras.Input((4,))\n"
    "a = keras.layers.Dense(3, activation='softmax', name='a')(inp)\n"
    "b = keras.layers.Dense(1, activation='sigmoid', name='b')(inp)\nmodel = keras.Model(inp, [a, b])",
    "metrics = ['accuracy']\nmodel.compile(loss={'a': 'sparse_categorical_crossentropy', "
    "'b': 'binary_crossentropy'}, optimizer='adam', metrics=metrics)",
    "h = model.fit(np.ones((8, 4)), {'a': np.zeros(8), 'b': np.ones(8)}, verbose=0)\n"
    "print(sorted(k for k in h.history if k.endswith('accuracy')))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_one_metrics_list_named_cells_before_the_fit_is_given_to_each_output(tmp_path: Path) -> None:  # fmt: skip
    """``metrics = ['accuracy']`` and the ``compile`` of a two-output model in one cell, the first
    ``fit`` (which raises) in the next: the compile's cell gives each output the list, as Keras 2
    did, and runs again before the ``fit``."""
    finals, printed = migrated(tmp_path, METRICS_NAME)
    assert "metrics=[metrics, metrics])" in finals[1]
    assert finals[2] == METRICS_NAME[2]
    assert "['a_accuracy', 'b_accuracy']" in printed


CALLBACKS_FIRST = [
    "import numpy as np\nfrom tensorflow import keras\n"
    "callbacks_list = [keras.callbacks.EarlyStopping(monitor='val_acc', patience=3)]",
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation='sigmoid')])\n"
    "model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])",
    "h = model.fit(np.ones((8, 3)), np.ones(8), validation_split=0.25, epochs=2, "
    "callbacks=callbacks_list, verbose=0)\nprint('epochs', len(h.history['loss']))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_callbacks_made_before_the_compile_watch_the_logged_key(tmp_path: Path) -> None:
    """``EarlyStopping(monitor='val_acc')`` made in the first cell, the ``compile`` with
    ``metrics=['accuracy']`` after it, the ``fit`` that refuses the key last: the compile is read
    from the live model, and the callbacks' cell is changed and run again."""
    finals, printed = migrated(tmp_path, CALLBACKS_FIRST)
    assert "monitor='val_accuracy'" in finals[0]
    assert finals[2] == CALLBACKS_FIRST[2]
    assert "epochs 2" in printed


BUILT_BY_SHAPE = [
    "import numpy as np\nimport tensorflow as tf\n\n"
    "class Factor(tf.keras.layers.Layer):\n"
    "    def __init__(self, k, **kwargs):\n"
    "        super().__init__(**kwargs)\n"
    "        self.k = k\n\n"
    "    def build(self, input_shape):\n"
    "        self.P = self.add_variable(\n"
    "            'P', shape=[input_shape[-1], self.k], dtype=tf.float32, initializer='ones'\n"
    "        )\n\n"
    "    def call(self, x):\n"
    "        return tf.matmul(x, self.P)\n\n"
    "class Net(tf.keras.Model):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.factor = Factor(3)\n\n"
    "    def call(self, x):\n"
    "        return self.factor(x)",
    "R = np.random.random((5, 4))\nmodel = Net()\nmodel.build(input_shape=R.shape)",
    "first = model.layers[0]\nP, = [w.numpy() for w in first.weights]\nprint('P', P.shape)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_model_built_by_shape_cells_earlier_is_built_and_its_layer_named_right(tmp_path: Path) -> None:  # fmt: skip
    """``model.build(shape)`` of a subclassed model (cell 2) leaves its layer unbuilt in Keras 3,
    so cell 3 finds no weights: the build becomes a call on ``keras.Input``, and the layer's
    ``build`` it now runs, Keras 2's ``add_variable('P', shape=…)`` (cell 1), is corrected first."""
    finals, printed = migrated(tmp_path, BUILT_BY_SHAPE)
    assert "name='P', shape=" in finals[0]
    assert "model(keras.Input(batch_shape=R.shape))" in finals[1]
    assert finals[2] == BUILT_BY_SHAPE[2]
    assert "P (4, 3)" in printed


PATH_MAKER = [
    "import os\nimport numpy as np\nfrom tensorflow import keras\n"
    "def weights_path(name):\n    return os.path.join('weights', name + '.h5')",
    "os.makedirs('weights', exist_ok=True)\n"
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])\n"
    "model.compile(optimizer='sgd', loss='mse')\n"
    "model.save_weights(weights_path('mlp'))",
    "model.load_weights(weights_path('mlp'))\nprint(sorted(os.listdir('weights')))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_path_a_function_of_an_earlier_cell_returns_changes_in_its_return(tmp_path: Path) -> None:
    """The weights file is named by the notebook's own function, defined cells before the save
    Keras 3 refuses: the suffix changes in the function's ``return`` (its cell), so the load
    cells later, calling the same function, reads the file the save wrote."""
    finals, printed = migrated(tmp_path, PATH_MAKER)
    assert "return os.path.join('weights', name + '.weights.h5')" in finals[0]
    assert finals[1:] == PATH_MAKER[1:]
    assert "['mlp.weights.h5']" in printed


BEST_FOLD = [
    "import numpy as np\nfrom keras.models import Sequential\nfrom keras.layers import Dense, Input\n"
    "from keras.callbacks import ModelCheckpoint\nscores = [0.2, 0.7]\n"
    "for i in range(2):\n"
    "    path = './fold{:d}'.format(i) + '.hdf5'\n"
    "    model = Sequential([Input((3,)), Dense(1)])\n"
    "    model.compile(loss='mse', optimizer='adam')\n"
    "    model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=1, verbose=0,\n"
    "              callbacks=[ModelCheckpoint(path, monitor='loss')])",
    "model.load_weights('./fold{:d}.hdf5'.format(np.argmax(scores)))\nprint('best', np.argmax(scores))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_load_whose_path_is_made_by_a_call_reads_the_file_the_corrected_checkpoint_wrote(tmp_path: Path) -> None:  # fmt: skip
    """The checkpoint's path gets Keras 3's `.keras` where it is made; the load of the best fold
    names the file by another literal, formatted with ``np.argmax`` (a call, never evaluated):
    the path it read is the one its error names, the file the checkpoint wrote is on the disk,
    and the load's literal gets the same suffix."""
    finals, printed = migrated(tmp_path, BEST_FOLD)
    assert "'./fold{:d}'.format(i) + '.keras'" in finals[0]
    assert finals[1].startswith("model.load_weights('./fold{:d}.keras'.format(np.argmax(scores)))")
    assert "best 1" in printed


SETTINGS_CELL = [
    "import numpy as np\nimport keras",
    "every = 1\nwhich = 'accuracy'\nsettings = {'monitor': 'val_acc', 'patience': 2}\nthreshold = 'nan'",
    "def batches(x, y):\n    while True:\n        yield x[:8], y[:8]",
    "x = np.random.rand(32, 4).astype('float32')\ny = keras.utils.to_categorical(np.arange(32) % 3, 3)\n"
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation='softmax')])\n"
    "model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=which)",
    "stopper = keras.callbacks.EarlyStopping(**settings)\n"
    "saver = keras.callbacks.ModelCheckpoint('m.weights.h5', save_weights_only=True, period=every)",
    "np.set_printoptions(threshold=threshold)\n"
    "history = model.fit(batches(x, y), 2, 2, validation_data=(x, y), callbacks=[stopper, saver], verbose=0)\n"
    "print(sorted(history.history))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_keyword_values_bound_in_a_settings_cell_are_read_as_their_values(tmp_path: Path) -> None:
    """The values the rules read, each bound to a name in a settings cell (and the generator
    function defined a cell earlier) as notebooks write them, not written in the failing call
    (diagnosis/known_values.py): ``metrics=which`` of one string goes in a list,
    ``period=every`` of 1 goes, the settings dict's ``'val_acc'`` is renamed where the dict is
    made, ``threshold='nan'`` prints everything with ``sys.maxsize``, and the old
    ``fit_generator`` positional arguments are passed by name."""
    finals, printed = migrated(tmp_path, SETTINGS_CELL)
    assert "settings = {'monitor': 'val_accuracy', 'patience': 2}" in finals[1], finals[1]
    assert finals[3].endswith("metrics=[which])"), finals[3]
    assert "period" not in finals[4], finals[4]
    assert "np.set_printoptions(threshold=sys.maxsize)" in finals[5], finals[5]
    assert "model.fit(batches(x, y), steps_per_epoch=2, epochs=2," in finals[5], finals[5]
    assert "'val_accuracy'" in printed


OWN_LOSS_TARGETS = [
    "import numpy as np\nimport keras",
    "def first_column_loss(y_true, y_pred):\n"
    "    index = keras.ops.cast(y_true[:, 0], 'int32')\n"
    "    return keras.losses.sparse_categorical_crossentropy(index, y_pred)",
    "x = np.random.rand(32, 4).astype('float32')\ny = np.arange(32) % 3\n"
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation='softmax')])\n"
    "model.compile(optimizer='adam', loss=first_column_loss, metrics=['sparse_categorical_accuracy'])",
    "model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y))",
    "print('loss', model.evaluate(x, y, verbose=0)[0] >= 0)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_the_evaluate_a_cell_after_a_fixed_fit_gets_the_same_column_targets(tmp_path: Path) -> None:
    """A loss of the notebook's own reads ``y_true[:, 0]``: Keras 2 gave it column targets,
    Keras 3 passes the 1-D ``y``. The ``fit`` cell is fixed from the loss's frame in its
    traceback; the ``evaluate`` a cell later fails with whatever message the model's step then
    gives, and gets the same ``np.expand_dims(y, -1)`` because the corrected cell before it gives
    that model column targets (rules/error_data.py ``_given_columns``)."""
    finals, printed = migrated(tmp_path, OWN_LOSS_TARGETS)
    fit = "model.fit(x, np.expand_dims(y, -1), epochs=1, verbose=0, validation_data=(x, np.expand_dims(y, -1)))"  # fmt: skip
    assert finals[3] == fit, finals[3]
    assert "model.evaluate(x, np.expand_dims(y, -1), verbose=0)" in finals[4], finals[4]
    assert "loss True" in printed


SETTINGS_DICTS = [
    "import numpy as np\nimport keras",
    "adam_args = {'learning_rate': 0.01, 'beta_1': 0.9, 'epsilon': None}\n"
    "ckpt_args = {'filepath': 'best.weights.h5', 'save_weights_only': True, 'period': 1}",
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "model.compile(optimizer=keras.optimizers.Adam(**adam_args), loss='mse')\n"
    "saver = keras.callbacks.ModelCheckpoint(**ckpt_args)",
    "model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=1, verbose=0, callbacks=[saver])\n"
    "print('rate', round(float(model.optimizer.learning_rate), 3))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_keyword_passed_through_a_settings_dict_goes_where_the_dict_is_made(tmp_path: Path) -> None:
    """``Adam(**adam_args)`` with ``'epsilon': None`` and ``ModelCheckpoint(**ckpt_args)`` with
    ``'period': 1``, the dicts made a cell before: each entry Keras 3 refuses is taken out of
    the dict where it is made (keyword_dicts.dropped_key, its value read as the literal the dict
    gives it), the calls stay as written, and the rate the author chose is the rate trained with."""
    finals, printed = migrated(tmp_path, SETTINGS_DICTS)
    assert "adam_args = {'learning_rate': 0.01, 'beta_1': 0.9}\n" in finals[1], finals[1]
    assert finals[1].endswith("ckpt_args = {'filepath': 'best.weights.h5', 'save_weights_only': True}"), finals[1]
    assert finals[2] == SETTINGS_DICTS[2]
    assert "rate 0.01" in printed


FIT_DICT = [
    "import numpy as np\nfrom tensorflow import keras\ntrain_args = dict(nb_epoch=3, batch_size=2, verbose=0)",
    "model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\nmodel.compile('sgd', 'mse')",
    "history = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), **train_args)\n"
    "print('epochs', len(history.history['loss']))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_keras1_fit_keyword_in_a_dict_made_cells_earlier_is_renamed_there(tmp_path: Path) -> None:  # fmt: skip
    """``model.fit(x, y, **train_args)`` with ``nb_epoch`` a key of the dict the first cell
    makes (diagnosis/keyword_sites.py): the key is renamed where the dict is made, the ``fit``
    stays as written, and the model trains for the epochs the author chose."""
    finals, printed = migrated(tmp_path, FIT_DICT)
    assert "train_args = dict(epochs=3, batch_size=2, verbose=0)" in finals[0], finals[0]
    assert finals[2] == FIT_DICT[2]
    assert "epochs 3" in printed
