"""An argument given by keyword that the installed function takes by position only
(rules/error_positional_only.py): the message names it, the live signature places it, and the
corrected call gives the same value by position."""

from __future__ import annotations

import pytest

import kerasmagic
from kerasmagic.diagnosis.engine import diagnose

LIBRARY = (
    "def scale(values, factor, /, offset=0.0, *, clip=None):\n"
    "    return [v * factor + offset for v in values]\n"
)


def _diagnose(source: str):
    namespace: dict = {"__name__": "__main__"}
    with pytest.raises(TypeError) as raised:
        exec(compile(source, "<cell>", "exec"), namespace)
    return diagnose(source, raised.value, namespace=namespace)


def test_keywords_move_to_the_places_the_signature_gives(stand_in_package) -> None:
    """Two positional-only parameters, given in the other order, after the keyword that follows."""
    stand_in_package("poslib", {"__init__.py": LIBRARY})
    source = "import poslib\nout = poslib.scale(offset=1.0, factor=2, values=[1, 2])\n"
    result = _diagnose(source)
    assert [f.id for f in result.suggestions][:1] == ["positional-only-by-keyword"]
    assert "out = poslib.scale([1, 2], 2, offset=1.0)" in result.fixed_source
    namespace: dict = {}
    exec(compile(result.fixed_source, "<fixed>", "exec"), namespace)
    assert namespace["out"] == [3.0, 5.0]


def test_a_call_whose_positional_arguments_do_not_end_before_them_is_left(stand_in_package) -> None:
    """``values`` missing: ``factor`` given first by position would be read as the values."""
    stand_in_package("poslib", {"__init__.py": LIBRARY})
    source = "import poslib\nout = poslib.scale(factor=2, offset=1.0)\n"
    assert "positional-only-by-keyword" not in [f.id for f in _diagnose(source).suggestions]


@pytest.mark.envs("tf221-k3", "colab")
def test_numpy_2_reshape_of_a_keyword_array_is_called_with_it_first() -> None:
    source = "import numpy as np\nx = np.zeros((4, 6))\ny = np.reshape(a=x, shape=(-1, 3))\nprint(y.shape)\n"
    result = kerasmagic.check(source)
    assert result.error_type == "TypeError"
    assert "y = np.reshape(x, shape=(-1, 3))" in result.fixed_source
    assert kerasmagic.check(result.fixed_source).error_type is None
