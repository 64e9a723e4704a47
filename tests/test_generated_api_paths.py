"""TensorFlow's generated API tree as editors' automatic imports wrote it (``from
tensorflow.python.keras.api._v2 import keras``, ``keras.api._v2.keras.layers``): the public
``tensorflow.keras`` names the same API (diagnosis/keras_paths._generated_api and
import_rewrites._generated_api_parent). Each corrected cell is run by ``kerasmagic.check``."""

from __future__ import annotations

import pytest
from environments import KERNEL_RULE_ENVS

import kerasmagic

pytestmark = pytest.mark.envs(*KERNEL_RULE_ENVS)


def test_the_parent_of_the_tree_imports_keras_from_tensorflow() -> None:
    source = (
        "import tensorflow as tf\n"
        "from tensorflow.python.keras.api._v2 import keras as tfk\n"
        "net = tfk.Sequential([tfk.Input((2,)), tfk.layers.Dense(1)])\n"
        "print(net.output_shape)\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "ModuleNotFoundError"
    assert result.fixed_source == source.replace(
        "from tensorflow.python.keras.api._v2 import keras as tfk",
        "from tensorflow import keras as tfk",
    ), result.fixed_source
    assert kerasmagic.check(result.fixed_source).error_type is None


def test_a_module_of_the_tree_imported_whole_or_by_name_is_the_public_one() -> None:
    source = (
        "import keras.api._v2.keras.backend as B\n"
        "from keras.api._v1.keras.activations import relu\n"
        "print(B.epsilon() > 0, relu)\n"
    )
    result = kerasmagic.check(source)
    fixed = result.fixed_source or ""
    assert "import tensorflow.keras.backend as B\n" in fixed, fixed
    assert "from tensorflow.keras.activations import relu\n" in fixed, fixed
    assert "generated-api-path" in {s.id for s in result.suggestions}
    assert kerasmagic.check(fixed).error_type is None


def test_the_private_package_imported_as_a_name_becomes_the_public_one() -> None:
    """``from tensorflow.python import keras``: TensorFlow 2.0's private package, frozen since 2.6
    (no ``__version__`` now); ``from tensorflow import keras`` is the tf.keras it was."""
    source = (
        "import tensorflow as tf\n"
        "from tensorflow.python import keras\n"
        "print('version', keras.__version__)\n"
    )
    result = kerasmagic.check(source)
    fixed = result.fixed_source or ""
    assert "from tensorflow import keras\n" in fixed, fixed
    assert "from tensorflow.python" not in fixed
    assert kerasmagic.check(fixed).error_type is None
