"""Strings Keras 3's resolvers fail on, and the objects Keras 2 made of them
(``diagnosis/keras2_identifiers.py``, rules/error_keras2_identifier.py): the string is read from
the frame of Keras's own ``get`` (``'constant'`` raises ``KeyError: 'value'``, a message naming
nothing), the object from the generated map and the live Keras."""

from __future__ import annotations

import pytest
from cell_helpers import keras3, run_as_cell

from kerasmagic.diagnosis.engine import diagnose
from kerasmagic.diagnosis.keras2_identifiers import _differs, call_text, keras2_call, resolving


def test_defaults_that_differ_only_in_spelling_are_the_same_value() -> None:
    assert not _differs("0", "0.0") and _differs("0.01", "0.0") and _differs("'a'", None)
    assert not _differs(None, "1")  # Keras 2 had no default: nothing to give
    assert call_text("keras", "regularizer", "l1_l2", {"l1": "0.01"}) == "keras.regularizers.l1_l2(l1=0.01)"


@keras3
def test_the_string_is_read_from_the_frame_of_keras_get() -> None:
    import keras

    with pytest.raises(KeyError) as raised:
        keras.initializers.get("constant")
    assert resolving(raised.value) == ("initializer", "constant")
    with pytest.raises(ValueError) as other:
        keras.regularizers.get("l1_l2")
    assert resolving(other.value) == ("regularizer", "l1_l2")
    assert resolving(ValueError("raised elsewhere")) is None


@keras3
def test_keras2s_object_is_the_same_callable_with_keras2s_changed_defaults() -> None:
    assert keras2_call("regularizer", "l1_l2") == ("l1_l2", {"l1": "0.01", "l2": "0.01"})
    assert keras2_call("initializer", "constant") == ("constant", {})  # 0 and 0.0: the same
    assert keras2_call("activation function", "relu") is None  # a function, not made by a call
    assert keras2_call("initializer", "no_such_initializer") is None


@keras3
def test_a_string_handed_to_a_function_of_another_cell_is_written_out_where_the_call_gives_it() -> None:  # fmt: skip
    namespace: dict = {}
    builder = (
        "import numpy as np\nimport keras\n"
        "def build(init):\n"
        "    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, kernel_initializer=init)])\n"
    )
    run_as_cell(builder, "<builder>", namespace)
    cell = "model = build('constant')\n"
    with pytest.raises(KeyError) as raised:
        run_as_cell(cell, "<call>", namespace)
    result = diagnose(cell, raised.value, namespace=namespace, filename="<call>", earlier=(builder,))
    assert "keras3-identifier-as-keras2-object" in [s.id for s in result.suggestions]
    assert result.fixed_source == "model = build(keras.initializers.constant())\n", result.fixed_source
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert float(abs(namespace["model"].layers[0].get_weights()[0]).max()) == 0.0  # Constant(0)


@keras3
def test_an_initializer_string_in_a_layers_build_is_found_though_keras_hides_its_frames() -> None:
    """``add_weight(initializer='constant')`` in a custom layer's ``build``: Keras filters its own
    frames out of a layer's traceback, so the string is the one on the failing line on which the
    live ``get`` raises the very same error."""
    cell = (
        "import keras\n"
        "class Scale(keras.layers.Layer):\n"
        "    def build(self, input_shape):\n"
        "        self.gamma = self.add_weight(name='gamma', shape=(input_shape[-1],), initializer='constant')\n"
        "    def call(self, x):\n"
        "        return x * self.gamma\n"
        "model = keras.Sequential([keras.Input((3,)), Scale()])\n"
    )
    namespace: dict = {}
    with pytest.raises(KeyError) as raised:
        run_as_cell(cell, "<layer>", namespace)
    result = diagnose(cell, raised.value, namespace=namespace, filename="<layer>")
    assert "keras3-identifier-as-keras2-object" in [s.id for s in result.suggestions]
    assert "initializer=keras.initializers.constant())" in (result.fixed_source or ""), result.fixed_source
    run_as_cell(result.fixed_source, "<fixed>", namespace)
    assert float(namespace["model"].layers[0].get_weights()[0].max()) == 0.0


def test_what_keras2s_get_made_of_a_string_that_is_no_public_name_is_in_the_map() -> None:
    """The generated map's ``identifiers`` (Keras 2.15's ``get`` of each name it looks up):
    ``metrics.get('cosine_proximity')`` made ``cosine_similarity``, ``constraints.get('maxnorm')``
    a ``MaxNorm``; Keras 2.3's loss ``cosine_proximity`` (never a tf.keras string) comes from
    the catalogue's rename on the losses module."""
    from kerasmagic.diagnosis.keras2_identifiers import keras2_string
    from kerasmagic.knowledge import keras_map

    assert keras_map.made_of_string("metrics", "cosine_proximity") == "keras.metrics.cosine_similarity"
    assert keras_map.made_of_string("constraints", "maxnorm") == "keras.constraints.MaxNorm"
    assert keras_map.made_of_string("losses", "mse") is None  # its public name
    assert keras2_string("metrics", "cosine_proximity") == "cosine_similarity"
    assert keras2_string("losses", "huber_loss") == "huber"
    assert keras2_string("losses", "cosine_proximity") == "cosine_similarity"  # Keras 2.3's loss
    assert keras2_string("metrics", "kullback_leibler_divergence") == "kl_divergence"  # an alias
    assert keras2_string("losses", "no_such_loss") is None
    assert keras_map.keras2_names("keras.metrics.log_cosh") == {"log_cosh", "logcosh"}
    assert keras_map.keras2_names("tf.keras.metrics.logcosh") == {"log_cosh", "logcosh"}


PRE = (
    "import numpy as np\nimport keras\n"
    "x = np.random.rand(16, 4).astype('float32'); y = np.random.rand(16, 1).astype('float32')\n"
)


def _compiled(compile_args: str, layer: str = "") -> tuple[str, dict]:
    cell = (
        f"model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3{layer}), keras.layers.Dense(1)])\n"
        f"model.compile(optimizer='adam', {compile_args})\n"
        "model.fit(x, y, epochs=1, verbose=0)\n"
    )
    namespace: dict = {}
    run_as_cell(PRE, "<pre>", namespace)
    with pytest.raises(ValueError) as raised:
        run_as_cell(cell, "<cell>", namespace)
    result = diagnose(cell, raised.value, namespace=namespace, filename="<cell>", earlier=(PRE,))
    fixed = result.fixed_source or ""
    if fixed:
        run_as_cell(fixed, "<fixed>", namespace)
    return fixed, namespace


@keras3
@pytest.mark.parametrize(
    ("written", "layer", "expected"),
    [
        ("loss='mse', metrics=['cosine_proximity']", "", "metrics=['cosine_similarity']"),
        # Keras 2's loss function by its other name: the metric class named after one of them
        ("loss='mse', metrics=['log_cosh']", "", "metrics=['log_cosh_error']"),
        ("loss='cosine_proximity'", "", "loss='cosine_similarity'"),
        ("loss='huber_loss'", "", "loss='huber'"),
        ("loss='mse'", ", kernel_constraint='maxnorm'", "kernel_constraint=keras.constraints.MaxNorm()"),
    ],
)
def test_keras2s_strings_are_written_as_keras3_names_them(written: str, layer: str, expected: str) -> None:  # fmt: skip
    fixed, namespace = _compiled(written, layer)
    assert expected in fixed, fixed
    assert namespace["model"].optimizer.iterations.numpy() == 1  # the corrected cell trained


@keras3
@pytest.mark.parametrize("written", ["loss='acc'", "loss='top_k_categorical_accuracy'"])
def test_another_word_is_no_misspelling(written: str) -> None:
    """A metric given as the loss is the author's error in every Keras: no "closest" loss
    ('ctc', 'categorical_crossentropy') is made of it, only a typo a few keystrokes away."""
    fixed, _ = _compiled(written)
    assert fixed == "", fixed
