"""A one-column 2-D array given as a data vector: seaborn 0.12+ puts each vector in a pandas
table, and pandas refuses a 2-D column ("Per-column arrays must each be 1-dimensional"); the
corrected code passes it as 1-D (rules/error_column_vectors.py). Measured with pandas itself
(Colab's), the table seaborn builds."""

from __future__ import annotations

import pytest

SOURCE = """\
import numpy as np
import pandas as pd
weights = np.arange(6.0).reshape(2, 3)
column = weights.flatten().reshape(-1, 1)
rows = np.ones((6, 2))
table = pd.DataFrame({'value': column, 'layer': 'hidden'})
"""


@pytest.mark.envs("colab")
def test_the_column_is_passed_as_its_values_in_order() -> None:
    import kerasmagic

    result = kerasmagic.check(SOURCE)
    assert result.error_type == "ValueError"
    assert [s.id for s in result.suggestions] == ["plot-column-vector"]
    fixed = result.fixed_source or ""
    assert "pd.DataFrame({'value': column.ravel(), 'layer': 'hidden'})" in fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["table"]["value"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


@pytest.mark.envs("colab")
def test_an_array_of_two_columns_is_not_flattened() -> None:
    import kerasmagic

    result = kerasmagic.check(SOURCE.replace("{'value': column,", "{'value': rows,"))
    assert result.error_type == "ValueError"
    assert "plot-column-vector" not in [s.id for s in result.suggestions]
