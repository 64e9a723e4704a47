"""A seaborn style Matplotlib renamed (``seaborn-v0_8-…`` since 3.6, the old names gone in 3.8),
set from a value an earlier cell made: the name is changed where it is made
(rules/error_matplotlib_style.py). Colab's environment has Matplotlib."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

pytestmark = pytest.mark.envs("colab")

CELLS = [
    "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nLOOK = 'seaborn-darkgrid'",  # fmt: skip
    "plt.style.use(LOOK)\nplt.plot([1, 2, 3], [0.9, 0.5, 0.3])\nprint('drawn with', LOOK)",
]


def test_migrate_renames_the_style_where_the_earlier_cell_set_it(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "curves.ipynb", CELLS)
    assert finals[0].endswith("LOOK = 'seaborn-v0_8-darkgrid'"), finals[0]
    assert finals[1] == CELLS[1]
    assert "drawn with seaborn-v0_8-darkgrid" in shown


def test_check_renames_each_style_of_a_list() -> None:
    import kerasmagic

    source = (
        "import matplotlib\nmatplotlib.use('Agg')\nfrom matplotlib import pyplot\n"
        "with pyplot.style.context(['seaborn', 'seaborn-poster']):\n"
        "    pyplot.plot([1, 2])\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "OSError"
    assert "pyplot.style.context(['seaborn-v0_8', 'seaborn-v0_8-poster'])" in (result.fixed_source or "")  # fmt: skip
