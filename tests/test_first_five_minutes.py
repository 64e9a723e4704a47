"""The first five minutes of a newcomer (issue 19, item 12): the README and the notebooks install
kerasmagic the way that works today (it is not on the package index), the LICENSE the metadata
names is there, and the command line's help reads as plain text."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_python_json
from environments import MACHINERY_ENVS

# the README, the LICENSE and the CLI's help text: the same files whatever Keras is installed
pytestmark = pytest.mark.envs(*MACHINERY_ENVS)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# an install of the name `kerasmagic` from the package index (not a path, URL or wheel)
FROM_INDEX = re.compile(r"pip install(?: -\S+)* \"?kerasmagic(?:\[\w+\])?\"?(?:\s|$)")
PUBLISHED = "Once kerasmagic is published"


def _install_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Install\n")
    return readme[start : readme.index("\n## ", start + 1)]


def test_readme_installs_from_a_clone_or_a_wheel_and_keeps_the_index_lines_for_later():
    section = _install_section()
    assert PUBLISHED in section, "the index lines are marked as waiting for a release"
    today, later = section.split(PUBLISHED, 1)
    assert not FROM_INDEX.search(today), FROM_INDEX.search(today)
    assert "pip install ." in today and "pip install -e ." in today
    assert "pip wheel . --no-deps -w dist" in today and "python -m build" in today
    assert '%pip install -q --no-deps "git+https://github.com/OWNER/kerasmagic"' in today
    assert FROM_INDEX.search(later), "the lines for when it is published are kept"


def _first_code_cell(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


RUN_CELL = """
import json, sys
sys.modules["kerasmagic"] = None  # as in a fresh Colab runtime: `import kerasmagic` fails
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
result = shell.run_cell({cell!r})
error = result.error_in_exec
print(json.dumps({{"error": type(error).__name__, "message": str(error),
                   "repo": shell.user_ns.get("KERASMAGIC_REPO")}}))
"""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_first_cell_installs_what_exists(path, tmp_path):
    """No install from the index; with the repository URL not yet set and no wheel uploaded, the
    cell says what to do (and runs no pip); where kerasmagic is installed it is silent."""
    cell = _first_code_cell(path)
    code_lines = [line for line in cell.splitlines() if not line.lstrip().startswith("#")]
    assert not any(FROM_INDEX.search(line) for line in code_lines), cell
    assert any("Once published" in line for line in cell.splitlines())
    out = run_python_json(RUN_CELL.format(cell=cell), cwd=str(tmp_path), timeout=120)
    assert out["error"] == "RuntimeError", out
    assert "KERASMAGIC_REPO" in out["message"] and ".whl" in out["message"]
    assert "/OWNER/" in out["repo"]


def test_license_file_is_the_license_the_metadata_names():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^license = "MIT"$', pyproject, re.M)
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "Permission is hereby granted" in text
    sdist = re.search(r"\[tool\.hatch\.build\.targets\.sdist\]\ninclude = (\[.*\])", pyproject)
    assert sdist and '"LICENSE"' in sdist.group(1)


@pytest.mark.parametrize("args", [[], ["env"], ["check"], ["optimizers"]])
def test_command_line_help_is_plain_text(args):
    proc = subprocess.run(
        [sys.executable, "-m", "kerasmagic", *args, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "python -m kerasmagic" in proc.stdout
    assert "`" not in proc.stdout, proc.stdout
