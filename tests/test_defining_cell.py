"""An error raised inside a helper an earlier cell defines (``def train(…)`` in one cell,
``train(…)`` in the next): the rules are run on the cell that defines it, and their fixes are
placed as the definition again at the top of the corrected cell (what the kernel runs) and as the
earlier cell's own edits for ``migrate`` (diagnosis/defining_cell.py). Diagnosed in-process, each
cell kept in ``linecache`` as IPython keeps it, and each corrected cell run for real."""

from __future__ import annotations

import importlib.util

import pytest
from cell_helpers import run_as_cell
from kernel_helpers import Kernel, fixed_source, printed

from kerasmagic.diagnosis.engine import diagnose

pytestmark = [
    pytest.mark.envs("tf221-k3", "colab", "k3-jax"),
    pytest.mark.skipif(
        importlib.util.find_spec("keras") is None
        or not __import__("keras").__version__.startswith("3"),
        reason="needs Keras 3",
    ),
]

IMPORTS = "import numpy as np\nimport keras\n"


def _failing(cells: list[str]) -> tuple[dict, object]:
    """Run ``cells`` as a notebook's; the diagnosis of the last one, which must fail."""
    namespace: dict = {"__name__": "__main__"}
    for index, source in enumerate(cells[:-1]):
        run_as_cell(source, f"<cell-{index}>", namespace)
    with pytest.raises(Exception) as raised:
        run_as_cell(cells[-1], f"<cell-{len(cells) - 1}>", namespace)
    result = diagnose(cells[-1], raised.value, namespace=namespace, earlier=tuple(cells[:-1]))
    return namespace, result


def _runs(source: str, namespace: dict) -> None:
    run_as_cell(source, "<corrected>", namespace)


CALLBACK_HELPER = (
    "def train(epochs):\n"
    "    class Logger(keras.callbacks.Callback):\n"
    "        def set_model(self, model):\n"
    "            self.model = model\n"
    "            self.seen = len(model.layers)\n"
    "    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "    model.compile('sgd', 'mse')\n"
    "    model.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=epochs, verbose=0,\n"
    "              callbacks=[Logger()])\n"
    "    return model\n"
)


def test_a_callback_class_of_a_helper_is_fixed_where_the_helper_is_defined() -> None:
    namespace, result = _failing([IMPORTS, CALLBACK_HELPER, "trained = train(1)\n"])
    assert result.fixed_source is not None
    assert result.fixed_source.startswith("def train(epochs):\n")
    assert "super().set_model(model)" in result.fixed_source
    assert result.fixed_source.rstrip().endswith("trained = train(1)")
    earlier, here = result.fixed_across
    assert set(earlier) == {1} and "super().set_model(model)" in earlier[1]
    assert here == "trained = train(1)\n"
    _runs(result.fixed_source, namespace)
    assert namespace["trained"].built


SEVERAL_FIXES_HELPER = (
    "def build(rate, drop):\n"
    "    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),\n"
    "                              keras.layers.BatchNormalization(fused=False),\n"
    "                              keras.layers.Dense(1)])\n"
    "    model.compile(optimizer=keras.optimizers.SGD(lr=rate), loss='mse')\n"
    "    return model\n"
)


def test_several_fixes_of_one_helper_make_one_copy_of_it() -> None:
    namespace, result = _failing([IMPORTS, SEVERAL_FIXES_HELPER, "net = build(0.1, 0.5)\n"])
    fixed = result.fixed_source
    assert fixed is not None
    assert fixed.count("def build(") == 1
    assert "fused" not in fixed and "learning_rate=rate" in fixed
    _runs(fixed, namespace)
    assert float(namespace["net"].optimizer.learning_rate.numpy()) == pytest.approx(0.1)


RATE_PARAMETER_HELPER = (
    "def build_model(n_in, lr=0.001):\n"
    "    model = keras.Sequential([keras.Input((n_in,)), keras.layers.Dense(1)])\n"
    "    model.compile(optimizer=keras.optimizers.Adam(lr=lr), loss='mse')\n"
    "    return model\n"
)


def test_a_keyword_of_the_helpers_own_parameter_is_left_at_the_call() -> None:
    """``build_model(5, lr=0.003)``: the refused ``lr`` is the helper's own parameter, passed on
    to ``Adam(lr=lr)`` in its definition; the call's keyword stays (renaming it breaks the call)
    and the definition is fixed, so the rate the call gives is the one the model trains at."""
    namespace, result = _failing([IMPORTS, RATE_PARAMETER_HELPER, "model = build_model(5, lr=0.003)\n"])  # fmt: skip
    fixed = result.fixed_source
    assert fixed is not None
    assert "Adam(learning_rate=lr)" in fixed
    assert fixed.rstrip().endswith("model = build_model(5, lr=0.003)")
    _runs(fixed, namespace)
    assert float(namespace["model"].optimizer.learning_rate.numpy()) == pytest.approx(0.003)


SUBCLASSED_HELPER = (
    "def weights_of_first_layer(shape):\n"
    "    class Two(keras.Model):\n"
    "        def __init__(self):\n"
    "            super().__init__()\n"
    "            self.hidden = keras.layers.Dense(5)\n"
    "            self.top = keras.layers.Dense(1)\n"
    "        def call(self, x):\n"
    "            return self.top(self.hidden(x))\n"
    "    net = Two()\n"
    "    net.build(shape)\n"
    "    kernel, bias = net.layers[0].get_weights()\n"
    "    return kernel.shape\n"
)


def test_a_model_a_helper_builds_is_read_from_the_helpers_locals() -> None:
    namespace, result = _failing([IMPORTS, SUBCLASSED_HELPER, "shape = weights_of_first_layer((None, 2))\n"])  # fmt: skip
    assert result.fixed_source is not None
    assert "net(keras.Input(batch_shape=shape))" in result.fixed_source
    _runs(result.fixed_source, namespace)
    assert tuple(namespace["shape"]) == (2, 5)


LAYER_WITH_BACKEND_OPS = (
    "class Pool(Layer):\n"
    "    def call(self, x):\n"
    "        weights = K.softmax(K.sum(x, axis=-1))\n"
    "        return K.sum(x * K.expand_dims(weights), axis=1)\n"
)


def test_an_import_the_fix_adds_above_the_definition_comes_with_its_copy() -> None:
    """A Keras 2 layer written with ``K.`` in a cell that never imports ``keras`` itself: its
    ``keras.ops`` calls need ``import keras``, which goes before the class's copy in the
    corrected cell (and at the top of the earlier cell for ``migrate``)."""
    imports = "import numpy as np\nfrom keras import backend as K\nfrom keras.layers import Layer, Input\nfrom keras.models import Model\n"  # fmt: skip
    cell = "inp = Input((5, 4))\nmodel = Model(inp, Pool()(inp))\n"
    namespace, result = _failing([imports, LAYER_WITH_BACKEND_OPS, cell])
    fixed = result.fixed_source
    assert fixed is not None and fixed.startswith("import keras\nclass Pool(Layer):"), fixed
    earlier, _ = result.fixed_across
    assert earlier[1].startswith("import keras\n") and "keras.ops.softmax" in earlier[1]
    _runs(fixed, namespace)
    ones = namespace["np"].ones((2, 5, 4))  # the cells' own NumPy (none in the bare environment)
    assert namespace["model"].predict(ones, verbose=0).shape == (2, 4)


def test_a_helper_no_earlier_cell_holds_is_left_alone() -> None:
    namespace: dict = {"__name__": "__main__"}
    run_as_cell(IMPORTS, "<cell-0>", namespace)
    run_as_cell(CALLBACK_HELPER, "<cell-1>", namespace)
    with pytest.raises(AttributeError) as raised:
        run_as_cell("train(1)\n", "<cell-2>", namespace)
    result = diagnose("train(1)\n", raised.value, namespace=namespace, earlier=(IMPORTS,))
    assert result.fixed_source is None
    assert result.fixed_across is None


def test_a_helper_of_a_cell_with_a_line_magic_is_fixed_through_a_real_kernel(kernel: Kernel) -> None:
    """In a kernel the defining cell is found by the text IPython compiled (its ``%magic`` line
    transformed), and ``%%keras_check`` on the calling cell gives the helper again, corrected."""
    printed(kernel.run("%load_ext kerasmagic"))
    printed(kernel.run(IMPORTS))
    printed(kernel.run("%precision 3\n" + SEVERAL_FIXES_HELPER))
    fixed = fixed_source(kernel.run("%%keras_check\nnet = build(0.1, 0.5)"))
    assert fixed is not None and fixed.count("def build(") == 1, fixed
    assert "fused" not in fixed and "learning_rate=rate" in fixed
    shown = printed(kernel.run(fixed + "\nprint(float(net.optimizer.learning_rate.numpy()))"))
    assert float(shown.split()[-1]) == pytest.approx(0.1)
