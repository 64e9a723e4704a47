"""scripts/envs.py: listing, selection, the variables an environment runs with, the up-to-date
marker, and the `test` command's summary lines and exit code (with a real pytest run)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "envs.py"
sys.path.insert(0, str(ROOT / "scripts"))
import envs  # noqa: E402

# The script's logic does not depend on the environment: test it once (and outside the matrix).
pytestmark = pytest.mark.envs("bare", "local")


def run_script(*args: str, envs_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KERASMAGIC_ENVS_DIR": str(envs_dir)}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120
    )


def fake_built(envs_dir: Path, env: envs.Environment) -> Path:
    """An environment directory whose marker says it is up to date, with this interpreter."""
    path = envs_dir / env.name
    (path / "bin").mkdir(parents=True)
    python = path / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    (path / "pyvenv.cfg").write_text(f"version_info = {platform.python_version()}\n")
    (path / ".kerasmagic-env.json").write_text(
        json.dumps({"spec": env.spec, "compile_bytecode": True, "seconds": 1.5, "megabytes": 7})
    )
    return path


def recorded_commands(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The commands ``envs.build`` runs, recorded instead of run (``uv venv`` makes the folder)."""
    calls: list[list[str]] = []

    def record(cmd: list[str], check: bool = False) -> subprocess.CompletedProcess[str]:
        calls.append([str(c) for c in cmd])
        if "venv" in cmd:
            Path(cmd[-1], "bin").mkdir(parents=True)
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(envs.subprocess, "run", record)
    monkeypatch.setattr(envs, "_uv", lambda: "uv")
    return calls


def fake_python(path: Path, version: str, *, works: bool = True) -> Path:
    """An interpreter at ``path`` answering find_python's question as CPython ``version`` would
    (or failing, as a pyenv shim for a version that is not selected does)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = f'echo "{path}"; echo "{version}"' if works else "echo 'pyenv: not found' >&2; exit 127"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def test_list_shows_every_environment_and_its_state(tmp_path: Path) -> None:
    fake_built(tmp_path, envs.ENVIRONMENTS["bare"])
    proc = run_script("list", envs_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(envs.ENVIRONMENTS)
    states = {line.split()[0]: line[17:27].strip() for line in lines}
    assert states["bare"] == "built"
    assert states["tf221-k3"] == "not built"


def test_path_prints_the_interpreter(tmp_path: Path) -> None:
    proc = run_script("path", "k3-jax", envs_dir=tmp_path)
    assert proc.stdout.strip() == str(tmp_path / "k3-jax" / "bin" / "python")


@pytest.mark.parametrize("command", ["list", "build", "test"])
def test_unknown_environment_is_an_error(tmp_path: Path, command: str) -> None:
    proc = run_script(command, "tf999-nope", envs_dir=tmp_path)
    assert proc.returncode != 0
    assert "unknown environment(s): tf999-nope" in proc.stderr
    assert not any(tmp_path.iterdir())  # nothing was built


def test_run_needs_one_environment_and_a_command(tmp_path: Path) -> None:
    proc = run_script("run", "bare", envs_dir=tmp_path)
    assert proc.returncode != 0 and "usage: envs.py run NAME -- CMD" in proc.stderr


def test_run_env_sets_the_environments_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    legacy = envs.run_env(envs.ENVIRONMENTS["tf221-legacy"])
    assert legacy["TF_USE_LEGACY_KERAS"] == "1"
    assert "KERAS_BACKEND" not in legacy  # the caller's choice does not leak in
    assert legacy["KERASMAGIC_ENV"] == "tf221-legacy"
    env = envs.ENVIRONMENTS["k3-jax"]
    jax = envs.run_env(env)
    assert jax["KERAS_BACKEND"] == "jax" and "TF_USE_LEGACY_KERAS" not in jax
    assert jax["PATH"].split(os.pathsep)[0] == str(env.path / "bin")
    assert jax["VIRTUAL_ENV"] == str(env.path)


def test_every_environment_is_described_in_the_tests_table() -> None:
    from environments import KERAS_MAJOR, TF_KERAS_IS

    assert set(TF_KERAS_IS) == set(envs.ENVIRONMENTS) == set(KERAS_MAJOR)


def test_up_to_date_marker_skips_the_build_and_a_changed_spec_rebuilds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(envs, "ENVS_DIR", tmp_path)
    env = envs.ENVIRONMENTS["bare"]
    fake_built(tmp_path, env)
    calls = recorded_commands(monkeypatch)
    assert envs.build(env) == {
        "spec": env.spec,
        "compile_bytecode": True,
        "seconds": 1.5,
        "megabytes": 7,
        "python": platform.python_version(),  # read from its pyvenv.cfg
    }
    assert calls == []  # up to date: nothing run

    changed = envs.Environment(env.name, env.description, (("ipython", "rich"),))
    info = envs.build(changed)
    assert calls[0][:2] == ["uv", "venv"] and calls[0][-1] == str(env.path)
    installs = [c for c in calls if c[1:3] == ["pip", "install"]]
    assert installs[0][-2:] == ["ipython", "rich"]
    assert all(c[c.index("--exclude-newer") + 1] == envs.EXCLUDE_NEWER for c in installs)
    assert all("--compile-bytecode" in c for c in installs)  # kept where bytecode is not written
    assert any(f"{ROOT}[widgets]" in c for c in installs[-1])  # editable kerasmagic last
    assert json.loads((env.path / ".kerasmagic-env.json").read_text()) == info
    assert info["spec"] == json.dumps([["ipython", "rich"], envs.TEST_TOOLS])
    assert info["compile_bytecode"] is True


def test_an_environment_built_without_its_bytecode_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A marker from before installs compiled their bytecode (no ``compile_bytecode``): the same
    spec is built again, since every process would otherwise compile TensorFlow anew."""
    monkeypatch.setattr(envs, "ENVS_DIR", tmp_path)
    env = envs.ENVIRONMENTS["bare"]
    path = fake_built(tmp_path, env)
    marker = path / ".kerasmagic-env.json"
    old = json.loads(marker.read_text())
    del old["compile_bytecode"]
    marker.write_text(json.dumps(old))
    calls = recorded_commands(monkeypatch)
    envs.build(env)
    assert calls and calls[0][:2] == ["uv", "venv"]


def test_test_command_prints_one_summary_line_per_environment_and_fails_on_failure(
    tmp_path: Path,
) -> None:
    """Two environments (both this interpreter): one passing test file, one failing test."""
    for name in ("bare", "k3-jax"):
        fake_built(tmp_path / "envs", envs.ENVIRONMENTS[name])
    tests = tmp_path / "t"
    tests.mkdir()
    (tests / "test_one.py").write_text(
        "import os\ndef test_env():\n    assert os.environ['KERASMAGIC_ENV'] == 'bare'\n"
    )
    proc = run_script("test", "bare", "k3-jax", "--", str(tests), envs_dir=tmp_path / "envs")
    assert proc.returncode == 1, proc.stdout[-2000:]
    *summary, total = proc.stdout.split("== environment summary ==")[1].strip().splitlines()
    assert total.startswith("== 1/2 environments passed in ")
    assert [line.split()[:2] for line in summary] == [["PASS", "bare"], ["FAIL", "k3-jax"]]
    assert "1 passed" in summary[0] and "1 failed" in summary[1]
    assert summary[0].split()[3:7] == ["7", "MB", "python", platform.python_version()]

    proc = run_script("test", "bare", "--", str(tests), envs_dir=tmp_path / "envs")
    assert proc.returncode == 0


def test_find_python_runs_each_candidate_and_takes_the_first_of_the_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PATH's python3.13 (a shim that fails), then pyenv's versions newest first; never 3.12."""
    bin_dir, pyenv = tmp_path / "bin", tmp_path / "pyenv"
    fake_python(bin_dir / "python3.13", "3.13.0", works=False)
    fake_python(pyenv / "versions" / "3.13.1" / "bin" / "python3.13", "3.13.1")
    fake_python(pyenv / "versions" / "3.13.10" / "bin" / "python3.13", "3.12.9")  # lies: skipped
    fake_python(pyenv / "versions" / "3.12.1" / "bin" / "python3.12", "3.12.1")
    fake_python(pyenv / "versions" / "3.13.2t" / "bin" / "python3.13", "3.13.2")  # free-threaded
    fake_python(pyenv / "versions" / "3.13-dev" / "bin" / "python3.13", "3.13.3")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PYENV_ROOT", str(pyenv))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert envs._python_candidates("3.13") == [
        str(bin_dir / "python3.13"),
        str(pyenv / "versions" / "3.13.10" / "bin" / "python3.13"),
        str(pyenv / "versions" / "3.13.1" / "bin" / "python3.13"),
    ]
    found = str(pyenv / "versions" / "3.13.1" / "bin" / "python3.13")
    assert envs.find_python("3.13") == (found, "3.13.1")
    assert envs.find_python("3.14") is None


def test_find_python_reads_the_home_pyenv_without_pyenv_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = fake_python(
        tmp_path / ".pyenv" / "versions" / "3.13.0" / "bin" / "python3.13", "3.13.0"
    )
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("PYENV_ROOT", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert envs.find_python("3.13") == (str(python), "3.13.0")


def test_colab_prefers_python_313_like_colab_and_nothing_else_does() -> None:
    assert envs.ENVIRONMENTS["colab"].prefer_python == "3.13"
    assert [e.name for e in envs.ENVIRONMENTS.values() if e.prefer_python] == ["colab"]


def _record_builds(monkeypatch: pytest.MonkeyPatch, version: str) -> list[list[str]]:
    """envs.subprocess.run recorded; `uv venv` makes a venv whose pyvenv.cfg says ``version``."""
    calls: list[list[str]] = []

    def record(cmd: list[str], check: bool = False) -> subprocess.CompletedProcess[str]:
        calls.append([str(c) for c in cmd])
        if "venv" in cmd:
            Path(cmd[-1], "bin").mkdir(parents=True)
            Path(cmd[-1], "pyvenv.cfg").write_text(f"home = /x\nversion_info = {version}\n")
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(envs.subprocess, "run", record)
    monkeypatch.setattr(envs, "_uv", lambda: "uv")
    return calls


def test_a_preferred_python_is_given_to_uv_by_path_and_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built on the 3.13 found, by its path, never one uv would download; an environment built
    on 3.11 before a 3.13 was installed is rebuilt; without a 3.13 it stays on 3.11."""
    monkeypatch.setattr(envs, "ENVS_DIR", tmp_path)
    monkeypatch.setattr(envs, "PYTHON", "3.11")
    monkeypatch.setattr(envs, "PYTHON_FORCED", False)
    env = envs.Environment("colab", "d", (("ipython",),), install_self=False, prefer_python="3.13")
    found: list[tuple[str, str] | None] = [None]
    monkeypatch.setattr(envs, "find_python", lambda version: found[0])

    calls = _record_builds(monkeypatch, "3.11.7")
    info = envs.build(env)  # no 3.13 here: 3.11, as every other environment
    assert calls[0][:2] == ["uv", "venv"] and calls[0][calls[0].index("--python") + 1] == "3.11"
    assert info["python"] == "3.11.7"
    assert json.loads((env.path / ".kerasmagic-env.json").read_text())["python"] == "3.11.7"
    assert envs.python_note(env) == "python 3.11.7"
    calls.clear()
    assert envs.build(env)["python"] == "3.11.7" and calls == []  # up to date

    found[0] = ("/opt/py/bin/python3.13", "3.13.0")  # a 3.13 is installed: rebuilt on it
    assert envs.python_note(env) == "python 3.11.7 (3.13.0 at the next build)"
    calls = _record_builds(monkeypatch, "3.13.0")
    info = envs.build(env)
    venv = calls[0]
    assert venv[venv.index("--python") + 1] == "/opt/py/bin/python3.13"
    assert venv[venv.index("--python-preference") + 1] == "only-system"
    assert info["python"] == "3.13.0" and envs.python_note(env) == "python 3.13.0"
    calls.clear()
    assert envs.build(env)["python"] == "3.13.0" and calls == []

    monkeypatch.setattr(envs, "PYTHON_FORCED", True)  # KERASMAGIC_ENVS_PYTHON=3.11: it wins
    calls = _record_builds(monkeypatch, "3.11.7")
    assert envs.build(env)["python"] == "3.11.7" and calls


def test_build_prints_the_python_of_each_environment(tmp_path: Path) -> None:
    fake_built(tmp_path, envs.ENVIRONMENTS["bare"])
    proc = run_script("build", "bare", envs_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [
        "built",
        "bare",
        "1.5s",
        "7",
        "MB",
        "python",
        platform.python_version(),
    ]
    proc = run_script("list", "bare", envs_dir=tmp_path)
    assert proc.stdout.rstrip().endswith(f"[python {platform.python_version()}]")
