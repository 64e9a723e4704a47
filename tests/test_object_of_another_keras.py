"""An object of another Keras package given to a Keras 3 model, its class imported cells earlier
(``from tensorflow.python.keras.optimizer_v2.gradient_descent import SGD``, TensorFlow's private
frozen Keras 2): Keras's message names the object it could not use, and the import of its class
is taken from the model's Keras, in the earlier cell for ``migrate`` and again at the corrected
cell's top for ``%%keras_check`` (rules/error_mixed.py). And a class imported from a Keras 2
module Keras 3 no longer has, under a spelling of Keras 2's (``keras.optimizers.legacy.rmsprop``'s
``RMSProp``), is found in the package the module belonged to (diagnosis/name_homes.py).
Diagnosed in-process, each cell kept in ``linecache`` as IPython keeps it."""

from __future__ import annotations

import importlib.util

import pytest
from cell_helpers import run_as_cell

from kerasmagic.diagnosis.engine import diagnose

KERAS_3_MODEL = [
    pytest.mark.envs("tf221-k3", "colab"),
    pytest.mark.skipif(
        importlib.util.find_spec("tensorflow") is None
        or importlib.util.find_spec("keras") is None
        or not __import__("keras").__version__.startswith("3"),
        reason="needs TensorFlow beside Keras 3",
    ),
]


def keras_3_model(test):  # type: ignore[no-untyped-def]
    for mark in KERAS_3_MODEL:
        test = mark(test)
    return test


BUILD = (
    "model = Sequential()\n"
    "model.add(Input((4,)))\n"
    "model.add(Dense(3, activation='softmax'))\n"
    "model.compile(loss='categorical_crossentropy', optimizer=SGD(learning_rate=0.1))\n"
)




def _private_sgd_available() -> bool:
    try:
        from tensorflow.python.keras.optimizer_v2.gradient_descent import SGD  # noqa: F401
    except Exception:
        return False
    return True


@keras_3_model
def test_an_optimizer_of_tensorflows_private_keras_imported_cells_earlier_is_taken_from_keras() -> None:  # fmt: skip
    if not _private_sgd_available():
        pytest.skip("this TensorFlow has no tensorflow.python.keras optimizer_v2")
    imports = (
        "from keras.models import Sequential\n"
        "from keras.layers import Dense, Input\n"
        "from tensorflow.python.keras.optimizer_v2.gradient_descent import SGD\n"
    )
    namespace: dict = {}
    run_as_cell(imports, "<imports>", namespace)
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier") as raised:
        run_as_cell(BUILD, "<build>", namespace)
    result = diagnose(
        BUILD, raised.value, namespace=namespace, filename="<build>", earlier=(imports,)
    )
    assert "mixed-keras-objects" in [s.id for s in result.suggestions]
    assert result.fixed_source == "from keras.optimizers import SGD\n" + BUILD, result.fixed_source
    earlier, here = result.fixed_across
    assert earlier == {0: imports.replace("tensorflow.python.keras.optimizer_v2.gradient_descent", "keras.optimizers")}  # fmt: skip
    assert here == BUILD
    run_as_cell(result.fixed_source, "<fixed>", namespace)  # compiles with Keras's own SGD
    assert type(namespace["model"].optimizer).__module__.startswith("keras")


@keras_3_model
def test_the_import_keeps_the_other_names_it_binds() -> None:
    if not _private_sgd_available():
        pytest.skip("this TensorFlow has no tensorflow.python.keras optimizer_v2")
    imports = (
        "from keras.models import Sequential\n"
        "from keras.layers import Dense, Input\n"
        "from tensorflow.python.keras.optimizer_v2.gradient_descent import SGD, optimizer_v2\n"
    )
    namespace: dict = {}
    run_as_cell(imports, "<imports>", namespace)
    with pytest.raises(ValueError) as raised:
        run_as_cell(BUILD, "<build>", namespace)
    result = diagnose(
        BUILD, raised.value, namespace=namespace, filename="<build>", earlier=(imports,)
    )
    earlier, _here = result.fixed_across
    assert earlier[0].splitlines()[2:] == [
        "from tensorflow.python.keras.optimizer_v2.gradient_descent import optimizer_v2",
        "from keras.optimizers import SGD",
    ]


@keras_3_model
def test_an_object_of_the_same_keras_is_not_called_mixed() -> None:
    """A class where an instance belongs (``optimizer=SGD``) is the user's slip, not a mix."""
    imports = "from keras.models import Sequential\nfrom keras.layers import Dense, Input\nfrom keras.optimizers import SGD\n"  # fmt: skip
    cell = BUILD.replace("SGD(learning_rate=0.1)", "SGD")
    namespace: dict = {}
    run_as_cell(imports, "<imports>", namespace)
    with pytest.raises(ValueError) as raised:
        run_as_cell(cell, "<build>", namespace)
    result = diagnose(
        cell, raised.value, namespace=namespace, filename="<build>", earlier=(imports,)
    )
    assert "mixed-keras-objects" not in [s.id for s in result.suggestions]


@keras_3_model
def test_a_class_of_a_keras_2_module_keras_3_lacks_is_found_in_its_package() -> None:
    cell = (
        "from keras.optimizers.legacy.rmsprop import RMSProp\nopt = RMSProp(learning_rate=0.001)\n"
    )
    with pytest.raises(ModuleNotFoundError) as raised:
        run_as_cell(cell, "<cell>", {})
    result = diagnose(cell, raised.value, namespace={}, filename="<cell>")
    assert result.fixed_source == "from keras.optimizers import RMSprop\nopt = RMSprop(learning_rate=0.001)\n", result.fixed_source  # fmt: skip
    namespace: dict = {}
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert type(namespace["opt"]).__name__ == "RMSprop"


@pytest.mark.envs("tf221-legacy")
def test_a_keras_3_layer_imported_cells_earlier_is_taken_from_tf_keras_under_the_legacy_switch() -> None:  # fmt: skip
    """``TF_USE_LEGACY_KERAS=1``: ``tf.keras`` is tf_keras (Keras 2), whose ``Sequential.add``
    refuses a layer of ``keras`` (Keras 3) imported cells earlier, naming its class."""
    if importlib.util.find_spec("tf_keras") is None:
        pytest.skip("needs tf_keras")
    imports = "import tensorflow as tf\nfrom keras.layers import Dense\n"
    cell = "model = tf.keras.Sequential([tf.keras.Input((4,))])\nmodel.add(Dense(2))\n"
    namespace: dict = {}
    run_as_cell(imports, "<imports>", namespace)
    with pytest.raises(
        TypeError, match="The added layer must be an instance of class Layer"
    ) as raised:
        run_as_cell(cell, "<cell>", namespace)
    result = diagnose(
        cell, raised.value, namespace=namespace, filename="<cell>", earlier=(imports,)
    )
    assert result.fixed_source == "from tensorflow.keras.layers import Dense\n" + cell, (
        result.fixed_source
    )
    earlier, _here = result.fixed_across
    assert earlier == {0: "import tensorflow as tf\nfrom tensorflow.keras.layers import Dense\n"}
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert type(namespace["model"].layers[-1]).__module__.startswith("tf_keras")
