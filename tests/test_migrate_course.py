"""``migrate DIR -j N`` (issue 31, item 4): a course at once — real kernels side by side, one
progress line per document as it finishes, a summary table, each document's report and one index;
Ctrl-C (a real SIGINT to the real command) keeps what finished written, leaves the rest as it was
and leaves no kernel running. Where Keras is installed the quick notebooks carry a Keras 2 import
that the run fixes; in ``bare`` they are plain Python."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ENV_NAME
from environments import CLI_ENVS, HAS_KERAS
from migrate_helpers import code_cells, hashes, migrate, notebook

pytestmark = [pytest.mark.envs(*CLI_ENVS), pytest.mark.slow]

KERAS = HAS_KERAS.get(ENV_NAME, False)
OLD_IMPORT = "from keras.utils.np_utils import to_categorical"
NEW_IMPORT = "from keras.utils import to_categorical"


def _quick(i: int) -> list[str]:
    first = f"{OLD_IMPORT}\nprint('lesson', {i})" if KERAS else f"print('lesson', {i})"
    return [first, f"total = sum(range({i + 10}))\nprint(total)"]


def _slow(marker: Path) -> list[str]:
    """A notebook that starts a child process, says it has, then waits far longer than the test."""
    return [
        "import subprocess, time\nchild = subprocess.Popen(['sleep', '600'])",
        f"open({str(marker)!r}, 'w').write(str(child.pid))\ntime.sleep(600)",
        "print('never reached')",
    ]


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc: parent ids)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _gone(pids: set[int], within: float = 30) -> set[int]:
    """The processes of ``pids`` still running after waiting up to ``within`` s for them."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        left = {p for p in pids if _running(p)}
        if not left:
            return set()
        time.sleep(0.2)
    return {p for p in pids if _running(p)}


def _check_quick_copy(path: Path, i: int) -> None:
    nbformat.validate(nbformat.read(str(path), 4))
    cells = code_cells(path)
    assert len(cells) == 2
    assert cells[0].source.startswith(NEW_IMPORT if KERAS else "print('lesson'")
    assert f"lesson {i}" in cells[0].outputs[0]["text"]
    assert cells[1].outputs[0]["text"].strip() == str(sum(range(i + 10)))


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the processes from /proc")
def _as_a_terminal_starts_it() -> None:
    """Ctrl-C's default disposition in the child, whatever this test process inherited or an
    earlier test of the same pytest worker set: a process inherits an ignored SIGINT, and Python
    then leaves it ignored, so the run would never see the Ctrl-C this test sends (the test hung
    in the full suite, never alone)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_keeps_finished_copies_leaves_the_rest_and_no_kernel(tmp_path: Path) -> None:
    course = tmp_path / "course"
    for i in range(4):
        notebook(course / f"a{i}.ipynb", _quick(i))
    markers = [tmp_path / "z1.started", tmp_path / "z2.started"]
    for marker in markers:
        notebook(course / f"z-{marker.stem}.ipynb", _slow(marker))
    before = hashes(course)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kerasmagic", "migrate", str(course), "-o", str(out), "-j", "2", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_as_a_terminal_starts_it,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 600
        while not all(m.exists() and m.read_text() for m in markers):  # both slow ones running
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.2)
        below = _descendants(proc.pid)
        children = {int(m.read_text()) for m in markers}  # the `sleep` each slow notebook started
        assert children <= below
        proc.send_signal(signal.SIGINT)  # as Ctrl-C
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr[-3000:]
    assert not _gone(below), "processes of the run still running after it ended"
    # every finished notebook is written whole, with its report; the rest left as they were
    for i in range(4):
        _check_quick_copy(out / f"a{i}.ipynb", i)
        assert (out / "migration-reports" / f"a{i}.ipynb.md").exists()
    assert sorted(p.name for p in out.glob("*.ipynb")) == [f"a{i}.ipynb" for i in range(4)]
    assert not list(out.rglob("z-*"))
    assert not list(out.rglob("*.kerasmagic-tmp"))
    assert hashes(course) == before
    report = json.loads(stdout)
    assert report["interrupted"]
    status = {Path(d["path"]).name: d["status"] for d in report["documents"]}
    assert status == {**{f"a{i}.ipynb": "migrated" if KERAS else "unchanged" for i in range(4)}, "z-z1.ipynb": "interrupted", "z-z2.ipynb": "interrupted"}  # fmt: skip
    assert "interrupted" in (out / "migration-report.md").read_text()
    assert "4 of 6 documents finished and written" in stderr


def test_progress_lines_summary_table_reports_and_index(tmp_path: Path) -> None:
    course = tmp_path / "course"
    names = ["one.ipynb", "two.ipynb", "sub/three.ipynb"]
    for i, name in enumerate(names):
        notebook(course / name, _quick(i))
    out = tmp_path / "out"
    proc = migrate(str(course), "-o", str(out), "-j", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stderr.splitlines()
    assert lines[0] == "migrating 3 documents, 2 at a time (-j 2)"
    done = [line for line in lines if line.startswith("[") and "/3] " in line]
    assert [line.split("]")[0] for line in done] == [
        "[1/3",
        "[2/3",
        "[3/3",
    ]  # in the order they finish
    expected = "migrated — ran end to end" if KERAS else "unchanged — ran end to end"
    for name in names:  # one line per notebook, none per cell
        (line,) = [ln for ln in done if f"{course / name}:" in ln]
        assert expected in line
    assert not [ln for ln in lines if " [1/2] " in ln]
    head = next(i for i, ln in enumerate(lines) if ln.startswith("file "))
    assert lines[head].split()[:3] == ["file", "result", "cells"]
    table = lines[head + 1 : head + 4]
    assert sorted(ln.split()[0] for ln in table) == sorted(str(course / n) for n in names)
    assert all(ln.split()[3] == ("migrated" if KERAS else "unchanged") for ln in table)
    assert lines[head + 4].startswith("3 documents, ")
    # each document's own report, and the index linking them
    index = (out / "migration-report.md").read_text()
    for name in names:
        own = out / "migration-reports" / f"{name}.md"
        text = own.read_text()
        assert str(course / name) in text
        assert not [n for n in names if n != name and f"## {course / n}" in text]
        assert f"[report](<migration-reports/{name}.md>)" in index
        assert (out / "migration-reports" / f"{name}.html").exists()
    assert (
        'href="migration-reports/sub/three.ipynb.html"'
        in (out / "migration-report.html").read_text()
    )


def test_jobs_below_one_and_reports_in_the_way_are_refused(tmp_path: Path) -> None:
    course = tmp_path / "course"
    for i in range(2):
        notebook(course / f"n{i}.ipynb", _quick(i))
    proc = migrate(str(course), "-j", "0")
    assert proc.returncode == 2 and "-j 0" in proc.stderr
    mine = tmp_path / "out" / "migration-reports" / "n1.ipynb.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("notes of mine")
    proc = migrate(str(course), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2 and f"{mine} already exists" in proc.stderr
    assert mine.read_text() == "notes of mine"
    assert not (tmp_path / "out" / "n0.ipynb").exists()


def test_default_jobs_are_the_cores(tmp_path: Path) -> None:
    course = tmp_path / "course"
    for i in range(2):
        notebook(course / f"n{i}.ipynb", _quick(i))
    proc = migrate(str(course), "--check")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert f"(-j {cores})" in proc.stderr.splitlines()[0]
