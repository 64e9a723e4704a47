"""``%%keras_check --fix`` in a real JupyterLab 4 and Notebook 7 page (issue 32, item 1).

Both apply a ``set_next_input`` payload only when the execute reply is "ok": the corrected cell
must replace the failing cell's code there, the user's traceback shown once, and the output must
say what happened. A cell without a corrected cell still fails, and Run All stops at it. Driven by
``scripts/notebook_browser.py`` (Debian ``chromium`` through Playwright, tf221-k3 only; a missing
browser or front end fails, never skips). ``docs/check-fix-jupyterlab.png`` is JupyterLab's page.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOT = ROOT / "docs" / "check-fix-jupyterlab.png"
CELLS = [
    "%load_ext kerasmagic",
    "%%keras_check --fix\nimport tf\nprint(tf.__version__)",
    "print('after the fix')",
    "%%keras_check --fix\nraise ValueError('nothing to fix here')",
    "print('after the failure')",
]

pytestmark = pytest.mark.envs("tf221-k3")


def _browser():
    sys.path.insert(0, str(ROOT / "scripts"))
    import notebook_browser

    assert Path(notebook_browser.CHROMIUM).exists() or shutil.which("chromium"), (
        "Debian chromium is missing: apt-get install -y chromium (.ci/run does it)"
    )
    return notebook_browser


@pytest.mark.parametrize("front", ["lab", "notebook"])
def test_fix_lands_in_the_cell_and_run_all_stops_only_where_nothing_was_fixed(front):
    package = {"lab": "jupyterlab", "notebook": "notebook"}[front]
    assert importlib.util.find_spec(package), f"tf221-k3 must have {package} (scripts/envs.py)"
    assert importlib.util.find_spec("playwright"), "tf221-k3 must have playwright"
    cells = _browser().run_in_browser(CELLS, front=front, out=SHOT if front == "lab" else None)
    fixed, after, failing, never = cells[1:]
    # the corrected cell replaced the code of the failing cell, under its magic
    assert (
        fixed["source"].strip() == "%%keras_check\nimport tensorflow as tf\nprint(tf.__version__)"
    )
    lines = fixed["output"].splitlines()
    assert lines.count("ModuleNotFoundError: No module named 'tf'") == 1, fixed["output"]
    assert fixed["output"].count("Traceback (most recent call last)") == 1, fixed["output"]
    assert "--fix replaced this cell's code with the corrected cell" in fixed["output"]
    assert "Run All goes on past it" in fixed["output"]
    assert after["output"].strip() == "after the fix"  # the fixed cell replied "ok"
    # nothing to fix: the cell fails as it would without kerasmagic, and Run All stops there
    assert failing["source"].startswith("%%keras_check --fix\nraise ValueError")
    assert failing["output"].splitlines().count("ValueError: nothing to fix here") == 1, failing
    assert "--fix" not in failing["output"]
    assert never["count"] is None and never["output"] == "", never
    if front == "lab":
        assert SHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
