"""A value the failing cell hands to a function another cell defines (a notebook's ``train(…)``
helper, called cells after its ``def``), or unpacked from a dict made cells earlier: the callback's monitored key is renamed where the call
writes it (rules/callback_keys.py through diagnosis/wrapper_calls.py), and the helper stays as
written. Diagnosed in-process, each cell kept in ``linecache`` as IPython keeps it."""

from __future__ import annotations

import importlib.util

import pytest
from cell_helpers import run_as_cell

from kerasmagic.diagnosis.engine import diagnose

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("keras") is None or not __import__("keras").__version__.startswith("3"),
    reason="needs Keras 3 (Keras 2 only warns on an unknown monitor)",
)

IMPORTS = "import numpy as np\nimport keras\n"
TRAIN = (
    "def train(monitor):\n"
    "    x = np.random.rand(32, 4).astype('float32')\n"
    "    y = keras.utils.to_categorical(np.arange(32) % 3, 3)\n"
    "    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation='softmax')])\n"
    "    model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])\n"
    "    stop = keras.callbacks.EarlyStopping(monitor=monitor, patience=2)\n"
    "    model.fit(x, y, validation_split=0.25, epochs=2, callbacks=[stop], verbose=0)\n"
    "    return model\n"
)




@pytest.mark.parametrize(
    ("cell", "fixed"),
    [
        ("model = train('val_acc')\n", "model = train('val_accuracy')\n"),
        ("watch = 'val_acc'\nmodel = train(monitor=watch)\n", "watch = 'val_accuracy'\nmodel = train(monitor=watch)\n"),  # fmt: skip
    ],
)
def test_a_monitored_key_passed_to_another_cells_helper_is_renamed_in_the_call(cell: str, fixed: str) -> None:  # fmt: skip
    namespace: dict = {}
    run_as_cell(IMPORTS, "<imports>", namespace)
    run_as_cell(TRAIN, "<train>", namespace)
    with pytest.raises(ValueError, match="val_acc") as raised:
        run_as_cell(cell, "<call>", namespace)
    result = diagnose(cell, raised.value, namespace=namespace, filename="<call>", earlier=(IMPORTS, TRAIN))
    assert "callback-acc-key" in [s.id for s in result.suggestions]
    assert result.fixed_source == fixed, result.fixed_source
    run_as_cell(result.fixed_source, "<fixed>", namespace)  # trains, monitoring the key Keras logs


def test_removed_keys_of_a_dict_a_bare_fit_cell_unpacks_go_where_the_dict_is_made() -> None:
    """The training cell is only ``model.fit(x, y, **fit_args)`` (no ``=`` of its own), the
    model and the dict made cells earlier: Keras 3's removed queue options leave the dict."""
    made = (
        "import numpy as np\nimport keras\n"
        "fit_args = {'epochs': 1, 'verbose': 0, 'workers': 2, 'use_multiprocessing': False}\n"
        "model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])\n"
        "model.compile('sgd', 'mse')\n"
    )
    cell = "model.fit(np.zeros((4, 2)), np.zeros((4, 1)), **fit_args)\n"
    namespace: dict = {}
    run_as_cell(made, "<made>", namespace)
    with pytest.raises((TypeError, ValueError), match="workers|use_multiprocessing") as raised:
        run_as_cell(cell, "<fit>", namespace)
    result = diagnose(cell, raised.value, namespace=namespace, filename="<fit>", earlier=(made,))
    assert "keras3-removed-keyword" in [s.id for s in result.suggestions]
    assert "fit_args = {'epochs': 1, 'verbose': 0}\n" in result.fixed_source, result.fixed_source
    run_as_cell(result.fixed_source, "<fixed>", namespace)


def test_a_numpy_count_handed_to_another_cells_builder_is_made_an_int_where_it_is_used() -> None:
    """``num_classes = max(y) + 1`` (a NumPy integer) returned by one cell's loader and passed by
    a ``__main__`` block to another cell's ``LeNet(num_classes)``: the parameter has no origin to
    change in that cell, so the layer's argument is made an ``int`` where the raising frame read
    it (rules/keras3_moved.py), in the cell ``migrate`` corrects (the one defining the builder)."""
    loader = (
        "import numpy as np\nimport keras\n"
        "def load():\n"
        "    y = np.array([0, 3, 9, 2], dtype='uint8')\n"
        "    num_classes = max(y) + 1\n"
        "    return [y, num_classes]\n"
    )
    builder = (
        "def build(num_classes):\n"
        "    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8)])\n"
        "    model.add(keras.layers.Dense(num_classes, activation='softmax'))\n"
        "    return model\n"
    )
    main = "if __name__ == '__main__':\n    [y, num_classes] = load()\n    model = build(num_classes)\n"  # fmt: skip
    namespace: dict = {"__name__": "__main__"}
    fixed = _corrected_where_defined(loader, builder, main, "expected a positive integer", "keras3-numpy-int-argument", namespace)  # fmt: skip
    assert "keras.layers.Dense(int(num_classes), activation='softmax')" in fixed
    assert namespace["model"].output_shape == (None, 10)


def _corrected_where_defined(before: str, definer: str, main: str, message: str, rule: str, namespace: dict) -> str:  # fmt: skip
    """``before`` and ``definer`` run, ``main`` fails with a ValueError matching ``message``;
    ``definer`` is diagnosed with that error, as ``migrate`` asks the cells before the failing one
    (``origins.origin_before``); the corrected ``definer`` and ``main`` run again. Its source."""
    run_as_cell(before, "<before>", namespace)
    run_as_cell(definer, "<definer>", namespace)
    with pytest.raises(ValueError, match=message) as raised:
        run_as_cell(main, "<main>", namespace)
    result = diagnose(definer, raised.value, namespace=namespace, earlier=(before,))
    assert rule in [s.id for s in result.suggestions]
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    run_as_cell(main, "<main again>", namespace)
    return result.fixed_source


@pytest.mark.envs("tf221-k3", "colab")  # JAX's trainer words the error otherwise
def test_an_h5_model_loaded_by_another_cells_function_is_compiled_again_after_the_load(tmp_path) -> None:  # fmt: skip
    """A loader of the user's builds its file name from its parameter (``'%s.h5' % problem``), so
    the name is known only when it runs: Keras 3's HDF5 loader leaves the optimizer built for no
    weights, and the loaded model is compiled again from the config the file records right after
    the load, for an HDF5 path only (rules/error_h5_optimizer.py), in the loader's own cell."""
    made = (
        "import os\nimport numpy as np\nimport keras\n"
        f"models_dir = {str(tmp_path)!r}\n"
        "x = np.random.rand(16, 3)\ny = np.eye(2)[np.arange(16) % 2]\n"
        "first = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation='softmax')])\n"
        "first.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss='categorical_crossentropy')\n"
        "first.fit(x, y, epochs=1, verbose=0)\n"
        "first.save(os.path.join(models_dir, 'toy.h5'))\n"
    )
    loader = (
        "def loadmodel(problem):\n"
        "    filename = os.path.join(models_dir, '%s.h5' % problem)\n"
        "    try:\n"
        "        model = keras.models.load_model(filename)\n"
        "    except OSError:\n"
        "        model = None\n"
        "    return model\n"
    )
    main = "model = loadmodel('toy')\nmodel.fit(x, y, epochs=1, verbose=0)\n"
    namespace: dict = {}
    fixed = _corrected_where_defined(made, loader, main, "Unknown variable", "h5-load-optimizer-unbuilt", namespace)  # fmt: skip
    assert "model.compile_from_config(model.get_compile_config())" in fixed
    # it trained, with the saved learning rate
    assert abs(float(namespace["model"].optimizer.learning_rate) - 0.003) < 1e-6
    assert namespace["loadmodel"]("missing") is None  # a missing file still raises OSError there


@pytest.mark.envs("tf221-k3", "colab")  # JAX's trainer words the error otherwise
def test_an_optimizer_an_earlier_cell_trained_a_model_with_is_copied_for_this_cells_model() -> None:
    """One ``SGD`` object compiled into a model per cell: the live optimizer is built for the
    first model's variables, not the one the message names, so this cell's ``compile`` gets its
    own optimizer of the same settings (rules/optimizer_state.py)."""
    made = (
        "import numpy as np\nimport keras\n"
        "x = np.random.rand(16, 1)\ny = 2 * x[:, 0]\n"
        "sgd = keras.optimizers.SGD(learning_rate=0.01)\n"
        "model0 = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])\n"
        "model0.compile(loss='mse', optimizer=sgd)\n"
        "model0.fit(x, y, epochs=1, verbose=0)\n"
    )
    cell = (
        "model1 = keras.Sequential([keras.Input((1,)), keras.layers.Dense(2), keras.layers.Dense(1)])\n"  # fmt: skip
        "model1.compile(loss='mse', optimizer=sgd)\n"
        "h1 = model1.fit(x, y, epochs=1, verbose=0)\n"
    )
    namespace: dict = {}
    run_as_cell(made, "<made>", namespace)
    with pytest.raises(ValueError, match="Unknown variable") as raised:
        run_as_cell(cell, "<cell>", namespace)
    result = diagnose(cell, raised.value, namespace=namespace, filename="<cell>", earlier=(made,))
    assert "optimizer-reused-across-models" in [s.id for s in result.suggestions]
    assert "optimizer=type(sgd).from_config(sgd.get_config())" in result.fixed_source
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert float(namespace["model1"].optimizer.learning_rate) == pytest.approx(0.01)
