"""Issue 32, item 18: odd state and odd options end in a report or one line, never in
kerasmagic's own traceback — a hostile ``sys.modules['keras']``, a model whose attributes raise,
an unusable ``KERASMAGIC_PROBE_TIMEOUT``, a corrupt notebook among good ones, and ``migrate``
options that cannot work (refused before anything runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from environments import CLI_ENVS, MACHINERY_ENVS
from migrate_helpers import kerasmagic_cli as _cli
from test_robustness import assert_no_internal_traceback, run_shell

pytestmark = pytest.mark.envs(*MACHINERY_ENVS)

HOSTILE = """
class Hostile:
    def __getattribute__(self, name):
        raise RuntimeError("no " + name)
"""
VALUES = {"hostile": "Hostile()", "int": "42", "None": "None"}
# a session where Keras was really imported (and tf.keras resolved) before the entry was replaced
REAL_KERAS_FIRST = """
try:
    import tensorflow as tf
    tf.keras.optimizers.Adam()
except ImportError:
    try:
        import keras
    except ImportError:
        pass
"""
RESTORE = "del sys.modules['keras']\nif real is not None:\n    sys.modules['keras'] = real"
MAGICS = ("%keras_env", "%keras_env --json", "%keras_optimizers", "%keras_optimizers --json")


def _assert_shown_not_raised(out: list[tuple[str, str]], first: int) -> None:
    for text, outcome in out[first:]:
        assert outcome == "ok", text[-3000:]
        assert "Traceback" not in text and "internal error" not in text, text[-3000:]
        assert_no_internal_traceback(text)


@pytest.mark.parametrize("real_first", [False, True], ids=["nothing-imported", "keras-imported"])
def test_env_and_optimizers_magics_with_a_hostile_keras_entry(real_first: bool):
    cells = ["%load_ext kerasmagic", HOSTILE + "import sys\nreal = sys.modules.get('keras')"]
    if real_first:
        cells.append(REAL_KERAS_FIRST + "real = sys.modules.get('keras')")
    first = len(cells)
    for value in VALUES.values():
        cells += [f"sys.modules['keras'] = {value}", *MAGICS, RESTORE]
    out = run_shell(cells)
    for at in range(first, len(cells), len(MAGICS) + 2):
        _assert_shown_not_raised(out[at : at + len(MAGICS) + 1], 1)
        env_json = out[at + 2][0]
        report = json.loads(env_json[env_json.index("{") : env_json.rindex("}") + 1])
        assert report["keras"] is not None and report["packages"] is not None, cells[at]


def test_model_option_of_an_object_whose_attributes_raise():
    out = run_shell(
        [
            "%load_ext kerasmagic",
            HOSTILE + "class Half:\n    compile = None\n    optimizer = property(lambda s: 1 / 0)\n"
            "h, half = Hostile(), Half()",
            "%keras_optimizers --model h --text",
            "%keras_optimizers --model half --text",
            "%keras_optimizers --model h --json",
        ]
    )
    _assert_shown_not_raised(out, 2)
    assert "reading h raised RuntimeError: no compile" in out[2][0], out[2][0]
    assert "reading half raised ZeroDivisionError" in out[3][0], out[3][0]
    assert "(not a Keras class)" in out[2][0]  # a class of __main__ is no Keras 2 class
    assert '"note": "reading h raised RuntimeError: no compile"' in out[4][0]


@pytest.mark.slow
@pytest.mark.envs(*CLI_ENVS)
@pytest.mark.parametrize(
    "value, said",
    [
        ("inf", "not a finite number of seconds above 0: the probe used the default, 60 s"),
        ("1e400", "not a finite number of seconds above 0: the probe used the default, 60 s"),
        ("99999999999", "is more than 3600 s: the probe was given 3600 s"),
    ],
)
def test_env_probe_with_an_unusable_probe_timeout(value: str, said: str):
    proc = _cli("env", "--probe", "--json", env={"KERASMAGIC_PROBE_TIMEOUT": value})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    notes = [p for p in report["problems"] if "KERASMAGIC_PROBE_TIMEOUT" in p]
    assert len(notes) == 1 and said in notes[0] and repr(value) in notes[0], report["problems"]
    assert isinstance(report["fresh_import"], dict)  # the probe ran (its result, or why not)


def _good_notebook(
    path: Path, source: str = "x = 6 * 7\nprint(x)", kernel: tuple[str, str] = ("python3", "python")
) -> None:
    """A one-cell notebook; ``kernel``: its kernelspec's name and language."""
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    name, language = kernel
    nb = {
        "cells": [{**cell, "id": "a1", "source": source}],
        "metadata": {"kernelspec": {"name": name, "language": language, "display_name": name}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))


@pytest.mark.envs(*CLI_ENVS)
@pytest.mark.parametrize("mode", [[], ["--static"]], ids=["run", "static"])
def test_migrate_a_folder_with_one_corrupt_notebook_migrates_the_others(
    tmp_path: Path, mode: list[str]
):
    _good_notebook(tmp_path / "good.ipynb")
    (tmp_path / "list.ipynb").write_text("[1, 2, 3]")  # JSON, but no notebook
    no_source = {"cells": [{"cell_type": "code", "metadata": {}}], "metadata": {}, "nbformat": 4}
    (tmp_path / "no_source.ipynb").write_text(json.dumps({**no_source, "nbformat_minor": 5}))
    (tmp_path / "script.py").write_text("print('script ran')\n")
    proc = _cli("migrate", ".", "--json", *mode, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 1, proc.stderr[-3000:]  # a document could not be migrated
    docs = {Path(d["path"]).name: d for d in json.loads(proc.stdout)["documents"]}
    assert set(docs) == {"good.ipynb", "list.ipynb", "no_source.ipynb", "script.py"}
    for bad in ("list.ipynb", "no_source.ipynb"):
        assert docs[bad]["status"] == "error", docs[bad]
        assert "cannot read it: not a notebook nbformat can read" in docs[bad]["message"]
    for good in ("good.ipynb", "script.py"):
        assert docs[good]["status"] != "error", docs[good]
        assert docs[good]["cells"], docs[good]


@pytest.mark.envs(*CLI_ENVS)
@pytest.mark.parametrize(
    "options, said",
    [
        (["--cell-timeout", "nan"], "--cell-timeout nan: give a number of seconds above 0"),
        (["--cell-timeout", "inf"], "--cell-timeout inf: give a number of seconds above 0"),
        (["-o", "taken"], "-o taken: that is a file; -o names the folder"),
        (["-o", "taken/out"], "-o taken/out: taken is a file, so the folder cannot be made"),
        (["--report", "reports"], "--report reports: that is a folder; name the report's file"),
        (["--report", "r.pdf"], "--report r.pdf: kerasmagic writes the report as Markdown (.md)"),
    ],
)
def test_migrate_options_that_cannot_work_are_one_line_and_exit_2(
    tmp_path: Path, options: list[str], said: str
):
    (tmp_path / "lesson.py").write_text("open('ran.txt', 'w').write('ran')\n")
    (tmp_path / "taken").write_text("a file the user keeps\n")
    (tmp_path / "reports").mkdir()
    proc = _cli("migrate", "lesson.py", *options, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    assert proc.stderr.strip() == f"kerasmagic migrate: {proc.stderr.strip().split(': ', 1)[1]}"
    assert len(proc.stderr.strip().splitlines()) == 1 and said in proc.stderr, proc.stderr
    assert proc.stdout == ""  # no report: nothing was run
    assert not (tmp_path / "ran.txt").exists() and not (tmp_path / "lesson.migrated.py").exists()
    assert (tmp_path / "taken").read_text() == "a file the user keeps\n"


@pytest.mark.envs(*CLI_ENVS)
def test_an_r_notebook_beside_a_python_one_is_left_as_it_is_and_fails_nothing(tmp_path: Path):
    """Issue 32, item 19: a notebook of another language is reported and left alone; the run
    exits 0 when the Python documents are fine."""
    _good_notebook(tmp_path / "clean.ipynb")
    _good_notebook(tmp_path / "stats.ipynb", "x <- c(1, 2, 3)\nprint(mean(x))", ("ir", "R"))
    proc = _cli("migrate", ".", "--static", "--json", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-3000:])
    docs = {Path(d["path"]).name: d for d in json.loads(proc.stdout)["documents"]}
    assert docs["stats.ipynb"]["status"] == "not-python", docs["stats.ipynb"]
    assert "not a Python notebook (r): left as it is" in docs["stats.ipynb"]["message"]
    assert docs["clean.ipynb"]["status"] != "error", docs["clean.ipynb"]
    assert not (tmp_path / "out" / "stats.ipynb").exists()
