"""A ``compile(**settings)`` cells before the failing ``fit``, the dict made in a first cell with
Keras 2's long alias of a loss (rules/error_registered_name.py): the corrected training cell
compiles again with the key given anew (``migrate``, which rewrites every cell, renames the
string in the dict where it is made: the respell probe's unpacked variant). Diagnosed in-process
with the kernel's history."""

from __future__ import annotations

import pytest
from cell_helpers import keras3, run_as_cell

from kerasmagic.diagnosis.engine import diagnose

CELLS = [
    "compile_args = {'loss': 'kullback_leibler_divergence', 'optimizer': 'sgd'}",
    "import numpy as np\nimport keras",
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation='softmax')])",
    "model.compile(**compile_args)",
]
FIT = "y = keras.utils.to_categorical(np.arange(8) % 3, 3)\nmodel.fit(np.random.rand(8, 4), y, epochs=1, verbose=0)\n"  # fmt: skip


@keras3
def test_a_loss_alias_in_a_dict_compiled_cells_earlier_is_renamed_where_the_dict_is_made():
    namespace: dict = {}
    for cell in CELLS:
        exec(compile(cell, "<cell>", "exec"), namespace)
    with pytest.raises(ValueError, match="kullback_leibler_divergence") as raised:
        exec(compile(FIT, "<fit>", "exec"), namespace)
    result = diagnose(FIT, raised.value, namespace=namespace, earlier=tuple(CELLS))
    assert "keras3-renamed-identifier" in [s.id for s in result.suggestions]
    assert result.fixed_source.startswith("model.compile(**{**compile_args, 'loss': 'kl_divergence'})\n")  # fmt: skip
    exec(compile(result.fixed_source, "<fixed>", "exec"), namespace)  # trains with the Keras 3 name
    assert namespace["compile_args"]["loss"] == "kullback_leibler_divergence"  # the dict as made


BUILDER = (
    "def build(loss):\n"
    "    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation='softmax')])\n"
    "    model.compile(loss=loss, optimizer='sgd')\n"
    "    y = keras.utils.to_categorical(np.arange(8) % 3, 3)\n"
    "    model.fit(np.random.rand(8, 4), y, epochs=1, verbose=0)\n"
    "    return model\n"
)




@keras3
def test_a_loss_alias_passed_to_a_builder_an_earlier_cell_defines_is_renamed_in_the_call():
    """The helper layout: ``build(loss)`` compiles and trains in one cell, a later cell calls it
    with Keras 2's long alias (directly, or through a name it sets): the string is renamed where
    the calling cell writes it, and the builder stays as written."""
    namespace: dict = {}
    run_as_cell("import numpy as np\nimport keras\n", "<imports>", namespace)
    run_as_cell(BUILDER, "<builder>", namespace)
    for cell, fixed in [
        ("model = build('kullback_leibler_divergence')\n", "model = build('kl_divergence')\n"),
        ("which = 'kullback_leibler_divergence'\nmodel = build(loss=which)\n",
         "which = 'kl_divergence'\nmodel = build(loss=which)\n"),
    ]:  # fmt: skip
        with pytest.raises(ValueError, match="kullback_leibler_divergence") as raised:
            run_as_cell(cell, "<call>", namespace)
        earlier = ("import numpy as np\nimport keras\n", BUILDER)
        result = diagnose(cell, raised.value, namespace=namespace, filename="<call>", earlier=earlier)
        assert "keras3-renamed-identifier" in [s.id for s in result.suggestions]
        assert result.fixed_source == fixed, result.fixed_source
        run_as_cell(result.fixed_source, "<fixed>", namespace)  # trains with the Keras 3 name


@keras3
def test_one_metric_in_a_dict_an_earlier_cell_makes_is_put_in_a_list_there():
    """``compile(**settings)`` with ``'metrics': 'accuracy'`` in a dict a first cell makes: the
    compiling cell's own text never says ``metrics``, and the metric is still put in a list, in
    the dict (bound again at the corrected cell's top; ``migrate`` changes the first cell)."""
    settings = "settings = {'loss': 'binary_crossentropy', 'optimizer': 'sgd', 'metrics': 'accuracy'}\n"
    imports = "import numpy as np\nimport keras\n"
    cell = (
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(**settings)\n"
        "history = model.fit(np.random.rand(8, 4), np.arange(8) % 2, epochs=1, verbose=0)\n"
    )
    namespace: dict = {}
    run_as_cell(settings, "<settings>", namespace)
    run_as_cell(imports, "<imports>", namespace)
    with pytest.raises(ValueError, match="metrics") as raised:
        run_as_cell(cell, "<compile>", namespace)
    result = diagnose(cell, raised.value, namespace=namespace, filename="<compile>", earlier=(settings, imports))  # fmt: skip
    assert "keras3-metrics-not-list" in [s.id for s in result.suggestions]
    earlier, _ = result.fixed_across
    assert "'metrics': ['accuracy']" in earlier[0]
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert "accuracy" in namespace["history"].history


@keras3
def test_a_metric_list_in_a_dict_compiled_cells_earlier_is_given_anew_in_the_use():
    """``compile(**settings)`` where the dict (a first cell) holds a list of metrics with Keras
    2's name of a loss function: the key is given anew in the use, which carries the respelled
    list; the dict stays as made."""
    settings = "settings = {'loss': 'mse', 'optimizer': 'sgd', 'metrics': ['mae', 'logcosh']}\n"
    model = "import numpy as np\nimport keras\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])\n"  # fmt: skip
    cells = [settings, model, "model.compile(**settings)\n"]
    fit = "history = model.fit(np.random.rand(8, 4), np.random.rand(8, 1), epochs=1, verbose=0)\n"
    namespace: dict = {}
    for number, cell in enumerate(cells):
        run_as_cell(cell, f"<cell{number}>", namespace)
    with pytest.raises(ValueError, match="logcosh") as raised:
        run_as_cell(fit, "<fit>", namespace)
    result = diagnose(fit, raised.value, namespace=namespace, filename="<fit>", earlier=tuple(cells))
    assert "keras3-metric-by-loss-name" in [s.id for s in result.suggestions]
    assert result.fixed_source == (
        "model.compile(**{**settings, 'metrics': ['mae', 'log_cosh_error']})\n" + fit
    ), result.fixed_source
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert "log_cosh_error" in namespace["history"].history
    assert namespace["settings"]["metrics"] == ["mae", "logcosh"]  # the dict as made
