"""``python -m kerasmagic check FILE [--json] [--fix]``: the JSON issue 3 specifies, and --fix."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest
from environments import HAS_KERAS, MACHINERY_ENVS, here

pytestmark = pytest.mark.envs(*MACHINERY_ENVS)


def _run(path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kerasmagic", "check", str(path), *flags],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _check(path, *flags: str) -> tuple[int, str]:
    proc = _run(path, *flags)
    return proc.returncode, proc.stdout


def test_json_output_is_only_json_when_the_cell_prints(tmp_path):
    """Scripts parse stdout: the cell's own output (Python's and C-level writes to fd 1) goes to
    stderr with --json, and stays on stdout without it."""
    cell = tmp_path / "cell.py"
    cell.write_text(
        "import os\n"
        "print('printed by the cell')\n"
        "os.write(1, b'written to fd 1 by the cell\\n')\n"
        "import tensorflow_addonz_not_a_package\n"
    )
    proc = _run(cell, "--json")
    data = json.loads(proc.stdout)
    assert data["error_type"] == "ModuleNotFoundError"
    assert "printed by the cell" in proc.stderr and "written to fd 1" in proc.stderr
    plain = _run(cell)
    assert "printed by the cell" in plain.stdout and "written to fd 1" in plain.stdout


def test_json_of_a_missing_package_has_no_fixed_source(tmp_path):
    if importlib.util.find_spec("catboost") is not None:
        pytest.skip("catboost is installed here")
    cell = tmp_path / "cell.py"
    cell.write_text("import catboost\n")  # a distribution kerasmagic knows, not installed
    code, out = _check(cell, "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert data["error_type"] == "ModuleNotFoundError"
    assert "catboost" in data["error_message"]
    top = data["suggestions"][0]
    assert top["id"] == "package-not-installed"
    assert top["message"] and 0 < top["confidence"] <= 1
    assert top["fixed_source"] is None  # an install, not a code change
    # a script is not a notebook: the install line names this interpreter, not `%pip`
    assert " install " in top["fix_code"]
    assert top["fix_code"].endswith(" catboost")
    assert sys.executable in top["fix_code"] and "%pip" not in top["fix_code"]


def test_json_ranks_a_verified_fix_and_fix_writes_it(tmp_path):
    if not here(HAS_KERAS):
        pytest.skip("no Keras in this environment")
    cell = tmp_path / "cell.py"
    source = "from keras.optimizers import adam\nopt = adam(learning_rate=0.01)\n"
    cell.write_text(source)
    code, out = _check(cell, "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False and data["error_type"] == "ImportError"
    top = data["suggestions"][0]
    assert set(top) >= {"message", "confidence", "fixed_source"}
    assert "Adam" in top["message"]
    assert top["fixed_source"] == source.replace("adam", "Adam")
    assert data["fixed_source"] == top["fixed_source"]
    code, _ = _check(cell, "--fix")
    assert cell.read_text() == top["fixed_source"]
    code, out = _check(cell, "--json")
    assert code == 0 and json.loads(out)["ok"] is True


@pytest.mark.envs("tf221-k3", "colab", "tf215-broken-k3")
def test_terminal_text_is_wrapped_to_the_terminal_width(tmp_path):
    """Issue 19, item 11: prose wraps at the terminal's width (COLUMNS), no word is broken, and
    nothing of the finding is lost; the JSON is unchanged."""
    cell = tmp_path / "cell.py"
    cell.write_text(
        "import tensorflow as tf\nfrom keras.layers.experimental.preprocessing import Rescaling\n"
    )
    env = {**os.environ, "COLUMNS": "60"}
    run = [sys.executable, "-m", "kerasmagic", "check", str(cell), "--lint"]
    text = subprocess.run(run, capture_output=True, text=True, timeout=300, env=env).stdout
    data = json.loads(
        subprocess.run([*run, "--json"], capture_output=True, text=True, timeout=300).stdout
    )
    found = data["suggestions"] + data["traps"]
    assert found, text
    assert max(len(line) for line in text.splitlines()) <= 60, text
    flat = " ".join(text.split())
    for f in found:
        assert " ".join(f["cause"].split()) in flat  # every word kept, none broken
