"""Colab as it is: installing kerasmagic changes no installed distribution (issue: Colab)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from envs import COLAB_PINS  # noqa: E402

pytestmark = pytest.mark.envs("colab")


def colab_install_args() -> list[str]:
    """The arguments of the ``%pip install`` line the README gives for Colab."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line for line in readme.splitlines() if line.startswith("%pip install")]
    assert len(lines) == 1, lines
    return shlex.split(lines[0])[2:]


def test_notebooks_install_with_the_readme_line():
    """The same options, and the same repository unless a wheel was uploaded."""
    *options, repository = colab_install_args()
    line = "%pip install " + shlex.join(options) + " {source}"
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        first = next(c for c in cells if c["cell_type"] == "code")
        source = "".join(first["source"])
        assert line in source.splitlines()[-1], (path.name, source)
        assert f'KERASMAGIC_REPO = "{repository.removeprefix("git+")}"' in source, path.name


def freeze(python: Path) -> dict[str, str]:
    out = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split("==", 1) for line in out.splitlines() if "==" in line)


@pytest.fixture(scope="module")
def fresh_colab(tmp_path_factory) -> Path:
    """A new environment with Colab's pins (and pip, as Colab has), made with uv."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is needed to build a fresh Colab-like environment (pip install uv)")
    venv = tmp_path_factory.mktemp("colab") / "venv"
    subprocess.run([uv, "venv", "-q", "--seed", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([uv, "pip", "install", "-q", "--python", str(python), *COLAB_PINS], check=True)
    return python


@pytest.mark.parametrize("how", ["readme-colab-line", "with-widgets-extra-and-deps"])
def test_installing_kerasmagic_changes_no_installed_version(fresh_colab: Path, how: str):
    if how == "readme-colab-line":  # this checkout stands for the repository the line names
        install_args = [str(ROOT) if "kerasmagic" in a else a for a in colab_install_args()]
    else:
        install_args = [f"{ROOT}[widgets]"]
    before = freeze(fresh_colab)
    subprocess.run(
        [
            str(fresh_colab),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            *install_args,
        ],
        check=True,
    )
    after = freeze(fresh_colab)
    changed = {k: (v, after.get(k)) for k, v in before.items() if after.get(k) != v}
    assert not changed, changed
    assert set(after) - set(before) <= {"kerasmagic"} and "kerasmagic" in after
    proc = subprocess.run(
        [
            str(fresh_colab),
            "-c",
            "import kerasmagic, IPython, ipywidgets; print(IPython.__version__, ipywidgets.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.split() == ["7.34.0", "7.7.1"]


def test_this_environment_is_colabs():
    import importlib.metadata as md

    pins = dict(p.split("==") for p in COLAB_PINS)
    for name in ("ipython", "ipykernel", "ipywidgets", "tensorflow", "keras", "tf_keras", "numpy"):
        assert md.version(name) == pins[name], name
