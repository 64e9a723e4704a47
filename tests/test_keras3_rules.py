"""The Keras 2 → 3 rules (issue 16 item 2) on cells linted against the real Keras here: what the
corrected cell says, read from the live signatures, and that Keras 2 cells are left alone."""

from __future__ import annotations

import importlib.util

import pytest

from kerasmagic.diagnosis.engine import lint


def _keras_major() -> int:
    if importlib.util.find_spec("keras") is None:
        return 0
    import keras

    return int(keras.__version__.split(".")[0])


keras3 = pytest.mark.skipif(_keras_major() < 3, reason="needs Keras 3")
keras2 = pytest.mark.skipif(_keras_major() != 2, reason="needs Keras 2")


def fixed(source: str) -> str:
    result = lint(source)
    assert result.internal_error is None, result.internal_error
    assert result.fixed_source is not None, [s.id for s in result.suggestions]
    compile(result.fixed_source, "<fixed>", "exec")
    return result.fixed_source


@keras3
def test_backend_ops_keep_keras2_defaults_and_names():
    pytest.importorskip("tensorflow")  # the Keras 2 signatures come from Keras 3's legacy copy
    out = fixed(
        "from keras import backend as K\n"
        "def f(a, b):\n"
        "    return K.concatenate([a, b]), K.pow(a, 2), K.argmax(a), K.mean(K.square(a), axis=1)\n"
        "shape = K.int_shape(f)\n"
        "eps = K.epsilon()\n"
    )
    assert "keras.ops.concatenate([a, b], axis=-1)" in out  # Keras 2 joined the last axis
    assert "keras.ops.power(x1=a, x2=2)" in out or "keras.ops.power(a, 2)" in out
    assert "keras.ops.argmax(a, axis=-1)" in out  # Keras 2's default axis, not Keras 3's None
    assert "keras.ops.mean(keras.ops.square(a), axis=1)" in out
    assert "tuple(f.shape)" in out
    assert "K.epsilon()" in out  # still in keras.backend
    assert out.startswith("import keras\n")


@keras3
def test_backend_ops_are_written_through_the_name_the_cell_binds_keras_to():
    pytest.importorskip("tensorflow")  # the Keras 2 signatures come from Keras 3's legacy copy
    out = fixed(
        "import keras as ks\nfrom keras import backend as K\n"
        "def f(a):\n    return K.dropout(a, 0.5), K.mean(K.square(a), axis=1)\n"
    )
    assert "ks.random.dropout(a, 0.5)" in out and "ks.ops.mean(ks.ops.square(a), axis=1)" in out
    assert "import keras\n" not in out  # nothing imported again under a second name


@keras3
def test_several_keyword_problems_fixed_together():
    out = fixed(
        "import keras\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.BatchNormalization(fused=True)])\n"
        "opt = keras.optimizers.Adam(learning_rate=0.1, epsilon=None)\n"
        "model.compile(optimizer=opt, loss='mse', metrics='mae')\n"
        "model.fit([[0.0] * 4], [[0.0] * 4], workers=4, use_multiprocessing=True, max_queue_size=3)\n"
    )
    for gone in ("fused", "epsilon=None", "workers", "use_multiprocessing", "max_queue_size"):
        assert gone not in out
    assert "metrics=['mae']" in out


@keras3
def test_batch_input_shape_and_generator_lists():
    out = fixed(
        "import numpy as np\n"
        "from keras.models import Sequential\n"
        "from keras.layers import LSTM, Dense\n"
        "def batches():\n"
        "    while True:\n"
        "        yield np.zeros((1, 2, 3)), [np.zeros((1, 1))]\n"
        "model = Sequential()\n"
        "model.add(LSTM(4, batch_input_shape=(1, 2, 3), stateful=True))\n"
        "model.add(Dense(1))\n"
        "model.compile(optimizer='adam', loss='mse')\n"
        "model.fit(batches(), steps_per_epoch=1, verbose=0)\n"
        "model.reset_states()\n"
    )
    assert "model.add(keras.Input(batch_shape=(1, 2, 3)))\nmodel.add(LSTM(4, stateful=True))" in out
    assert "yield np.zeros((1, 2, 3)), (np.zeros((1, 1)),)" in out
    assert "_layer.reset_states()" in out


@keras3
def test_a_reset_states_result_kept_in_a_name_stays_none():
    """Keras 2's ``Model.reset_states()`` returned None, which code kept (``hidden = …``): the
    loop over the stateful layers, and the name still bound to None."""
    out = fixed(
        "import keras\n"
        "model = keras.Sequential([keras.Input(batch_shape=(1, 2, 3)), keras.layers.LSTM(4, stateful=True)])\n"
        "hidden = model.reset_states()\n"
    )
    assert "_layer.reset_states()\nhidden = None" in out


@pytest.mark.envs("tf221-k3", "colab")  # the module's Keras 2 members live in tf.keras's copy
def test_a_module_imported_under_a_name_goes_where_the_members_it_reads_live():
    """``import keras.preprocessing.text as T``, gone from Keras 3: the one module where every
    ``T.member`` the cell reads lives, found as ``from … import member`` finds it."""
    out = fixed("import keras.preprocessing.text as T\nwords = T.text_to_word_sequence('a b')\n")
    assert out.startswith("import tensorflow.keras.preprocessing.text as T\n"), out


@keras3
def test_alias_by_object_identity():
    out = fixed("from keras.losses import mse\nvalue = mse\n")
    assert "from keras.losses import mean_squared_error" in out


@keras2
def test_keras2_cells_are_left_alone():
    result = lint(
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])\n"
        "model.compile(optimizer='adam', loss='mse', metrics='mae')\n"
        "from keras.losses import mse\n"
    )
    assert not [s for s in result.suggestions if s.id.startswith("keras3-")]


@keras3
@pytest.mark.parametrize("root", ["keras", "tensorflow.keras"])
def test_a_stub_imported_by_an_earlier_cell_is_rebound_in_the_failing_cell(root):
    """``from keras.optimizers.legacy import RMSprop`` runs in Keras 3 (the module is a stub);
    the later cell that builds it fails and holds no import to rewrite: the corrected cell
    imports the real class itself, and its ``lr=`` is renamed in the same pass."""
    if root.startswith("tensorflow"):
        tf = pytest.importorskip("tensorflow")
        if not str(getattr(tf.keras, "__version__", "2")).startswith("3"):
            pytest.skip("tf.keras is Keras 2 here: its legacy optimizers are real")
    from kerasmagic.diagnosis.engine import diagnose

    namespace: dict = {}
    exec(f"from {root}.optimizers.legacy import RMSprop\n", namespace)
    cell = "def build():\n    return RMSprop(lr=0.005)\nopt = build()\n"
    with pytest.raises(ImportError) as raised:
        exec(compile(cell, "<cell>", "exec"), namespace)
    result = diagnose(cell, raised.value, namespace=namespace, filename="<cell>")
    assert result.internal_error is None, result.internal_error
    assert result.suggestions[0].id == "legacy-optimizers-keras3", result.suggestions
    fixed_cell = result.fixed_source
    assert fixed_cell is not None
    # the module the earlier cell named, or another root serving the same Keras here
    homes = {f"from {r}.optimizers import RMSprop\n" for r in (root, "keras", "tensorflow.keras")}
    assert any(fixed_cell.startswith(h) for h in homes), fixed_cell
    assert "RMSprop(learning_rate=0.005)" in fixed_cell
    exec(compile(fixed_cell, "<fixed>", "exec"), namespace)
    assert float(namespace["opt"].learning_rate) == pytest.approx(0.005)


@keras3
def test_a_method_of_an_earlier_cells_model_is_judged_by_that_model():
    """``model.fit_generator`` where ``model`` is a Keras 3 model from an earlier cell: fixed by
    that object's class, even where ``tf.keras`` is another Keras that still has the method
    (tf221-legacy: tf_keras 2 beside Keras 3)."""
    import keras
    import numpy as np

    from kerasmagic.diagnosis.engine import diagnose

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    namespace = {"model": model, "np": np}
    cell = (
        "def batches():\n"
        "    while True:\n"
        "        yield np.zeros((4, 2)), np.zeros((4, 1))\n"
        "model.fit_generator(batches(), steps_per_epoch=2, epochs=1, verbose=0)\n"
    )
    with pytest.raises(AttributeError) as raised:
        exec(compile(cell, "<cell>", "exec"), namespace)
    result = diagnose(cell, raised.value, namespace=namespace, filename="<cell>")
    assert result.internal_error is None, result.internal_error
    assert result.fixed_source is not None, [s.id for s in result.suggestions]
    assert "model.fit(batches(), steps_per_epoch=2" in result.fixed_source
    exec(compile(result.fixed_source, "<fixed>", "exec"), namespace)


@keras3
def test_a_checkpoint_period_keras2_read_is_never_dropped_as_ignored(tmp_path, monkeypatch):
    """Keras 2's ``ModelCheckpoint`` read ``period`` from its ``**kwargs`` (it saved every N
    epochs): where no ``save_freq`` of the same epochs can be computed (``validation_split``),
    the checkpoint is given to Keras 2's epoch count (``_keras2_period``), never dropped as a
    keyword Keras 2 ignored."""
    import kerasmagic

    monkeypatch.chdir(tmp_path)
    result = kerasmagic.check(
        "import numpy as np\nimport keras\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "model.compile('adam', 'mse')\n"
        "cp = keras.callbacks.ModelCheckpoint('m.{epoch:02d}.weights.h5', save_weights_only=True, period=2)\n"
        "model.fit(np.ones((20, 3)), np.ones(20), validation_split=0.2, epochs=4, callbacks=[cp], verbose=0)\n"
    )
    ids = [s.id for s in result.suggestions]
    assert "keras3-checkpoint-period" in ids, ids
    assert "keras2-ignored-keyword" not in ids, ids
    assert result.fixed_source is not None, ids
    assert "save_weights_only=True), 2)" in result.fixed_source, result.fixed_source
    assert "def _keras2_period(checkpoint, period):" in result.fixed_source


@keras3
def test_gradient_of_a_model_input_in_a_loss_is_left_alone():
    """A loss made by a function, taking ``K.gradients`` of the model's tensors: Keras calls it on
    each batch's values, where no layer can join the graph; the same gradient outside a loss is
    rewritten."""
    pytest.importorskip("tensorflow")
    head = (
        "from keras import backend as K\n"
        "from keras.layers import Dense, Input\n"
        "from keras.models import Model\n"
        "inputs = Input(shape=(1,))\n"
        "outputs = Dense(1)(inputs)\n"
        "model = Model(inputs, outputs)\n"
    )
    penalty = (
        "    grads = K.gradients(outputs, inputs)[0]\n"
        "    return K.mean(K.square(y_pred - y_true)) + K.mean(K.square(grads))\n"
    )
    named = head + "def penalised(y_true, y_pred):\n" + penalty + "model.compile(loss=penalised, optimizer='adam')\n"  # fmt: skip
    made = head + (
        "def make_loss(weight):\n"
        "    def loss(y_true, y_pred):\n" + penalty.replace("    ", "        ") + "    return loss\n"
        "model.compile(loss=make_loss(0.1), optimizer='adam', metrics=['mae'])\n"
    )
    namespace: dict = {}
    exec(compile(head, "<cell>", "exec"), namespace)  # the live input tensor the rule reads

    def ids(source: str) -> list[str]:
        return [s.id for s in lint(source, namespace=namespace).suggestions]

    assert "keras3-gradients" not in ids(named)
    assert "keras3-gradients" not in ids(made)
    # the loss's own cell, compiled in another: the live model names the function it trains with
    exec(compile(made, "<cell>", "exec"), namespace)
    alone = "def make_loss(weight):\n    def loss(y_true, y_pred):\n" + penalty.replace("    ", "        ") + "    return loss\n"  # fmt: skip
    assert "keras3-gradients" not in ids(alone)
    assert "keras3-gradients" in ids(head + "grads = K.gradients(outputs, inputs)[0]\n")


@keras3
def test_load_img_grayscale_becomes_the_color_mode_it_set():
    """Keras 2's ``load_img(grayscale=True)`` set ``color_mode='grayscale'`` (a warning since
    Keras 2.2); Keras 3's has no ``grayscale``: the catalogue's table translates the truth value,
    and ``grayscale=False``, the default, is left out. No image is read: the live signature decides."""
    out = fixed(
        "from keras.utils import load_img\n"
        "a = load_img('a.png', grayscale=True, target_size=(28, 28))\n"
        "b = load_img('b.png', grayscale=False)\n"
    )
    assert "a = load_img('a.png', color_mode='grayscale', target_size=(28, 28))\n" in out
    assert "b = load_img('b.png')\n" in out


@pytest.mark.envs("tf221-k3", "colab")  # tf.keras is Keras 3 (not tf_keras: tf221-legacy)
def test_gradient_of_tf_keras_backend_is_rewritten_and_gives_the_same_values():
    """``tf.keras.backend`` under Keras 3 still has ``gradients`` (the legacy copy Keras keeps for
    TF's namespace), but it calls ``tf.compat.v1.gradients``, which eager execution refuses: the
    corrected cell takes the gradient as for ``keras.backend``, and its values are the tape's."""
    tf = pytest.importorskip("tensorflow")
    import numpy as np

    import kerasmagic

    source = (
        "import numpy as np\n"
        "import tensorflow as tf\n"
        "Kb = tf.keras.backend\n"
        "image = tf.keras.Input(shape=(3,))\n"
        "scores = tf.keras.layers.Dense(2, kernel_initializer='ones')(image)\n"
        "net = tf.keras.Model(image, scores)\n"
        "target = tf.keras.ops.sum(tf.keras.ops.square(net.output))\n"
        "saliency = Kb.gradients(target, net.input)[0]\n"
        "probe = tf.keras.Model(net.input, saliency)\n"
        "values = probe.predict(np.array([[1.0, 2.0, 3.0]]), verbose=0)\n"
    )
    first = kerasmagic.check(source)
    assert first.error_type == "RuntimeError", first.error_message
    assert "keras3-gradients" in [s.id for s in first.suggestions]
    namespace: dict = {}
    exec(compile(first.fixed_source or "", "<fixed>", "exec"), namespace)
    x = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.square(tf.matmul(x, tf.ones((3, 2)))))
    np.testing.assert_allclose(namespace["values"], tape.gradient(y, x).numpy(), rtol=1e-5)
