"""``K.get_session().run(x)``: the session TensorFlow 1 Keras kept, run at once where it is made
(no ``sess =`` name). TensorFlow 2 has the value already: it is read directly, a run of a
variable initializer goes (rules/tf1_session_run.py). Diagnosed in-process, the cell kept in
``linecache`` as IPython keeps it."""

from __future__ import annotations

import linecache

import pytest

from kerasmagic.diagnosis.engine import diagnose

pytestmark = pytest.mark.envs("tf221-k3", "colab")

CELL = (
    "import numpy as np\n"
    "import tensorflow as tf\n"
    "import keras\n"
    "from keras import backend as K\n"
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
    "K.get_session().run(tf.global_variables_initializer())\n"
    "kernel = K.get_session().run(model.layers[0].kernel)\n"
    "both = K.get_session().run([model.layers[0].kernel, model.layers[0].bias])\n"
)


def test_a_session_run_where_it_is_made_reads_the_values_and_the_initializer_goes() -> None:
    linecache.cache["<cell>"] = (len(CELL), None, CELL.splitlines(True), "<cell>")
    namespace: dict = {}
    with pytest.raises(AttributeError, match="get_session|global_variables_initializer") as raised:
        exec(compile(CELL, "<cell>", "exec"), namespace)
    result = diagnose(CELL, raised.value, namespace=namespace, filename="<cell>")
    fixed = result.fixed_source
    assert "tf1-session-run" in [s.id for s in result.suggestions]
    assert fixed is not None and "get_session" not in fixed and "initializer" not in fixed, fixed
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["kernel"].shape == (3, 2)
    assert [b.shape for b in namespace["both"]] == [(3, 2), (2,)]


def test_a_tensorflow_session_made_only_to_read_a_tensor_reads_it_directly() -> None:
    """``tf.Session().run(t)`` of a session with no option, where TensorFlow 2 has no
    ``Session``: the eager tensor is read as the array the session returned."""
    cell = (
        "import tensorflow as tf\n"
        "noise = tf.random.uniform((4, 5, 1))\n"
        "first = tf.Session().run(noise[0])\n"
        "print(first.shape)\n"
    )
    linecache.cache["<cell2>"] = (len(cell), None, cell.splitlines(True), "<cell2>")
    namespace: dict = {}
    with pytest.raises(AttributeError, match="Session") as raised:
        exec(compile(cell, "<cell2>", "exec"), namespace)
    result = diagnose(cell, raised.value, namespace=namespace, filename="<cell2>")
    fixed = result.fixed_source
    assert "tf1-session-run" in [s.id for s in result.suggestions]
    assert fixed is not None and "Session" not in fixed, fixed
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["first"].shape == (5, 1) and type(namespace["first"]).__name__ == "ndarray"
