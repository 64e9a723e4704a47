"""A ``Lambda`` whose function needs integer ids (``tf.one_hot``, ``tf.gather``) on an integer
input: Keras 3 infers its output on float32 placeholders and fails; the corrected code gives the
``Lambda`` the input's dtype (rules/error_lambda_dtype.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

KERAS3 = ("tf221-k3", "colab")

CELLS = [
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras",
    "n_actions = 4\n"
    "pick = keras.layers.Lambda(\n    lambda a: tf.one_hot(a, n_actions),\n    name='pick',\n)",
    "q_in = keras.Input(shape=(3,))\n"
    "act_in = keras.Input(shape=(), dtype='int32')\n"
    "q = keras.layers.Dense(n_actions)(q_in)\n"
    "chosen = keras.layers.Multiply()([q, pick(act_in)])\n"
    "net = keras.Model([q_in, act_in], chosen)\n"
    "probe = keras.Model(act_in, pick.output)\n"
    "print('one-hot', probe.predict(np.array([2, 0]), verbose=0).tolist())",
]


@pytest.mark.envs(*KERAS3)
def test_migrate_gives_the_lambda_made_cells_earlier_the_input_dtype(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "onehot.ipynb", CELLS)
    assert finals[0] == CELLS[0] and finals[2] == CELLS[2]
    assert finals[1].endswith("name='pick', dtype='int32',\n)"), finals[1]
    assert "one-hot [[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]]" in shown


@pytest.mark.envs(*KERAS3)
def test_a_lambda_written_where_it_is_called_takes_the_dtype_and_computes_the_same() -> None:
    import kerasmagic

    source = (
        "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"
        "table = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])\n"
        "ids = keras.Input(shape=(2,), dtype='int64')\n"
        "rows = keras.layers.Lambda(lambda i: tf.gather(table, i))(ids)\n"
        "model = keras.Model(ids, rows)\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "NotImplementedError"
    assert [s.id for s in result.suggestions] == ["keras3-lambda-integer-input"]
    fixed = result.fixed_source or ""
    assert "keras.layers.Lambda(lambda i: tf.gather(table, i), dtype='int64')(ids)" in fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    out = namespace["model"].predict(namespace["np"].array([[2, 0]]), verbose=0)
    assert out.tolist() == [[[5.0, 6.0], [1.0, 2.0]]]


@pytest.mark.envs(*KERAS3)
def test_a_lambda_on_float_inputs_is_not_given_a_dtype() -> None:
    import kerasmagic

    source = (
        "import tensorflow as tf\nfrom tensorflow import keras\n"
        "x = keras.Input(shape=(3,))\n"
        "y = keras.layers.Lambda(lambda t: tf.one_hot(t, 5))(x)\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "NotImplementedError"
    assert "keras3-lambda-integer-input" not in [s.id for s in result.suggestions]


STRING_CELLS = [
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras",
    "words = keras.Input(shape=(), dtype=tf.string, name='word')\n"
    "nums = keras.Input(shape=(2,), name='nums')\n"
    "bucket = keras.layers.Lambda(lambda w: tf.strings.to_hash_bucket_fast(w, 16))(words)\n"
    "joined = keras.layers.concatenate([nums, keras.layers.Embedding(16, 3)(bucket)])\n"
    "net = keras.Model([nums, words], keras.layers.Dense(1)(joined))\n"
    "net.compile('sgd', 'mse')",
    "x_words = np.array(['cat', 'dog', 'emu', 'cat'])\n"
    "x_nums = np.random.rand(4, 2)\n"
    "net.fit([x_nums, x_words], np.zeros((4, 1)), epochs=1, verbose=0)\n"
    "probe = keras.Model(words, bucket)\n"
    "expected = tf.strings.to_hash_bucket_fast(x_words, 16).numpy().tolist()\n"
    "print('same buckets', probe.predict(x_words, verbose=0).tolist() == expected)",
]


@pytest.mark.envs(*KERAS3)
def test_a_lambda_on_a_string_input_and_string_arrays_for_one_input_of_several(
    tmp_path: Path,
) -> None:
    """tf.keras 2 ran the function on the string input and fed NumPy strings to it; Keras 3
    infers on float32 placeholders and refuses NumPy string arrays: the ``Lambda`` gets the
    input's dtype, and only the array given to the string input of the two becomes ``object``."""
    finals, shown = migrated_cells(tmp_path, "words.ipynb", STRING_CELLS)
    assert "lambda w: tf.strings.to_hash_bucket_fast(w, 16), dtype='string')(words)" in finals[1]
    assert 'net.fit([x_nums, x_words.astype("object")], ' in finals[2], finals[2]
    assert 'probe.predict(x_words.astype("object"), verbose=0)' in finals[2]
    assert "same buckets True" in shown
