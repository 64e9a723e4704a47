"""The user's files, through the CLI as typed (issue 32, items 11–13): ``migrate`` never writes
over an original without ``--in-place`` nor loses a migrated copy, ``--in-place`` writes through a
symbolic link, a write that cannot finish (a full disk: ``RLIMIT_FSIZE``, which binds root too; an
output folder that cannot be made) leaves every file whole and says so in one line (exit 2, the
report still printed), and a fix keeps the endings of the lines it did not change."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ENV_NAME
from environments import CLI_ENVS, HAS_KERAS, KERAS_MAJOR, here
from migrate_helpers import KERAS2_CELLS, hashes, notebook

# where `migrate --static` provably rewrites the old imports (test_migrate_static.py)
KERAS3 = ENV_NAME in ("tf221-k3", "colab") and here(KERAS_MAJOR) == 3
pytestmark = pytest.mark.envs(*CLI_ENVS)
FULL_DISK = 4096  # bytes a process may write to any one file: the disk is "full" past them
PADDING = "".join(f"# a comment line to make the file bigger than the free space {i}\n" for i in range(120))  # fmt: skip
OLD_SCRIPT = "from keras.optimizers import adam\nopt = adam(learning_rate=0.01)\n"


def _kerasmagic(
    *args: str, cwd: Path, file_limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    def limit() -> None:  # in the child only: the test process writes as usual
        if file_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.run(
        [sys.executable, "-m", "kerasmagic", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        preexec_fn=limit,
    )


def _refused(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2 before anything ran: one plain line on standard error, no traceback, no report."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    lines = [line for line in proc.stderr.splitlines() if line.startswith("kerasmagic migrate:")]
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


def _temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if "kerasmagic-tmp" in p.name]


# -- item 11: data loss ---------------------------------------------------------------------------
def test_migrate_into_the_originals_folder_refuses_to_write_over_the_original(
    tmp_path: Path,
) -> None:
    """`migrate lesson.ipynb -o .`: the copy would be the original itself."""
    notebook(tmp_path / "lesson.ipynb", KERAS2_CELLS)
    (tmp_path / "train.py").write_text(OLD_SCRIPT)
    before = hashes(tmp_path)
    _refused(_kerasmagic("migrate", "lesson.ipynb", "-o", ".", "--static", cwd=tmp_path), "lesson.ipynb", "--in-place")  # fmt: skip
    _refused(_kerasmagic("migrate", ".", "-o", ".", "--static", "--overwrite", cwd=tmp_path), "--in-place")  # fmt: skip
    assert hashes(tmp_path) == before


def test_a_report_over_a_file_being_migrated_is_refused(tmp_path: Path) -> None:
    """`migrate train.py --report train.py`: the script would be replaced by the report."""
    (tmp_path / "train.py").write_text(OLD_SCRIPT)
    before = hashes(tmp_path)
    _refused(_kerasmagic("migrate", "train.py", "--report", "train.py", "--static", cwd=tmp_path), "train.py")  # fmt: skip
    assert hashes(tmp_path) == before


def test_a_file_already_in_the_output_folder_is_replaced_only_with_overwrite(
    tmp_path: Path,
) -> None:
    notebook(tmp_path / "lab.ipynb", KERAS2_CELLS)
    out = tmp_path / "out"
    out.mkdir()
    (out / "lab.ipynb").write_text("the student's own work")
    _refused(_kerasmagic("migrate", "lab.ipynb", "-o", "out", "--static", cwd=tmp_path), "out/lab.ipynb", "--overwrite")  # fmt: skip
    assert (out / "lab.ipynb").read_text() == "the student's own work"
    (out / "lab.ipynb").unlink()
    (out / "migration-report.md").write_text("notes of mine")
    _refused(_kerasmagic("migrate", "lab.ipynb", "-o", "out", "--static", cwd=tmp_path), "migration-report.md")  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == ["migration-report.md"]
    proc = _kerasmagic("migrate", "lab.ipynb", "-o", "out", "--static", "--overwrite", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert nbformat.read(str(out / "lab.ipynb"), 4).cells[0].source == "# An old notebook"
    assert "notes of mine" not in (out / "migration-report.md").read_text()


def test_two_notebooks_of_one_name_are_never_written_to_one_file(tmp_path: Path) -> None:
    """`migrate week1/lab.ipynb week2/lab.ipynb -o out` would keep one migration of two."""
    notebook(tmp_path / "week1" / "lab.ipynb", KERAS2_CELLS, "# week 1")
    notebook(tmp_path / "week2" / "lab.ipynb", KERAS2_CELLS, "# week 2")
    proc = _kerasmagic("migrate", "week1/lab.ipynb", "week2/lab.ipynb", "-o", "out", "--static", cwd=tmp_path)  # fmt: skip
    _refused(proc, "week1/lab.ipynb", "week2/lab.ipynb", "out/lab.ipynb")
    assert not (tmp_path / "out").exists()
    # their folder named instead: its tree is mirrored, both kept
    proc = _kerasmagic("migrate", ".", "-o", "out", "--static", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for week in ("week1", "week2"):
        first = nbformat.read(str(tmp_path / "out" / week / "lab.ipynb"), 4).cells[0]
        assert first.source == f"# week {week[-1]}"


@pytest.mark.skipif(not KERAS3, reason="a static rewrite is proved only with Keras 3 over TF")
def test_in_place_on_a_symbolic_link_rewrites_the_file_it_points_to(tmp_path: Path) -> None:
    real = notebook(tmp_path / "shared" / "lesson.ipynb", KERAS2_CELLS)
    link = tmp_path / "course" / "lesson.ipynb"
    link.parent.mkdir()
    link.symlink_to(real)
    proc = _kerasmagic("migrate", "course/lesson.ipynb", "--in-place", "--static", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert link.is_symlink() and link.resolve() == real.resolve()
    first = nbformat.read(str(real), 4).cells[1].source
    assert "np_utils" not in first and "to_categorical" in first, first
    assert not _temporaries(tmp_path)


# -- item 12: writes whole or not at all, said in one line ----------------------------------------
def _bignotebook(path: Path) -> Path:
    return notebook(path, KERAS2_CELLS, "# An old notebook\n\n" + PADDING)


@pytest.mark.skipif(not here(HAS_KERAS), reason="no fix to write without Keras")
def test_check_fix_on_a_full_disk_leaves_the_script_whole(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(PADDING + OLD_SCRIPT)
    assert script.stat().st_size > FULL_DISK
    before = script.read_bytes()
    proc = _kerasmagic("check", "train.py", "--fix", cwd=tmp_path, file_limit=FULL_DISK)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    assert proc.stderr.count("Traceback") == 1, proc.stderr  # the script's own, no other
    assert "kerasmagic: cannot write train.py" in proc.stderr and "unchanged" in proc.stderr
    assert script.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]
    proc = _kerasmagic("check", "train.py", "--fix", cwd=tmp_path)  # room again: it is written
    assert "opt = Adam(learning_rate=0.01)" in script.read_text(), proc.stderr[-3000:]


def _unwritten(proc: subprocess.CompletedProcess[str], *paths: str) -> None:
    """Exit 2, a plain line per file not written, and the report on standard output."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert [d["written"] for d in report["documents"]] == [False]
    assert "not written: cannot write" in report["documents"][0]["message"]
    lines = [line for line in proc.stderr.splitlines() if "cannot write" in line]
    for path in paths:
        assert any(line.startswith(f"kerasmagic migrate: cannot write {path}") for line in lines), lines  # fmt: skip


def test_migrate_on_a_full_disk_writes_nothing_half_and_still_reports(tmp_path: Path) -> None:
    nb = _bignotebook(tmp_path / "nb.ipynb")
    before = hashes(tmp_path)
    assert nb.stat().st_size > FULL_DISK
    proc = _kerasmagic("migrate", "nb.ipynb", "-o", "out", "--static", "--json", cwd=tmp_path, file_limit=FULL_DISK)  # fmt: skip
    _unwritten(proc, "out/nb.ipynb")
    assert not (tmp_path / "out" / "nb.ipynb").exists()
    assert not _temporaries(tmp_path)
    assert {k: v for k, v in hashes(tmp_path).items() if not k.startswith("out")} == before


def test_migrate_into_a_folder_that_cannot_be_made_is_refused_before_anything_runs(
    tmp_path: Path,
) -> None:
    """A file where the output folder should be is known before anything runs (migrate/options.py):
    one line naming it, exit 2, nothing written."""
    notebook(tmp_path / "nb.ipynb", KERAS2_CELLS)
    (tmp_path / "blocker").write_text("a file where the output folder should be")
    before = hashes(tmp_path)
    proc = _kerasmagic("migrate", "nb.ipynb", "-o", "blocker/out", "--static", "--json", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr and "blocker" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert hashes(tmp_path) == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_migrate_into_a_read_only_folder_says_so_and_still_reports(tmp_path: Path) -> None:
    notebook(tmp_path / "nb.ipynb", KERAS2_CELLS)
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        proc = _kerasmagic("migrate", "nb.ipynb", "-o", "out", "--static", "--json", cwd=tmp_path)
        _unwritten(proc, "out/nb.ipynb")
        assert not list(out.iterdir())
    finally:
        out.chmod(0o755)


# -- item 13: line endings ------------------------------------------------------------------------
@pytest.mark.skipif(not here(HAS_KERAS), reason="no fix to write without Keras")
def test_check_fix_keeps_the_endings_of_the_lines_it_did_not_fix(tmp_path: Path) -> None:
    mixed = b"import os\r\nfrom keras.optimizers import adam\nx = 1\r\nopt = adam(learning_rate=0.01)\r\nprint(x)\n"  # fmt: skip
    script = tmp_path / "train.py"
    script.write_bytes(mixed)
    proc = _kerasmagic("check", "train.py", "--fix", cwd=tmp_path)
    assert "wrote the corrected source" in proc.stderr, proc.stderr[-3000:]
    assert script.read_bytes() == mixed.replace(b"adam", b"Adam")


@pytest.mark.skipif(not KERAS3, reason="a static rewrite is proved only with Keras 3 over TF")
def test_migrate_in_place_keeps_the_endings_of_the_lines_it_did_not_change(tmp_path: Path) -> None:  # fmt: skip
    mixed = (
        b"import numpy as np\r\n"
        b"from keras.utils.np_utils import to_categorical\n"
        b"x = np.zeros(3)\r\n"
        b"y = to_categorical([0, 1], 2)\n"
        b"print(x, y)\r\n"
    )
    script = tmp_path / "train.py"
    script.write_bytes(mixed)
    proc = _kerasmagic("migrate", "train.py", "--in-place", "--static", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert script.read_bytes() == mixed.replace(b"keras.utils.np_utils", b"keras.utils")


SCRIPT_LIKE_PYTHON = """\
import pickle
import sys


class Point:
    def __init__(self, x):
        self.x = x


print(type(__builtins__).__name__)
print(pickle.loads(pickle.dumps(Point(3))).x)
print(sys.modules["__main__"].__dict__ is globals(), __name__)
sys.exit(int(sys.argv[1]))
"""


@pytest.mark.parametrize("status", ["3", "0"])
def test_check_runs_a_script_as_python_does(tmp_path: Path, status: str) -> None:
    """Issue 32, item 17: ``check FILE`` is ``python FILE``: ``__builtins__`` the module, the script
    ``sys.modules["__main__"]`` (pickle finds its classes), ``sys.exit(N)`` exits N."""
    script = tmp_path / "train.py"
    script.write_text(SCRIPT_LIKE_PYTHON, encoding="utf-8")
    plain = subprocess.run(
        [sys.executable, "train.py", status], capture_output=True, text=True, cwd=tmp_path
    )
    checked = _kerasmagic("check", "train.py", "--", status, cwd=tmp_path)
    assert plain.stdout == "module\n3\nTrue __main__\n" and plain.returncode == int(status)
    assert checked.stdout.startswith(plain.stdout), checked.stdout
    assert checked.returncode == plain.returncode, checked.stderr[-2000:]
    assert "Traceback" not in checked.stderr and "exit status" not in checked.stderr
    if status != "0":
        assert "stopped itself with sys.exit(3)" in checked.stdout


@pytest.mark.parametrize("lint", [False, True])
def test_check_never_imports_the_users_files_named_like_the_standard_library(
    tmp_path: Path, lint: bool
) -> None:
    """Issue 32, item 16: a file beside the script named like a standard-library module is
    imported by ``check FILE`` only where ``python FILE`` imports it; kerasmagic's own imports,
    made while diagnosing, get the standard library's."""
    names = ("tomllib", "difflib", "enum", "logging", "textwrap", "html", "tokenize", "json")
    for name in names:
        (tmp_path / f"{name}.py").write_text(f"print('SHADOWED {name}')\n", encoding="utf-8")
    (tmp_path / "helper.py").write_text("VALUE = 1\n", encoding="utf-8")
    script = tmp_path / "train.py"
    script.write_text("import helper\nimport tf\nprint(helper.VALUE)\n", encoding="utf-8")
    plain = subprocess.run(
        [sys.executable, "train.py"], capture_output=True, text=True, cwd=tmp_path
    )
    args = ("check", "--lint", "train.py") if lint else ("check", "train.py")
    checked = _kerasmagic(*args, cwd=tmp_path)
    shadowed = {line for line in (plain.stdout + plain.stderr).splitlines() if "SHADOWED" in line}
    seen = {line for line in (checked.stdout + checked.stderr).splitlines() if "SHADOWED" in line}
    assert seen <= shadowed, (seen, checked.stdout[-2000:])
    assert "No module named 'tf'" in plain.stderr
    assert checked.returncode == 1 and "Traceback" not in checked.stdout
    # the script's own module beside it still resolves for kerasmagic: no advice to install it
    assert "install helper" not in checked.stdout and "`helper`" not in checked.stdout
