"""The corpus harnesses' notebook runner (``corpus_report.NB_RUNNER``) names the failing line
within the failing cell, from the traceback IPython prints: IPython 8+ ("Cell In[2], line 3")
and Colab's IPython 7.34 with ipykernel 6.17 ("/tmp/ipykernel_7/123.py in f()" and "----> 3").
The wrong-change check of scripts/realcode_report.py reads it: a notebook failing on a line
migrate did not write is the published code's own failure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from corpus_report import NB_RUNNER  # noqa: E402

CELLS = ["ready = True\n", "x = 1\ndef f():\n    return 1 / 0\ny = 2\nf()\n"]


@pytest.mark.envs("tf221-k3", "colab")  # IPython 9 / ipykernel 7, and Colab's IPython 7.34
def test_failing_line_within_the_cell(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nbformat.write(notebook, tmp_path / "fails.ipynb")
    run = subprocess.run(
        [sys.executable, "-c", NB_RUNNER, "fails.ipynb", "120"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    doc = json.loads(run.stdout.strip().splitlines()[-1])
    assert doc["ename"] == "ZeroDivisionError" and doc["cell"] == CELLS[1]
    assert doc["line"] == 3  # the innermost frame within the failing cell: `return 1 / 0`
