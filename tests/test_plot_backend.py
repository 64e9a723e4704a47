"""``matplotlib.use('TkAgg')`` after Keras 3 imported pyplot, in a kernel without a display
(rules/error_plot_backend.py): the call gets ``force=False`` in ``migrate`` and in
``%%keras_check``, and the cell runs; where the code imported pyplot itself before Keras, Keras
2 refused the switch as well, and nothing is said. In ``colab``, whose pins have matplotlib, as
Colab does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from migrate_helpers import migrate_notebook, rule_ids

pytestmark = pytest.mark.envs("colab")

ASK = "matplotlib.use('TkAgg')\nprint('drawn with', matplotlib.get_backend())\n"


@pytest.fixture(autouse=True)
def no_display(monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)


def test_the_switch_keras_made_impossible_is_asked_for_where_it_can_run(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "plots.ipynb", ["import keras\nimport matplotlib\n", ASK])  # fmt: skip
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    assert rule_ids(doc) == {"keras3-pyplot-imported"}
    assert doc["cells"][1]["final"] == ASK.replace("('TkAgg')", "('TkAgg', force=False)")


def test_pyplot_the_code_imported_first_is_not_keras_doing(tmp_path: Path) -> None:
    first = "import matplotlib.pyplot as plt\nimport matplotlib\nimport keras\n"
    proc, doc = migrate_notebook(tmp_path, "own.ipynb", [first, ASK])
    assert doc["status"] == "stopped", doc["message"]
    assert rule_ids(doc) == set()
    assert "no TF/Keras version problem" in doc["message"]


def test_keras_check_corrects_the_cell(ipshell, capsys) -> None:
    ipshell.run_cell("import keras\nimport matplotlib\n", store_history=True)
    ipshell.run_cell("%%keras_check --json\n" + ASK, store_history=True)
    out = capsys.readouterr().out
    data = json.loads(out[out.rindex("\n{\n") + 1 :])  # after the traceback, shown first
    assert data["error_type"] == "ImportError"
    assert [s["id"] for s in data["suggestions"]] == ["keras3-pyplot-imported"]
    assert "matplotlib.use('TkAgg', force=False)" in data["fixed_source"]
    assert "keras" in data["suggestions"][0]["message"].lower()
