"""Two targets side by side (issue 31, item 2's last sentence): ``migrate PATH --python OLD --to
PINS`` migrates the notebook in each target and prints one report comparing them per cell — what
breaks in each and the verified fix in each. From tf215-k2, its own Keras 2.15 against a TF 2.21 /
Keras 3 environment built with uv (from the package index: marked as needing it, as
test_migrate_preview.py); nothing written but the ``--report`` file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from environments import CLI_ENVS, index_reachable
from migrate_helpers import hashes, notebook
from test_migrate_preview import PINS

from kerasmagic.migrate.comparison import Comparison, TargetRun
from kerasmagic.migrate.results import (
    FIXED,
    OK,
    CellResult,
    Change,
    DocumentResult,
    MigrationReport,
)
from kerasmagic.render.base import HTML, MARKDOWN, TEXT
from kerasmagic.render.comparison import ComparisonView

TWO_PROBLEMS = [  # Keras 2: `lr=` (Keras 3: refused; Keras 2.15: a silent trap), fit_generator
    "import numpy as np\nfrom keras.models import Sequential\nfrom keras.layers import Dense\n"
    "from keras.optimizers import Adam",
    "x = np.random.rand(32, 4)\ny = np.random.rand(32, 1)",
    "model = Sequential([Dense(1, input_shape=(4,))])\n"
    "model.compile(optimizer=Adam(lr=0.01), loss='mse')",
    "def batches():\n    while True:\n        yield x, y\n"
    "history = model.fit_generator(batches(), steps_per_epoch=2, epochs=1, verbose=0)",
    "print('trained', sorted(history.history))",
]


def _migrate(*args: str, cache: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KERASMAGIC_CACHE_DIR=str(cache), TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(
        [sys.executable, "-m", "kerasmagic", "migrate", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=1800,
    )  # fmt: skip


@pytest.mark.envs("tf215-k2")
@pytest.mark.slow
@pytest.mark.skipif(not index_reachable(), reason="building the --to environment needs the package index")  # fmt: skip
def test_python_and_to_are_compared_cell_by_cell_in_one_report(tmp_path: Path) -> None:
    course = tmp_path / "course"
    notebook(course / "old.ipynb", TWO_PROBLEMS)
    before = hashes(course)
    report_md = tmp_path / "comparison.md"
    args = ("old.ipynb", "--python", sys.executable, "--to", PINS, "--report", str(report_md))
    proc = _migrate(*args, "--json", cache=tmp_path / "cache", cwd=course)
    assert proc.returncode == 1, proc.stderr[-3000:]  # changes would be made, none written
    assert "target 1 of 2: --python" in proc.stderr and "target 2 of 2: --to" in proc.stderr
    data = json.loads(proc.stdout)
    old, new = data["targets"]
    assert old["versions"]["keras"].startswith("2.15") and old["python"] == sys.executable
    assert new["versions"]["tensorflow"] == "2.21.0" and new["versions"]["keras"] == "3.15.1"
    (doc,) = data["documents"]
    assert [t["status"] for t in doc["targets"]] == ["would-change", "would-change"]
    cells = {c["number"]: c for c in doc["cells"]}
    assert [n for n, c in cells.items() if c["differs"]] == [3, 4]
    in_old, in_new = cells[4]["targets"]  # fit_generator: runs in Keras 2.15, breaks in Keras 3
    assert in_old["status"] == OK and in_old["breaks"] is None and not in_old["changed"]
    assert "fit_generator" in in_new["breaks"] and in_new["verified"]
    assert "fit_generator" not in in_new["final"] and "model.fit(" in in_new["final"]
    assert [r["id"] for r in in_new["rules"]] == ["generator-methods-removed"]
    in_old, in_new = cells[3]["targets"]  # lr=: ignored in Keras 2.15 (a trap), refused in Keras 3
    assert in_old["breaks"] is None and in_old["verified"]
    assert "lr" in in_new["breaks"] and in_new["verified"]
    assert in_old["final"] == in_new["final"] and "learning_rate=0.01" in in_new["final"]
    for number in (1, 2, 5):
        assert not cells[number]["differs"]
        assert all(t["status"] == OK for t in cells[number]["targets"])
    markdown = report_md.read_text(encoding="utf-8")  # the same report, for a reader
    assert "| Cell 4 | ran unchanged | breaks: AttributeError" in markdown
    assert "→ fixed, verified by running |" in markdown
    assert "+history = model.fit(batches()" in markdown and "Cell 1 |" not in markdown
    assert hashes(course) == before  # nothing written beside the notebook


@pytest.mark.envs(*CLI_ENVS)
@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--to", PINS, "--to", " ".join(reversed(PINS.split()))], "is given twice"),
        (
            ["--to", "colab", "--python", sys.executable, "--in-place"],
            "--in-place: comparing targets",
        ),  # fmt: skip
        (["--to", "colab", "--to", PINS, "-o", "out"], "already exists: pass --overwrite"),
    ],
)
def test_a_comparison_that_cannot_work_is_refused_before_anything(
    tmp_path: Path, args: list[str], said: str
) -> None:
    notebook(tmp_path / "a.ipynb", ["print(1)"])
    (tmp_path / "out" / "2-tensorflow-2.21.0-keras-3.15.1").mkdir(parents=True)
    (tmp_path / "out" / "2-tensorflow-2.21.0-keras-3.15.1" / "a.ipynb").write_text("{}")
    before = hashes(tmp_path)
    proc = _migrate("a.ipynb", *args, cache=tmp_path / "cache", cwd=tmp_path)
    assert proc.returncode == 2 and said in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "cache").exists() and hashes(tmp_path) == before


def _target(given: str, keras: str, cell: CellResult) -> TargetRun:
    doc = DocumentResult("old.ipynb", "notebook", "run", status="migrated", message="done")
    doc.versions = {"tensorflow": "2.x", "keras": keras}
    doc.cells = [CellResult(1, 0, "import keras", "import keras", OK, ran=True), cell]
    return TargetRun(given, MigrationReport("run", "/py", [doc]), 0)


def test_every_view_says_what_breaks_where_and_the_fix() -> None:
    fixed = CellResult(2, 1, "m.fit_generator(g)", "m.fit(g)", FIXED, ran=True)
    fixed.changes = [Change("m.fit_generator(g)", "m.fit(g)", "error", [{"id": "generator-methods-removed", "title": "fit_generator was removed"}], "AttributeError: no fit_generator", True)]  # fmt: skip
    comparison = Comparison(
        [
            _target(
                "--python /old/python",
                "2.15.0",
                CellResult(2, 1, "m.fit_generator(g)", "m.fit_generator(g)", OK, ran=True),
            ),  # fmt: skip
            _target("--to keras==3.15.1", "3.15.1", fixed),
        ]
    )
    view = ComparisonView(comparison)
    for mime in (TEXT, MARKDOWN, HTML):
        shown = view.render(mime)
        assert "keras 2.15.0" in shown and "keras 3.15.1" in shown, mime
        assert "ran unchanged" in shown and "generator-methods-removed" in shown, mime
        assert "breaks: AttributeError: no fit_generator → fixed, verified by running" in shown
        assert "+m.fit(g)" in shown and "Cell 1" not in shown, mime
    data = view.to_json()
    assert [c["differs"] for c in data["documents"][0]["cells"]] == [False, True]
