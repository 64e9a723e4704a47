"""A Keras 2 module path moved by Keras 3 (``keras.layers.merge`` → ``keras.layers``) is rewritten
as a module only where the cell uses the imported name as one: Keras 1's ``merge`` was a function
imported from the same path, and binding it to the ``layers`` module would make the cell call a
module (diagnosis/import_rewrites.py)."""

from __future__ import annotations

import pytest
from environments import KERNEL_RULE_ENVS

import kerasmagic

pytestmark = pytest.mark.envs(*KERNEL_RULE_ENVS)

KERAS1_MERGE = """
from keras.layers import Input, Dense, merge
from keras.models import Model

a = Input(shape=(3,))
b = Input(shape=(3,))
joined = merge([a, b], mode="concat", concat_axis=-1)
"""


def test_a_called_name_is_not_taken_for_the_moved_module() -> None:
    result = kerasmagic.check(KERAS1_MERGE)
    assert result.error_type == "ImportError"
    fixed = result.fixed_source or ""
    assert "import layers" not in fixed and "layers([a, b]" not in fixed, fixed


def test_the_module_imported_as_a_name_still_moves() -> None:
    result = kerasmagic.check("from keras.layers import merge\nprint(merge.Concatenate)\n")
    assert result.fixed_source is not None
    # the name the import bound stays bound: later cells use it too
    assert result.fixed_source == "from keras import layers as merge\nprint(merge.Concatenate)\n"


def test_a_fix_is_not_refused_for_an_import_it_did_not_touch() -> None:
    """The user's own module missing here (a helper beside the script) stays as it is; the Keras
    import is still fixed (diagnosis/verify.py), and running shows what is left."""
    source = "from keras.layers.core import Dense\nimport kerasmagic_test_helper_not_here\n"
    result = kerasmagic.check(source)
    assert result.fixed_source == (
        "from keras.layers import Dense\nimport kerasmagic_test_helper_not_here\n"
    ), result.fixed_source
