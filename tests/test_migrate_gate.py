"""The fast static gate (issue 31, item 3): ``migrate --static --check --target SPEC`` and
``--diff`` check notebooks and scripts from generated knowledge, as typed on the command line —
exit codes as ruff's, the diff, the target, no TensorFlow or Keras imported, and the pre-commit
hook through ``pre-commit try-repo``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from environments import CLI_ENVS, MACHINERY_ENVS, index_reachable
from migrate_helpers import hashes, migrate

from kerasmagic.knowledge import known_targets

ROOT = Path(__file__).resolve().parent.parent
GATE = ("--static", "--check", "--target", "keras==3.15")
OLD = """\
import keras
from keras import backend as K
from keras.optimizers import Adam

opt = Adam(lr=0.01)  # a comment that stays
m = K.mean(x)
model.fit_generator(gen, steps_per_epoch=3, workers=4)
"""
FIXED = """\
import keras
from keras import backend as K
from keras.optimizers import Adam

opt = Adam(learning_rate=0.01)  # a comment that stays
m = keras.ops.mean(x)
model.fit(gen, steps_per_epoch=3)
"""
CLEAN = "import keras\nopt = keras.optimizers.Adam(learning_rate=0.01)\n"


def _notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    """A notebook written as JSON (the gate reads it without nbformat)."""
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": src.splitlines(True)}
            | ({"outputs": [], "execution_count": None} if kind == "code" else {})
            for kind, src in cells
        ],
    }
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


@pytest.mark.envs(*CLI_ENVS)
def test_exit_codes_are_ruffs(tmp_path: Path) -> None:
    (tmp_path / "old.py").write_text(OLD)
    (tmp_path / "clean.py").write_text(CLEAN)
    before = hashes(tmp_path)
    clean = migrate(str(tmp_path / "clean.py"), *GATE)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout == "" and "0 problem(s)" in clean.stderr
    old = migrate(str(tmp_path), *GATE)
    assert old.returncode == 1, old.stderr
    lines = old.stdout.splitlines()
    assert any(
        line.startswith(f"{tmp_path / 'old.py'}:5:") and "optimizer-lr-renamed [*]" in line
        for line in lines
    ), lines
    assert any(":6:" in line and "keras3-backend-ops [*]" in line for line in lines), lines
    assert any(":7:" in line and "generator-methods-removed [*]" in line for line in lines), lines
    assert "TensorFlow and Keras not imported" in old.stderr
    assert "static rules that read the live API do not run" in old.stderr
    assert hashes(tmp_path) == before  # nothing written
    for args in (
        ["--target", "keras==9.9"],
        ["--target", "keras==3.15", "-o", str(tmp_path / "out")],
        ["--target", "keras==3.15", "--in-place"],
        ["--target", "keras==3.15", "-j", "2"],  # no kernel runs: nothing to run side by side
        ["--diff", "--jobs", "0"],
        ["--target", "keras==3.15", "--to", "tensorflow==2.21.0 keras==3.15.1"],  # no env built
        ["--diff", "--to", "colab"],
    ):
        proc = migrate(str(tmp_path / "old.py"), *args)
        assert proc.returncode == 2 and proc.stdout == "", (args, proc.stdout, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        spelled = {"-o": "-o/--output-dir", "--in-place": "--in-place", "-j": "-j/--jobs", "--jobs": "-j/--jobs", "--to": "--to"}  # fmt: skip
        said = [v for k, v in spelled.items() if k in args]
        assert all(f"{s}: not with --target/--diff" in proc.stderr for s in said), proc.stderr
    proc = migrate(str(tmp_path / "missing.py"), *GATE)
    assert proc.returncode == 2 and "no such file" in proc.stderr
    assert hashes(tmp_path) == before


@pytest.mark.envs(*CLI_ENVS)
def test_diff_is_the_rewrite_and_writes_nothing(tmp_path: Path) -> None:
    old = tmp_path / "old.py"
    old.write_text(OLD)
    before = hashes(tmp_path)
    proc = migrate(str(old), "--diff", "--target", "keras==3.15")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith(f"--- {old}\n+++ {old}\n@@ "), proc.stdout
    assert hashes(tmp_path) == before
    patched = subprocess.run(
        ["patch", "-s", "-o", "-", str(old)],
        input=proc.stdout,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert patched.returncode == 0, patched.stderr
    assert patched.stdout == FIXED
    (tmp_path / "fixed.py").write_text(patched.stdout)
    again = migrate(str(tmp_path / "fixed.py"), "--diff", "--target", "keras==3.15")
    assert again.returncode == 0 and again.stdout == "", again.stdout + again.stderr


@pytest.mark.envs(*CLI_ENVS)
def test_notebook_is_read_directly_and_its_magics_left_out(tmp_path: Path) -> None:
    nb = _notebook(
        tmp_path / "course.ipynb",
        [
            ("markdown", "# K.mean(x) in prose is not code"),
            (
                "code",
                "!pip install keras==2.15\n%matplotlib inline\nimport keras\nfrom keras import backend as K",
            ),  # fmt: skip
            ("code", "%%bash\necho K.mean"),
            ("code", "y = K.mean(x)\n"),
        ],
    )
    proc = migrate(str(nb), *GATE)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines() == [
        f"{nb}:cell 3:1:5: keras3-backend-ops [*] `keras.backend.mean` does not exist in Keras "
        "3.15.1; `keras.ops.mean` computes it"
    ]
    diff = migrate(str(nb), "--diff", "--target", "keras==3.15").stdout
    assert f"--- {nb}:cell 3" in diff and "+y = keras.ops.mean(x)" in diff


def test_target_parsing() -> None:
    newest = known_targets.known()[0]
    assert newest.major == 3
    assert known_targets.resolve("keras==3.15").keras == newest.keras
    assert known_targets.resolve(newest.keras).keras == newest.keras
    assert known_targets.resolve("keras>=3").keras == newest.keras
    assert known_targets.resolve(f"tensorflow=={newest.tensorflow}").keras == newest.keras
    assert known_targets.resolve("keras==2.15").major == 2
    assert known_targets.resolve("keras==2").major == 2
    for unknown in ("keras==3.13", "numpy==2.0", "keras==three", "keras<1"):
        with pytest.raises(known_targets.UnknownTarget) as info:
            known_targets.resolve(unknown)
        assert "\n" not in str(info.value) and unknown in str(info.value)
    chosen = known_targets.resolve("auto")
    here = known_targets.installed_keras()
    if here is None:
        assert chosen.keras == newest.keras and "no Keras installed" in chosen.chosen
    else:
        assert chosen.major == int(here.split(".")[0]), (here, chosen)


@pytest.mark.envs(*MACHINERY_ENVS)
def test_imports_neither_tensorflow_nor_keras(tmp_path: Path) -> None:
    """The gate runs in an interpreter that has TF/Keras installed without importing them (nor
    nbformat), with the default target too (the installed Keras, read from its metadata)."""
    (tmp_path / "old.py").write_text(OLD)
    _notebook(tmp_path / "nb.ipynb", [("code", "from keras import backend as K\nK.mean(x)")])
    code = (
        "import json, sys\n"
        "from kerasmagic.migrate.cli import main\n"
        "codes = [main([sys.argv[1], '--static', '--check', '--target', 'keras==3.15']),\n"
        "         main([sys.argv[1], '--diff'])]\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "               ('tensorflow', 'keras', 'tf_keras', 'jax', 'torch', 'nbformat'))\n"
        "print(json.dumps({'codes': codes, 'heavy': heavy}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["heavy"] == [], result
    assert result["codes"][0] == 1, proc.stderr


def _pre_commit() -> list[str]:
    """pre-commit from the package index into the tool venv (``.envs/.tools``), once."""
    python = ROOT / ".envs" / ".tools" / "bin" / "python"
    if not python.exists():
        pytest.skip("no tool venv (.envs/.tools): scripts/envs.py makes it")
    probe = subprocess.run([str(python), "-m", "pre_commit", "--version"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "pre-commit"], check=True, timeout=600
        )
    return [str(python), "-m", "pre_commit"]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.mark.envs("bare")
@pytest.mark.skipif(not index_reachable(), reason="pre-commit and the hook's environment need the package index")  # fmt: skip
def test_pre_commit_hook_passes_a_clean_tree_and_fails_an_old_one(tmp_path: Path) -> None:
    pre_commit = _pre_commit()
    repo = tmp_path / "project"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "train.py").write_text(CLEAN)
    _notebook(repo / "lesson.ipynb", [("code", CLEAN)])
    _git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(ROOT / ".envs" / ".pre-commit-cache")}
    env.pop("PYTHONPATH", None)
    run = [*pre_commit, "try-repo", str(ROOT), "kerasmagic-migrate", "--all-files"]
    clean = subprocess.run(run, cwd=repo, env=env, capture_output=True, text=True, timeout=1200)
    assert clean.returncode == 0, clean.stdout[-3000:] + clean.stderr[-2000:]
    assert "Passed" in clean.stdout
    (repo / "old.py").write_text(OLD)
    _git(repo, "add", "old.py")
    old = subprocess.run(run, cwd=repo, env=env, capture_output=True, text=True, timeout=1200)
    assert old.returncode == 1, old.stdout[-3000:] + old.stderr[-2000:]
    assert "Failed" in old.stdout and "old.py:5:" in old.stdout and "optimizer-lr-renamed" in old.stdout  # fmt: skip


LARK_AFTER_NBFORMAT = """\
import sys
from kerasmagic.migrate import cli
if sys.argv[1] == "migrate":
    try:
        cli.main(["--help"])
    except SystemExit:
        pass
import nbformat, nbclient
print("lark" in sys.modules)
"""


@pytest.mark.envs("tf221-k3", "colab")
def test_migrates_own_process_compiles_no_grammar_nbformat_never_uses() -> None:
    """JupyterLab's and Colab's installs hold ``rfc3987_syntax``, which jsonschema imports with
    nbformat, compiling Lark grammars (1.2 s of every migrate run): a plain process does it, the
    migrate command's own process does not (nbformat checks no string format)."""
    seen = {}
    for how in ("plain", "migrate"):
        proc = subprocess.run([sys.executable, "-c", LARK_AFTER_NBFORMAT, how], capture_output=True, text=True)  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-2000:]
        seen[how] = proc.stdout.strip().splitlines()[-1]
    assert seen == {"plain": "True", "migrate": "False"}
