"""Names Python itself removed for another name of the same thing, in Keras-era notebooks
(rules/error_library_renames.py, catalogue ``library-name-renamed``): ``time.clock()`` timing an
epoch loop (``time.perf_counter``, removed 3.8), ``from collections import Mapping`` for a config
check (``collections.abc``, 3.10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells


@pytest.mark.envs("tf221-k3", "colab")
def test_a_timer_and_an_abstract_class_import_take_their_kept_names(tmp_path: Path) -> None:
    cells = [
        "import time\nfrom collections import Mapping, OrderedDict",
        "settings = OrderedDict(epochs=2)\nstart = time.clock()\n"
        "for epoch in range(settings['epochs']):\n    pass\n"
        "print(isinstance(settings, Mapping), time.clock() - start >= 0)",
    ]
    finals, shown = migrated_cells(tmp_path, "timer.ipynb", cells)
    assert finals[0] == "import time\nfrom collections import OrderedDict\nfrom collections.abc import Mapping", finals[0]  # fmt: skip
    assert "start = time.perf_counter()" in finals[1] and "time.clock" not in finals[1], finals[1]
    assert "True True" in shown, shown


@pytest.mark.envs("tf221-k3", "colab")
def test_the_timer_finding_says_what_the_new_clock_measures() -> None:
    import kerasmagic

    result = kerasmagic.check("import time\nstart = time.clock()\n")
    fix = result.suggestions[0].fix
    assert result.fixed_source == "import time\nstart = time.perf_counter()\n"
    assert "processor time" in fix and "nothing computed does" in fix, fix
