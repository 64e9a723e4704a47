"""``migrate PATH --to PINS`` (issue 31, item 2): a preview of the next upgrade. From a TF 2.15 /
Keras 2.15 interpreter, a notebook is previewed in a TF 2.21 / Keras 3 environment built for the
run with uv (from the package index: marked as needing it) into a fresh cache folder; the report
names the breaking cells and their verified fixes, and nothing is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from environments import CLI_ENVS, index_reachable
from migrate_helpers import KERAS2_CELLS, hashes, notebook

from kerasmagic.knowledge.runtimes import RUNTIMES

ROOT = Path(__file__).resolve().parent.parent
PINS = "tensorflow==2.21.0 keras==3.15.1"


def _migrate(*args: str, cache: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KERASMAGIC_CACHE_DIR=str(cache), TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(
        [sys.executable, "-m", "kerasmagic", "migrate", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=1800,
    )  # fmt: skip


@pytest.mark.envs("tf215-k2")
@pytest.mark.slow
@pytest.mark.skipif(not index_reachable(), reason="building the --to environment needs the package index")  # fmt: skip
def test_to_previews_the_upgrade_in_a_fresh_environment_and_writes_nothing(tmp_path: Path) -> None:
    course = tmp_path / "course"
    notebook(course / "old.ipynb", KERAS2_CELLS)
    before = hashes(course)
    cache = tmp_path / "cache"
    proc = _migrate("old.ipynb", "--to", PINS, "--json", cache=cache, cwd=course)
    assert proc.returncode == 1, proc.stderr[-3000:]  # changes would be made, none written
    err = proc.stderr
    (built,) = [p.parent for p in cache.glob("envs/*/kerasmagic-env.json")]
    assert f"building an environment of {PINS} plus ipykernel" in err and str(built) in err
    assert "this uses the network" in err and "a preview, nothing is written" in err
    report = json.loads(proc.stdout)
    assert report["python"] == str(built / "bin" / "python") and PINS in report["target"]
    (doc,) = report["documents"]
    assert doc["versions"]["tensorflow"] == "2.21.0" and doc["versions"]["keras"] == "3.15.1"
    assert doc["status"] == "would-change" and not doc["written"]
    breaking = {c["number"]: c for c in doc["cells"] if c["changes"]}
    assert sorted(breaking) == [1, 3, 4]  # np_utils, Adam(lr=), fit_generator
    for cell in breaking.values():
        (change,) = cell["changes"]
        assert change["trigger"] == "error" and change["error"] and change["verified"]
    assert "ModuleNotFoundError" in breaking[1]["changes"][0]["error"]
    assert (
        "fit_generator" in breaking[4]["original"] and "fit_generator" not in breaking[4]["final"]
    )
    assert hashes(course) == before  # nothing written beside it
    # the next preview of the same pins finds the environment in the cache, without the network
    notebook(course / "small.ipynb", ["print(1 + 1)"])
    again = _migrate("small.ipynb", "--to", " ".join(reversed(PINS.split())), cache=cache, cwd=course)  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"is in {built} (built before; no network)" in again.stderr
    assert "this uses the network" not in again.stderr
    assert not (course / "small.migrated.ipynb").exists()


@pytest.mark.envs(*CLI_ENVS)
@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--to", "tensorflow>=2.21"], "give exact pins, NAME==VERSION"),
        (["--to", "colab", "--python", sys.executable, "--in-place"], "comparing targets"),
        (["--to", "  "], "give exact pins"),
    ],
)
def test_to_without_exact_pins_is_refused_before_anything(
    tmp_path: Path, args: list[str], said: str
) -> None:
    notebook(tmp_path / "a.ipynb", ["print(1)"])
    proc = _migrate("a.ipynb", *args, cache=tmp_path / "cache", cwd=tmp_path)
    assert proc.returncode == 2 and said in proc.stderr
    assert not (tmp_path / "cache").exists()


def test_colab_pins_are_kept_once_with_their_source_and_date() -> None:
    colab = RUNTIMES["colab"]
    assert colab.source.startswith("https://github.com/googlecolab/backend-info") and colab.date
    assert all(pin.count("==") == 1 for pin in colab.pins)
    assert {"tensorflow==2.20.0", "keras==3.13.2", "ipython==7.34.0"} <= set(colab.pins)
    envs = (ROOT / "scripts" / "envs.py").read_text(encoding="utf-8")
    assert "runtimes.json" in envs and "tensorflow==2.20.0" not in envs  # read, not copied
