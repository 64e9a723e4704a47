"""Names a library removed for another name of the same thing (rules/error_library_renames.py,
catalogue ``library-name-renamed``): Pillow 10's ``Image.ANTIALIAS`` (``LANCZOS``), pandas 1.0's
``pd.scatter_matrix`` (``pd.plotting.scatter_matrix``), seaborn's ``factorplot`` (``catplot`` with
its old default ``kind='point'``). Against the real libraries of Colab's environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

pytestmark = pytest.mark.envs("colab")


def _fixed(source: str) -> tuple[str, list[str]]:
    import kerasmagic

    result = kerasmagic.check(source)
    assert result.error_type is not None
    return result.fixed_source or "", [s.id for s in result.suggestions]


def test_a_resize_filter_held_cells_before_is_the_same_filter_by_its_kept_name(tmp_path: Path) -> None:  # fmt: skip
    cells = [
        "import numpy as np\nfrom PIL import Image as PILImage\n"
        "img = PILImage.fromarray((np.arange(400 * 3) % 256).astype('uint8').reshape(20, 20, 3))",
        "FILTER = PILImage.ANTIALIAS",
        "print(np.asarray(img.resize((8, 8), FILTER)).sum() == np.asarray(img.resize((8, 8), PILImage.Resampling.LANCZOS)).sum())",  # fmt: skip
    ]
    finals, shown = migrated_cells(tmp_path, "resize.ipynb", cells)
    assert finals[1] == "FILTER = PILImage.LANCZOS"
    assert "True" in shown, shown


def test_an_import_of_the_removed_name_binds_the_kept_one_under_it() -> None:
    fixed, seen = _fixed(
        "from PIL.Image import new, ANTIALIAS as SMOOTH\nsmall = new('RGB', (9, 9)).resize((3, 3), SMOOTH)\n"  # fmt: skip
    )
    assert seen == ["library-name-renamed"]
    assert fixed.startswith("from PIL.Image import new\nfrom PIL.Image import LANCZOS as SMOOTH\n"), fixed  # fmt: skip


def test_a_function_moved_below_a_submodule_and_one_whose_default_changed(tmp_path: Path, monkeypatch) -> None:  # fmt: skip
    monkeypatch.setenv("MPLBACKEND", "Agg")
    fixed, seen = _fixed(
        "import pandas as pd\nframe = pd.DataFrame({'a': [1.0, 2.0, 3.0], 'b': [2.0, 1.0, 0.0]})\n"
        "axes = pd.scatter_matrix(frame, figsize=(3, 3))\n"
    )
    assert "axes = pd.plotting.scatter_matrix(frame, figsize=(3, 3))" in fixed and seen == ["library-name-renamed"]  # fmt: skip
    exec(compile(fixed, "<fixed>", "exec"), {})
    fixed, _ = _fixed(
        "import seaborn as sns\nimport pandas as pd\nframe = pd.DataFrame({'day': ['a', 'b', 'a'], 'tip': [1.0, 2.0, 3.0]})\n"  # fmt: skip
        "grid = sns.factorplot(x='day', y='tip', data=frame)\n"
    )
    assert "grid = sns.catplot(x='day', y='tip', data=frame, kind='point')" in fixed, fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["grid"].ax.lines, "a point plot draws lines; catplot's default (strip) draws none"  # fmt: skip
