"""Issue 32, item 20: a source nested thousands deep (``not not … True``, ``a.a.a…``,
``x[0][0]…``) is too deep for Python's parser. ``kerasmagic.check`` reports that its static pass
was skipped, and why, instead of raising MemoryError or RecursionError; running it gives the
error Python itself gives. (A cell magic is not tested: IPython's own ``run_cell`` raises the
RecursionError of such a cell before any cell magic runs it.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from environments import PYTHON_ENVS
from test_robustness import assert_no_internal_traceback

import kerasmagic
from kerasmagic.diagnosis.bounds import SKIPPED_ID

pytestmark = pytest.mark.envs(*PYTHON_ENVS)

SHAPES = {
    "not": lambda n: "x = " + "not " * n + "True\n",
    "attribute": lambda n: "x = a" + ".a" * n + "\n",
    "subscript": lambda n: "x = [0]\nx = x" + "[0]" * n + "\n",
}


def _skipped(result) -> list:
    return [f for f in result.suggestions if f.id == SKIPPED_ID]


def _too_deep_here(source: str) -> bool:
    """Whether this interpreter's own compiler refuses ``source`` (3.13 parses 5,000 deep; 3.11
    does not), asked in a fresh process as ``python FILE`` would be."""
    code = "import sys; compile(sys.stdin.read(), 'deep', 'exec')"
    proc = subprocess.run(
        [sys.executable, "-c", code], input=source, capture_output=True, text=True, timeout=300
    )
    return proc.returncode != 0 and (
        "RecursionError" in proc.stderr or "MemoryError" in proc.stderr
    )


@pytest.mark.parametrize("run", [False, True], ids=["lint", "run"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_check_of_a_deep_source_says_the_static_pass_was_skipped(shape, depth, run):
    source = SHAPES[shape](depth)
    result = kerasmagic.check(source, run=run)  # raises nothing
    skipped = _skipped(result)
    assert result.internal_error is None, result.internal_error
    if not _too_deep_here(source):  # this Python parses it: checked like any other source
        assert skipped == [], [f.title for f in skipped]
        return
    assert len(skipped) == 1, [f.id for f in result.suggestions]
    if len(source) <= 300_000:  # under the size limit: the depth is the reason given
        assert "too deeply for Python to parse" in skipped[0].title, skipped[0].title
    if run:  # what `python FILE` raises on it
        assert result.error_type in ("RecursionError", "MemoryError"), result.error_type
        assert not result.ok
    assert "static check skipped" in str(result)


def test_cli_check_of_a_deep_script_prints_pythons_error_and_the_skip(tmp_path: Path):
    script = tmp_path / "deep.py"
    script.write_text(SHAPES["attribute"](100_000))  # too deep for 3.11 and 3.13 alike
    proc = subprocess.run(
        [sys.executable, "-m", "kerasmagic", "check", str(script)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "RecursionError" in proc.stderr and "during compilation" in proc.stderr
    assert_no_internal_traceback(proc.stderr)
    said = " ".join(proc.stdout.split())  # the text view wraps its lines
    assert "too deeply for Python to parse" in said and SKIPPED_ID in said
