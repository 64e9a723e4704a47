"""``Scope`` (diagnosis/bindings.py): what each name of a cell is bound to, from its imports and
from the live namespace earlier cells left, with real Keras objects in this process.

Written from the mutants of ``bindings.py`` that ``tests/test_engine.py`` and
``tests/test_keras3_rules.py`` let through (docs/mutation.md); ``tests/test_earlier_bindings.py``
checks the same through a real kernel.
"""

from __future__ import annotations

import ast

import pytest
from conftest import run_python_json

from kerasmagic.diagnosis.context import CellContext

pytestmark = pytest.mark.envs("tf221-k3")


def _scope(source: str, namespace: dict | None = None):
    return CellContext.of(source, namespace=namespace).scope


def _expr(source: str) -> ast.expr:
    return ast.parse(source, mode="eval").body


def test_the_namespace_binds_its_modules_and_the_keras_classes_the_cell_reads():
    import keras
    import numpy

    ns = {"K": keras.backend, "np": numpy, "_k": keras, "SGD": keras.optimizers.SGD, "n": 3}
    scope = _scope("x = K.epsilon() + np.pi + _k.backend.epsilon()\nopt = SGD()\n", ns)
    assert scope.bindings["K"] == "keras.backend" and scope.bindings["np"] == "numpy"
    assert scope.bindings["SGD"] == "keras.optimizers.SGD"
    assert "_k" not in scope.bindings and "n" not in scope.bindings  # private, not Keras
    assert scope.outer_used == {"K", "np", "SGD"}


def test_the_path_a_cell_writes_prefers_the_name_asked_for():
    scope = _scope("import keras\nimport keras as k\n")
    assert scope.expr_for("keras.layers.Dense", prefer="k") == "k.layers.Dense"
    assert scope.expr_for("keras.layers.Dense", prefer="keras") == "keras.layers.Dense"
    assert scope.expr_for("numpy.zeros") is None


def test_the_callee_of_a_call_is_the_live_object():
    import keras

    sgd = keras.optimizers.SGD
    scope = _scope("import keras\nkeras.optimizers.SGD()\n")
    assert scope.callee(_expr("keras.optimizers.SGD")) == (sgd, "keras.optimizers.SGD")
    # a class an earlier cell imported, one the code chose at run time, one out of a table
    imported = _scope("SGD()\n", {"SGD": sgd})
    assert imported.callee(_expr("SGD")) == (sgd, "keras.optimizers.SGD")
    chosen = _scope("opt_cls = pick()\nopt_cls()\n", {"opt_cls": sgd})
    assert chosen.callee(_expr("opt_cls")) == (sgd, "SGD")
    table = _scope("OPTS['sgd']()\n", {"OPTS": {"sgd": sgd}})
    assert table.callee(_expr("OPTS['sgd']")) == (sgd, "SGD")
    assert _scope("C()\n", {"C": dict}).callee(_expr("C")) is None  # not Keras


def test_what_refers_to_keras():
    scope = _scope("import keras\nimport numpy as np\n")
    assert scope.refers_to_keras(_expr("keras.layers.Dense"))
    assert not scope.refers_to_keras(_expr("np.zeros"))
    assert not scope.refers_to_keras(_expr("make().layers"))


def test_the_receiver_is_the_live_model_unless_the_cell_binds_the_name():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    assert _scope("model.fit(x)\n", {"model": model}).receiver_classes(_expr("model")) == [
        keras.Sequential
    ]
    rebound = _scope("model = make()\nmodel.fit(x)\n", {"model": model})
    assert rebound.receiver_classes(_expr("model")) == []


def test_a_cell_working_in_tf_keras_searches_it_first():
    """In a fresh process where TensorFlow is imported and ``tf.keras`` never resolved, a cell
    that uses ``tf.keras`` searches it first; one importing only ``keras`` searches ``keras``."""
    data = run_python_json(
        """
        import json
        import tensorflow as tf
        import keras
        from kerasmagic.diagnosis.context import CellContext
        tf_cell = CellContext.of("import tensorflow as tf\\nx = tf.keras.layers.Dense(1)\\n")
        keras_cell = CellContext.of("import keras\\nx = keras.layers.Dense(1)\\n")
        print(json.dumps([tf_cell.scope.preferred_roots(), keras_cell.scope.preferred_roots()]))
        """
    )
    tf_roots, keras_roots = data
    assert tf_roots[0] == "tensorflow.keras"
    assert keras_roots[0] == "keras"


def test_a_module_assigned_to_a_name_is_bound_like_an_import():
    scope = _scope("import keras\nK = keras.backend\nx = K.epsilon()\n")
    assert scope.bindings["K"] == "keras.backend" and "K" not in scope.user_bound
    assert "y" not in _scope("import keras\ny = keras.backend.epsilon()\n").bindings


def test_a_member_assigned_to_a_name_is_bound_like_an_import():
    """``to_categorical = keras.utils.to_categorical`` as ``from keras.utils import
    to_categorical``; a member this Keras lacks too (what the import would fail on); not a name
    assigned twice, nor a path through no bound module."""
    scope = _scope("import keras\nto_categorical = keras.utils.to_categorical\ny = to_categorical([1], 2)\n")
    assert scope.bindings["to_categorical"] == "keras.utils.to_categorical" and "to_categorical" not in scope.user_bound  # fmt: skip
    gone = _scope("import keras\nmulti_gpu_model = keras.utils.multi_gpu_model\n")
    assert gone.bindings["multi_gpu_model"] == "keras.utils.multi_gpu_model"
    twice = _scope("import keras\nf = keras.utils.to_categorical\nf = len\n")
    assert "f" not in twice.bindings and "f" in twice.user_bound
    assert "g" not in _scope("g = tools.to_categorical\n").bindings


def test_the_batch_size_of_a_live_generator():
    """A generator object with an ``int`` ``batch_size`` (a Keras 2 ``flow`` iterator's, here a
    plain object: Keras 3 has no ``ImageDataGenerator``) gives it; a list does not."""
    import types

    from kerasmagic.diagnosis.samples_per_batch import batch_size_expr

    flow = types.SimpleNamespace(batch_size=2)
    source = "model.fit_generator(gen, steps_per_epoch=2)\n"
    for value, expected in ((flow, "gen.batch_size"), ([1, 2], None)):
        ctx = CellContext.of(source, namespace={"gen": value})
        call = next(n for n in ast.walk(ctx.cell.tree) if isinstance(n, ast.Call))
        assert batch_size_expr(ctx, call) == expected
