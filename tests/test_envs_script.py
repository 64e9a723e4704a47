"""scripts/envs.py: listing, selection, the variables an environment runs with, the up-to-date
marker, and the `test` command's summary lines and exit code (with a real pytest run)."""

from __future__ import annotations

import json
import os
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
    (path / ".kerasmagic-env.json").write_text(
        json.dumps({"spec": env.spec, "seconds": 1.5, "megabytes": 7})
    )
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
    calls: list[list[str]] = []

    def record(cmd: list[str], check: bool = False) -> subprocess.CompletedProcess[str]:
        calls.append([str(c) for c in cmd])
        if "venv" in cmd:
            Path(cmd[-1], "bin").mkdir(parents=True)
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(envs.subprocess, "run", record)
    monkeypatch.setattr(envs, "_uv", lambda: "uv")
    assert envs.build(env) == {
        "spec": env.spec,
        "seconds": 1.5,
        "megabytes": 7,
    }
    assert calls == []  # up to date: nothing run

    changed = envs.Environment(env.name, env.description, (("ipython", "rich"),))
    info = envs.build(changed)
    assert calls[0][:2] == ["uv", "venv"] and calls[0][-1] == str(env.path)
    installs = [c for c in calls if c[1:3] == ["pip", "install"]]
    assert installs[0][-2:] == ["ipython", "rich"]
    assert all(c[c.index("--exclude-newer") + 1] == envs.EXCLUDE_NEWER for c in installs)
    assert any(f"{ROOT}[widgets]" in c for c in installs[-1])  # editable kerasmagic last
    assert json.loads((env.path / ".kerasmagic-env.json").read_text()) == info
    assert info["spec"] == json.dumps([["ipython", "rich"], envs.TEST_TOOLS])


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
    assert summary[0].split()[3:5] == ["7", "MB"]

    proc = run_script("test", "bare", "--", str(tests), envs_dir=tmp_path / "envs")
    assert proc.returncode == 0
