"""``K.learning_phase()`` given to ``K.function`` through a name the cell binds (``phase =
K.learning_phase()``): Keras 3 has neither, so the corrected cell calls a model with
``training=`` the flag and the name's statement goes (rules/keras3_backend_function.py). Where
the name is read anywhere else nothing could stand in for it, and the function is left alone.
Diagnosed in-process, the cell kept in ``linecache`` as IPython keeps it."""

from __future__ import annotations

import linecache

import pytest

from kerasmagic.diagnosis.engine import diagnose

pytestmark = pytest.mark.envs("tf221-k3", "k3-jax")

CELL = (
    "import numpy as np\n"
    "import keras\n"
    "from keras import backend as K\n"
    "inp = keras.Input((4,))\n"
    "hid = keras.layers.Dense(3, activation='tanh')(inp)\n"
    "net = keras.Model(inp, keras.layers.Dense(2)(keras.layers.Dropout(0.5)(hid)))\n"
    "phase = K.learning_phase()\n"
    "probe = K.function([net.input, phase], [hid])\n"
    "hidden = probe([np.ones((2, 4), 'float32'), 0])[0]\n"
)


def _failing(source: str) -> tuple[dict, BaseException]:
    linecache.cache["<cell>"] = (len(source), None, source.splitlines(True), "<cell>")
    namespace: dict = {}
    with pytest.raises(AttributeError, match="learning_phase") as raised:
        exec(compile(source, "<cell>", "exec"), namespace)
    return namespace, raised.value


def test_a_named_learning_phase_goes_and_the_model_is_called_with_training() -> None:
    namespace, error = _failing(CELL)
    result = diagnose(CELL, error, namespace=namespace, filename="<cell>")
    fixed = result.fixed_source
    assert "keras3-backend-function" in [s.id for s in result.suggestions]
    assert fixed is not None and "learning_phase" not in fixed, fixed
    assert "training=bool(" in fixed, fixed
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["hidden"].shape == (2, 3)


def test_a_learning_phase_name_read_elsewhere_leaves_the_function_alone() -> None:
    source = CELL + "print(phase)\n"
    namespace, error = _failing(source)
    result = diagnose(source, error, namespace=namespace, filename="<cell>")
    fixed = result.fixed_source or ""
    assert "K.function([net.input, phase]" in fixed or not fixed, fixed
