"""Which Python `pip` on PATH installs into, and one coherent install instruction (issue 19,
item 6): a version manager's shim is not "the pip of /usr/bin/bash"; the install advice says what
the install line does.

The shims are real scripts on PATH in a temporary directory, laid out as pyenv lays them out; the
probe reads them and runs nothing."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from conftest import run_python_json

from kerasmagic.probes.interpreter import Interpreter

PYENV_SHIM = """#!/usr/bin/env bash
set -e
[ -n "$PYENV_DEBUG" ] && set -x

program="${{0##*/}}"

export PYENV_ROOT="{root}"
exec "{root}/libexec/pyenv" exec "$program" "$@"
"""


def _script(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def pyenv(tmp_path: Path) -> Path:
    """A pyenv root: a shim `pip`, two installed versions with their own pip, a global version."""
    root = tmp_path / "pyenv"
    _script(root / "shims" / "pip", PYENV_SHIM.format(root=root))
    for version in ("3.98.1", "3.99.2"):
        bin_dir = root / "versions" / version / "bin"
        python = _script(bin_dir / f"python{version[:4]}", "#!/bin/sh\nexit 1\n")
        _script(bin_dir / "pip", f"#!{python}\nimport sys\n")
    (root / "version").write_text("3.99.2\n")
    return root


FACTS = """
import json
from dataclasses import asdict
from kerasmagic.probes.interpreter import interpreter_facts
from kerasmagic.diagnosis.env_findings import interpreter_findings
i = interpreter_facts()
found = [f.to_dict() for f in interpreter_findings(i, {}) if f.id.startswith("pip-")]
print(json.dumps({"facts": asdict(i), "findings": found}))
"""


def _facts(pyenv: Path, cwd: Path, **env: str) -> dict:
    path = f"{pyenv / 'shims'}{os.pathsep}{os.environ['PATH']}"
    clean = {"PATH": path, "PYENV_ROOT": str(pyenv), "PYENV_VERSION": "", **env}
    return run_python_json(FACTS, env=clean, cwd=str(cwd))


def test_pyenv_shim_is_followed_to_the_python_it_runs(pyenv, tmp_path):
    out = _facts(pyenv, tmp_path)
    facts = out["facts"]
    assert facts["pip_on_path"] == str(pyenv / "shims" / "pip")
    assert facts["pip_python"] == str(pyenv / "versions" / "3.99.2" / "bin" / "python3.99")
    assert facts["pip_shim"] == "pyenv" and "3.99.2" in facts["pip_via"]
    (finding,) = out["findings"]
    assert finding["id"] == "pip-other-python"
    assert "bash" not in finding["cause"] and "pyenv version 3.99.2" in finding["cause"]


@pytest.mark.skipif(
    sys.prefix == sys.base_prefix, reason="needs a venv (every envs.py environment)"
)
def test_pip_of_the_base_interpreter_is_not_this_venvs(tmp_path):
    """A venv's python is a symlink to its base interpreter: a pip of that base installs into the
    base, not into this venv, although both Pythons resolve to one file."""
    base = os.path.realpath(sys.executable)
    bin_dir = tmp_path / "bin"
    _script(bin_dir / "pip", f"#!{base}\nimport sys\n")
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    out = run_python_json(FACTS, env=env, cwd=str(tmp_path))
    assert out["facts"]["pip_python"] == base
    assert [f["id"] for f in out["findings"]] == ["pip-other-python"]


def test_pyenv_local_version_file_and_variable_win_over_the_global_one(pyenv, tmp_path):
    project = tmp_path / "project" / "sub"
    project.mkdir(parents=True)
    (tmp_path / "project" / ".python-version").write_text("3.98.1\n")
    local = _facts(pyenv, project)["facts"]
    assert local["pip_python"].endswith("3.98.1/bin/python3.98")
    chosen = _facts(pyenv, tmp_path, PYENV_VERSION="3.98")["facts"]  # a prefix, as pyenv allows
    assert chosen["pip_python"].endswith("3.98.1/bin/python3.98")


def test_unreadable_shim_is_said_to_be_one_never_a_shell(pyenv, tmp_path):
    (pyenv / "version").write_text("3.50.0\n")  # not installed: only running it would tell
    out = _facts(pyenv, tmp_path)
    assert out["facts"]["pip_python"] is None and out["facts"]["pip_shim"] == "pyenv"
    (finding,) = out["findings"]
    assert finding["id"] == "pip-shim" and "bash" not in finding["cause"] + finding["title"]
    assert "shim" in finding["title"]


def test_a_shell_script_pip_is_not_a_python(tmp_path):
    bin_dir = tmp_path / "bin"
    _script(bin_dir / "pip", '#!/bin/sh\nexec /opt/somewhere/pip "$@"\n')
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    facts = run_python_json(FACTS, env=env, cwd=str(tmp_path))["facts"]
    assert facts["pip_python"] is None and facts["pip_shim"] == "a shell script"


def test_pip_long_path_launcher_names_its_python(tmp_path):
    python = _script(tmp_path / ("long" * 30) / "bin" / "python3", "#!/bin/sh\nexit 1\n")
    pip = _script(
        tmp_path / "bin" / "pip",
        f"#!/bin/sh\n'''exec' \"{python}\" \"$0\" \"$@\"\n' '''\nimport sys\n",
    )
    env = {"PATH": f"{pip.parent}{os.pathsep}{os.environ['PATH']}"}
    facts = run_python_json(FACTS, env=env, cwd=str(tmp_path))["facts"]
    assert facts["pip_python"] == str(python) and facts["pip_shim"] is None


def _interpreter(**kw: object) -> Interpreter:
    base = dict(
        executable=sys.executable,
        version="3.11.7",
        implementation="CPython",
        platform="Linux",
        prefix=sys.prefix,
        env_kind="venv",
        host="jupyter",
        in_kernel=True,
        pip_on_path=None,
        pip_python=None,
    )
    return Interpreter(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "host,in_kernel", [("jupyter", True), ("ipython", False), ("python", False)]
)
@pytest.mark.parametrize("has_pip", [True, False])
@pytest.mark.parametrize("uv", [None, "/usr/local/bin/uv"])
def test_install_advice_says_what_the_install_line_does(host, in_kernel, has_pip, uv):
    i = _interpreter(host=host, in_kernel=in_kernel, has_pip=has_pip, uv_on_path=uv)
    command, advice = i.install_command("PACKAGE"), i.install_advice
    last = command.splitlines()[-1]
    if i.magic and (has_pip or not uv):
        assert last == "%pip install PACKAGE", command  # %pip where it works (after ensurepip)
    if "%pip" in advice:
        assert last.startswith("%pip install"), (advice, command)
    if "uv" in command:
        assert "uv" in advice and not has_pip
    if "ensurepip" in command:
        assert "no pip" in advice and "ensurepip" in advice
        if i.magic:  # `!python -m ensurepip` once, then the magic: never a shell pip line
            assert command.splitlines()[0] == f'!"{sys.executable}" -m ensurepip'
    if not has_pip:
        assert "no pip" in advice
    assert "-m pip install" not in command or not i.magic, command
