"""Matplotlib drift in Keras-era plotting code. A subplot grid given a float count, as Keras-2-era notebooks laid out their grids of digits
with ``/`` (rules/error_subplot_float.py): Matplotlib 2 converted it with ``int()``, today's
refuses it; the slot gets ``int(…)``, and so does every other slot that divides. In ``colab``,
whose pins have Matplotlib, as Colab does. Each corrected cell is run by ``kerasmagic.check``."""

from __future__ import annotations

import pytest
from migrate_helpers import code_cells, migrate_notebook, rule_ids

import kerasmagic

pytestmark = pytest.mark.envs("colab")

HEAD = "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"


def test_a_row_count_made_with_a_division_is_converted_where_it_is_given() -> None:
    source = HEAD + (
        "total = 12\n"
        "fig = plt.figure()\n"
        "for k in range(total):\n"
        "    ax = fig.add_subplot(total / 4, 4, k + 1)\n"
        "print('axes', len(fig.axes))\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "ValueError"
    assert result.fixed_source == source.replace("(total / 4, 4", "(int(total / 4), 4")
    assert kerasmagic.check(result.fixed_source).error_type is None


def test_every_dividing_slot_of_the_call_is_converted_at_once() -> None:
    """The message names the columns; the rows divide as well and would fail next."""
    source = HEAD + "n = 6\nfig, axes = plt.subplots(nrows=n / 2, ncols=n / 3)\n"
    fixed = kerasmagic.check(source).fixed_source or ""
    assert "plt.subplots(nrows=int(n / 2), ncols=int(n / 3))" in fixed, fixed
    assert kerasmagic.check(fixed).error_type is None


def test_a_helper_of_an_earlier_cell_is_changed_in_its_cell(tmp_path) -> None:
    """The grid is drawn by a function an earlier cell defines; ``migrate`` changes that cell,
    and the grid has the columns Matplotlib 2 drew (``int(2.5)`` is 2)."""
    cells = [
        HEAD,
        "def grid(count):\n"
        "    fig = plt.figure()\n"
        "    for i in range(count):\n"
        "        fig.add_subplot(2, count / 2 + 0.5, i + 1)\n"
        "    return fig\n",
        "figure = grid(4)\nprint('columns', figure.axes[0].get_subplotspec().get_geometry()[1])\n",
    ]
    proc, doc = migrate_notebook(tmp_path, "grid.ipynb", cells)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    assert "matplotlib-grid-float" in rule_ids(doc)
    assert "fig.add_subplot(2, int(count / 2 + 0.5), i + 1)" in doc["cells"][1]["final"]
    outputs = code_cells(tmp_path / "out" / "grid.ipynb")[-1].outputs
    assert "columns 2" in "".join(o.get("text", "") for o in outputs)


def test_a_list_of_gaps_and_one_element_arrays_is_drawn_as_the_object_array_numpy_made() -> None:
    """``plt.plot(forecast)`` of ``[None, None, array([0.5]), …]`` (a prediction loop appending
    ``model.predict(z).reshape(-1)`` after gaps): NumPy before 1.24 made an object array of it,
    which Matplotlib drew as NaN gaps and numbers; today's Matplotlib cannot cast it
    (numpy-ragged-array, through the library's own message). Four points are drawn."""
    source = HEAD + (
        "import numpy as np\n"
        "forecast = [None] * 3\n"
        "for step in range(4):\n"
        "    forecast.append(np.full((1, 1), step / 4).reshape(-1))\n"
        "line, = plt.plot(forecast, linestyle='dashed')\n"
        "print('points', np.isfinite(line.get_ydata().astype(float)).sum())\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "ValueError"
    assert "numpy-ragged-array" in {s.id for s in result.suggestions}
    fixed = result.fixed_source or ""
    made = "np.array([np.nan if _v is None else np.asarray(_v).item() for _v in forecast])"
    assert f"plt.plot({made}, linestyle='dashed')" in fixed, fixed
    namespace: dict = {"__name__": "__main__"}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    drawn = namespace["line"].get_ydata().astype(float)
    assert namespace["np"].isfinite(drawn).sum() == 4 and drawn[-1] == 0.75
