"""scripts/envs.py needs uv (issue 19, item 13): where it is not on PATH, uv goes quietly into the
tool venv the README names (``.envs/.tools``), never into the Python that runs the script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from environments import index_reachable

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.envs("bare", "local")

CALL_UV = "import sys; sys.path.insert(0, 'scripts'); import envs; print(envs._uv())"


def _path_without_uv() -> str:
    """This PATH minus every directory holding a `uv` (version-manager shims included)."""
    keep = [
        d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not Path(d, "uv").exists()
    ]
    return os.pathsep.join(keep)


def _has_uv_module(python: str) -> bool:
    code = "import importlib.util as u; print(u.find_spec('uv') is not None)"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.strip() == "True"


def test_readme_and_ci_name_the_tool_venv():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme[readme.index("## Set-up from a fresh clone") :].split("\n## ", 1)[0]
    assert "uv" in setup and ".envs/.tools" in setup
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert '"$PY" -m pip install' not in ci  # nothing into the Python that runs it
    assert "/.tools" in ci and "PIP_ROOT_USER_ACTION=ignore" in ci


@pytest.mark.skipif(not index_reachable(), reason="installing uv needs the package index")
def test_uv_is_installed_quietly_into_the_tool_venv(tmp_path: Path):
    env = {**os.environ, "PATH": _path_without_uv(), "KERASMAGIC_ENVS_DIR": str(tmp_path)}
    had_uv = _has_uv_module(sys.executable)
    first = subprocess.run(
        [sys.executable, "-c", CALL_UV],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert first.returncode == 0, first.stderr
    tool = tmp_path / ".tools" / "bin" / "uv"
    assert first.stdout.strip() == str(tool)
    version = subprocess.run([str(tool), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("uv ")
    # quiet: one line saying where uv went, no pip warnings (root, version check)
    assert first.stderr.strip().splitlines() == [
        f"envs.py: uv was not on PATH; installed it into {tmp_path / '.tools'}"
    ], first.stderr
    assert _has_uv_module(sys.executable) == had_uv  # nothing installed into this Python
    again = subprocess.run(
        [sys.executable, "-c", CALL_UV],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.stdout.strip() == str(tool) and again.stderr == ""
