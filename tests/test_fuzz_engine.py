"""Hypothesis: the engine's text entry points never raise on arbitrary text."""

from __future__ import annotations

import pytest
from environments import PYTHON_ENVS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kerasmagic.diagnosis.engine import diagnose, lint
from kerasmagic.diagnosis.rewrite import apply_edits, parse_cell

pytestmark = pytest.mark.envs(*PYTHON_ENVS)

FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None
)

PIECES = [
    "import tf\n",
    "from keras.utils.np_utils import to_categorical\n",
    "%matplotlib inline\n",
    "%%time\n",
    "!pip list\n",
    "x?\n",
    "opt = keras.optimizers.Adam(lr=0.1, decay=1e-3)\n",
    "model.fit_generator(g, workers=2)\n",
    "def f(:\n",
    "    \n",
    "from . import x\n",
    "import keras.layers.core as core\n",
    "'" + "a" * 5000 + "'\n",
    "(" * 50 + ")" * 50 + "\n",
    "\t\x00\r\n",
    "é✓ = 1\n",
]
sources = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(PIECES), max_size=8).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=40)), max_size=6).map("".join),
)


@FUZZ
@given(source=sources)
def test_lint_never_raises(source):
    result = lint(source)
    assert result.ran is False
    assert result.internal_error is None, result.internal_error
    result.to_dict()
    str(result)
    if result.fixed_source is not None:
        compile(parse_cell(result.fixed_source).python, "<fixed>", "exec")


@FUZZ
@given(source=sources)
def test_parse_cell_never_raises(source):
    cell = parse_cell(source)
    assert cell.source == source
    assert apply_edits(source, []) == source


@FUZZ
@given(source=sources, message=st.text(max_size=200))
def test_diagnose_never_raises(source, message):
    for exc in (ImportError(message), AttributeError(message), ValueError(message)):
        result = diagnose(source, exc)
        assert result.ok is False
        assert result.internal_error is None, (source, result.internal_error)
        str(result)


def test_exception_whose_str_raises():
    class Unprintable(ImportError):
        def __str__(self):
            raise RuntimeError("no str")

        def __repr__(self):
            raise RuntimeError("no repr")

    result = diagnose("import keras\n", Unprintable())
    assert result.error_type == "Unprintable"
    assert result.internal_error is None
    str(result)


def test_huge_line():
    result = lint("x = " + "1 + " * 20000 + "1\n")
    assert result.ran is False
