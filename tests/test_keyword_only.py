"""Positional arguments a library beside Keras later made keyword-only, in the order they had
(rules/error_keyword_only.py): pandas 2.0's ``drop(labels, axis)``, Matplotlib's ``ylim(bottom,
top, emit)``. The extra values get the names that follow in the live signature, and the cell
runs as it did. In ``colab``, whose pins carry pandas and Matplotlib, as Colab does."""

from __future__ import annotations

import pytest

import kerasmagic

pytestmark = pytest.mark.envs("colab")


def test_a_dropped_column_given_its_axis_by_position_gets_it_by_name() -> None:
    source = (
        "import pandas as pd\n"
        "table = pd.DataFrame({'when': [1, 2], 'close': [3.0, 4.0], 'volume': [5, 6]})\n"
        "prices = table.drop(['when', 'volume'], 1)\n"
        "print('columns', list(prices.columns))\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "TypeError"
    assert "keyword-only-in-order" in {s.id for s in result.suggestions}
    assert result.fixed_source == source.replace("'volume'], 1)", "'volume'], axis=1)")
    assert kerasmagic.check(result.fixed_source).error_type is None


def test_a_pass_through_wrapper_is_looked_through_to_the_method_the_message_names() -> None:
    """``plt.ylim(*args)`` passes its values to ``Axes.set_ylim(bottom, top, *, emit, auto)``."""
    source = (
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
        "plt.plot([0.2, 0.9])\n"
        "plt.ylim(0.0, 1.0, True)\n"
    )
    result = kerasmagic.check(source)
    assert result.fixed_source is not None
    assert "plt.ylim(0.0, 1.0, emit=True)" in result.fixed_source
    assert kerasmagic.check(result.fixed_source).error_type is None


def test_a_call_that_names_the_keyword_already_is_left_alone() -> None:
    source = (
        "import pandas as pd\n"
        "table = pd.DataFrame({'a': [1], 'b': [2]})\n"
        "table.drop('a', 1, axis=1)\n"
    )
    result = kerasmagic.check(source)
    assert "keyword-only-in-order" not in {s.id for s in result.suggestions}
