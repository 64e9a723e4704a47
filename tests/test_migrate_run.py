"""``migrate`` in run mode: real kernels of this environment, real Keras-2-era notebooks that fail
in Keras 3, migrated cell by cell and then re-executed with plain nbclient."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import nbformat
import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import (
    KERAS2_CELLS,
    SCRIPT,
    code_cells,
    document,
    hashes,
    migrate,
    migrate_json,
    migrate_notebook,
    notebook,
    rule_ids,
)
from nbclient import NotebookClient

pytestmark = [pytest.mark.envs("tf221-k3", "colab"), pytest.mark.slow]

DATA_CELLS = [
    "import numpy as np\nimport keras",
    "data = np.loadtxt('data/train.csv', delimiter=',')",
    "opt = keras.optimizers.Adam(lr=0.01)",
    "from keras.utils.np_utils import to_categorical",
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A directory of old notebooks and a script, migrated once into ``out``."""
    root = tmp_path_factory.mktemp("migrate-run")
    proj = root / "proj"
    notebook(proj / "old.ipynb", KERAS2_CELLS)
    notebook(proj / "needs_data.ipynb", DATA_CELLS)
    (proj / "scripts").mkdir()
    (proj / "scripts" / "train.py").write_text(SCRIPT)
    # what recursion must skip: a checkpoint, a virtualenv, site-packages
    notebook(proj / ".ipynb_checkpoints" / "old-checkpoint.ipynb", KERAS2_CELLS)
    (proj / "venv").mkdir()
    (proj / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (proj / "venv" / "tool.py").write_text("raise SystemExit('must not run')\n")
    (proj / "lib" / "site-packages").mkdir(parents=True)
    (proj / "lib" / "site-packages" / "pkg.py").write_text("raise SystemExit('must not run')\n")
    before = hashes(proj)
    start = time.perf_counter()
    proc, report = migrate_json(
        str(proj), "-o", str(root / "out"), "--report", str(root / "r.html")
    )
    return {
        "root": root, "proj": proj, "out": root / "out", "proc": proc, "report": report,
        "before": before, "seconds": time.perf_counter() - start,
    }  # fmt: skip


def test_recursion_skips_checkpoints_and_environments(project: dict) -> None:
    paths = sorted(
        Path(d["path"]).relative_to(project["proj"]).as_posix()
        for d in project["report"]["documents"]
    )
    assert paths == ["needs_data.ipynb", "old.ipynb", "scripts/train.py"]


def test_originals_are_byte_identical(project: dict) -> None:
    assert hashes(project["proj"]) == project["before"]


def test_old_notebook_is_fixed_cell_by_cell_and_verified(project: dict) -> None:
    doc = document(project["report"], "old.ipynb")
    assert doc["status"] == "migrated", doc["message"]
    assert doc["mode"] == "run" and doc["versions"].get("keras", "").startswith("3.")
    assert {"moved-module", "optimizer-lr-renamed", "generator-methods-removed"} <= rule_ids(doc)
    changed = [c for c in doc["cells"] if c["changed"]]
    assert len(changed) == 3 and all(c["verified"] and c["ran"] for c in changed)
    for cell in changed:
        for change in cell["changes"]:
            assert change["trigger"] == "error" and change["error"] and change["verified"]
            assert all(r["title"] and r["references"] for r in change["rules"])
    finals = "\n".join(c["final"] for c in doc["cells"])
    assert "fit_generator" not in finals and "lr=" not in finals and "np_utils" not in finals
    # progress of a run of several documents: one line for it as it finished, with its time
    lines = [ln for ln in project["proc"].stderr.splitlines() if "old.ipynb" in ln]
    assert len(lines) == 2, lines  # its line as it finished, and its row of the summary table
    assert lines[0].startswith("[") and lines[0].rstrip().endswith("s)")


def test_migrated_notebook_runs_end_to_end_with_plain_nbclient(project: dict) -> None:
    migrated = project["out"] / "old.ipynb"
    cells = code_cells(migrated)
    assert cells[-1].outputs and "trained" in cells[-1].outputs[0]["text"]  # the verifying run
    nb = nbformat.read(str(migrated), 4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(migrated.parent)}}).execute()  # fmt: skip
    assert "trained" in "".join(o.get("text", "") for o in nb.cells[-1].outputs)


def test_a_failure_without_fix_stops_and_later_cells_get_static_fixes_not_run(
    project: dict,
) -> None:
    doc = document(project["report"], "needs_data.ipynb")
    assert doc["status"] == "stopped" and doc["stopped_at"] == 2
    assert "stopped at cell 2" in doc["message"] and "FileNotFoundError" in doc["message"]
    assert "recognises no TF/Keras version problem" in doc["message"]  # no guess at the cause
    assert "not run" in doc["message"]
    failed = doc["cells"][1]
    assert failed["status"] == "failed" and failed["ran"] and not failed["changed"]
    later = doc["cells"][2:]
    assert all(c["status"] == "not-run" and not c["ran"] for c in later)
    assert all(c["changed"] and not c["verified"] for c in later), later
    assert all(ch["trigger"] == "static" for c in later for ch in c["changes"])
    assert "learning_rate=0.01" in later[0]["final"]
    assert "from keras.utils import to_categorical" in later[1]["final"]
    assert project["proc"].returncode == 1  # a document still fails


def test_script_is_run_as_python_file_and_fixed(project: dict) -> None:
    doc = document(project["report"], "train.py")
    assert doc["status"] == "migrated", doc["message"]
    # its blocks (split at its blank lines) ran as cells, the changed ones verified
    assert len(doc["cells"]) == 2 and all(c["verified"] for c in doc["cells"] if c["changed"])
    assert {"moved-module", "optimizer-lr-renamed"} <= rule_ids(doc)
    script = project["proj"] / "scripts" / "train.py"
    assert f"script ran from {script.resolve()}" in doc["cells"][-1]["output"]  # __file__ set
    migrated = project["out"] / "scripts" / "train.py"
    proc = subprocess.run(
        [sys.executable, str(migrated)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_reports_are_written(project: dict) -> None:
    html = (project["root"] / "r.html").read_text()
    assert (
        "<table>" in html
        and "generator-methods-removed" in html
        and "http" not in html.split("<style>")[0]
    )
    assert "<script" not in html and "<link" not in html  # self-contained, opens offline
    assert not (project["out"] / "migration-report.md").exists()  # --report given: only that


def test_check_passes_on_the_migrated_copy(project: dict, tmp_path: Path) -> None:
    copy = tmp_path / "copy.ipynb"
    copy.write_bytes((project["out"] / "old.ipynb").read_bytes())
    before = hashes(tmp_path)
    proc = migrate(str(copy), "--check")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert hashes(tmp_path) == before


def test_cell_timeout_interrupts_and_reports(tmp_path: Path) -> None:
    nb = notebook(tmp_path / "slow.ipynb", ["print('start')", "import time\ntime.sleep(300)", "from keras.utils.np_utils import to_categorical"])  # fmt: skip
    start = time.perf_counter()
    proc, report = migrate_json(str(nb), "--cell-timeout", "5")
    assert time.perf_counter() - start < 200
    doc = report["documents"][0]
    assert doc["status"] == "stopped" and doc["stopped_at"] == 2, doc["message"]
    assert doc["cells"][1]["status"] == "timeout"
    assert "longer than 5 s" in doc["message"] and "interrupted" in doc["message"]
    assert doc["cells"][2]["status"] == "not-run" and doc["cells"][2]["changed"]
    assert proc.returncode == 1
    assert "longer than 5 s" in proc.stderr  # the progress line says it too


def test_a_cell_that_ignores_the_interrupt_has_its_kernel_ended(tmp_path: Path) -> None:
    """Native code can keep a cell running past its interrupt (a `predict` on 60000 images):
    every later call into that kernel would wait behind it, so after a short grace it is ended,
    and the cells after it still get their static fixes."""
    stubborn = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(900)"
    nb = notebook(tmp_path / "stubborn.ipynb", [stubborn, "from keras.utils.np_utils import to_categorical"])  # fmt: skip
    proc, report = migrate_json(str(nb), "--cell-timeout", "5", timeout=400)
    doc = report["documents"][0]
    assert doc["status"] == "stopped" and doc["stopped_at"] == 1, doc["message"]
    assert doc["cells"][0]["status"] == "timeout"
    assert "did not stop when interrupted" in doc["message"] and "kernel was ended" in doc["message"]
    assert doc["cells"][1]["status"] == "not-run" and doc["cells"][1]["changed"]
    assert proc.returncode == 1


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_in_place_rewrites_only_changed_files(tmp_path: Path) -> None:
    old = notebook(tmp_path / "old.ipynb", ["from keras.utils.np_utils import to_categorical\nprint(to_categorical([0, 1]).shape)"])  # fmt: skip
    fine = notebook(tmp_path / "fine.ipynb", ["print(1 + 1)"])
    fine_before = fine.read_bytes()
    proc = migrate(str(tmp_path), "--in-place")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert fine.read_bytes() == fine_before
    cell = code_cells(old)[0]
    assert cell.source.startswith("from keras.utils import to_categorical")
    assert "(2, 2)" in cell.outputs[0]["text"]
    assert not list(tmp_path.glob("*.migrated.*"))


def test_missing_ipykernel_is_said_plainly(tmp_path: Path) -> None:
    env = tmp_path / "noipykernel"
    venv.create(env, with_pip=False)
    nb = notebook(tmp_path / "a.ipynb", ["print(1)"])
    proc = migrate(str(nb), "--python", str(env / "bin" / "python"))
    assert proc.returncode == 2
    assert "ipykernel is not installed" in proc.stderr and "installs nothing" in proc.stderr
    assert not (tmp_path / "a.migrated.ipynb").exists()


def test_ctrl_c_stops_cleanly_and_writes_what_was_migrated(tmp_path: Path) -> None:
    nb = notebook(tmp_path / "long.ipynb", ["from keras.utils.np_utils import to_categorical", "import time\ntime.sleep(300)", "print('never')"])  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "kerasmagic", "migrate", str(nb)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        if "[1/3]" in line:
            break
    time.sleep(2)
    proc.send_signal(2)  # SIGINT, as Ctrl-C
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted" in out and "interrupted" in err
    migrated = tmp_path / "long.migrated.ipynb"
    assert code_cells(migrated)[0].source == "from keras.utils import to_categorical"
    assert code_cells(migrated)[2].source == "print('never')"


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_workshop_notebook_migrates_the_old_notebook_beside_it(tmp_path: Path) -> None:
    notebooks = Path(__file__).resolve().parent.parent / "notebooks"
    shutil.copytree(notebooks / "old", tmp_path / "old")
    shutil.copy(notebooks / "05_migrate_old_notebook.ipynb", tmp_path)
    nb = nbformat.read(str(tmp_path / "05_migrate_old_notebook.ipynb"), 4)
    NotebookClient(nb, timeout=1500, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()  # fmt: skip
    text = "\n".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "exit status: 1" in text  # --static --check on the old notebook
    assert "exit status: 0" in text  # the run migrated everything
    assert "final loss" in text and "old notebook unchanged" in text
    shown = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "text/markdown" in o.get("data", {})
    ]
    assert shown and "generator-methods-removed" in shown[0]["data"]["text/markdown"]
    assert (tmp_path / "migrated" / "report.html").exists()


EARLIER_CELL = [
    "import numpy as np\nimport keras\nfrom keras import backend as K",
    "def set_rate(optimizer, value):\n    K.set_value(optimizer.learning_rate, value)\n"
    "    return K.get_value(optimizer.learning_rate)",
    "opt = keras.optimizers.Adam()\nprint('rate', set_rate(opt, 0.05))",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_an_error_raised_in_an_earlier_cells_code_fixes_that_cell(tmp_path: Path) -> None:
    """The third cell fails inside a function the second cell defined: the second cell is the
    one corrected (and run again), the third cell then runs unchanged."""
    proc, doc = migrate_notebook(tmp_path, "earlier.ipynb", EARLIER_CELL)
    assert doc["status"] == "migrated", doc["message"]
    cells = {c["number"]: c for c in doc["cells"]}
    ids = {r["id"] for ch in cells[2]["changes"] for r in ch["rules"]}
    assert cells[2]["status"] == "fixed" and "keras3-backend-values" in ids, cells[2]
    assert "K.set_value" not in cells[2]["final"]
    assert cells[3]["status"] == "ok" and cells[3]["final"] == EARLIER_CELL[2]
    # cell 2's progress line said "ok" when it ran; a later line says it was rewritten
    lines = [ln for ln in proc.stderr.splitlines() if "earlier.ipynb [2/3]" in ln]
    assert len(lines) == 2 and lines[0].split("] ")[1].startswith("ok"), lines
    assert "fixed (" in lines[1] and "rewritten when cell 3 failed" in lines[1], lines
    migrated = nbformat.read(str(tmp_path / "out" / "earlier.ipynb"), as_version=4)
    client = NotebookClient(migrated, timeout=300, resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # plain nbclient runs the migrated notebook end to end


BLANKS_IN_DEF = [
    "import keras\nunits, batch = 4, 2",
    # the blank line holds spaces: IPython's copy of the cell (its traceback's source) drops them
    "def build_model(units, batch):\n    model = keras.Sequential()\n  \n"
    "    model.add(keras.layers.LSTM(units, stateful=True, batch_input_shape=[batch, 3, 1]))\n"
    "    \n    return model",
    "model = build_model(units, batch)\nprint(model.output_shape)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_the_earlier_cell_is_found_when_its_blank_lines_hold_spaces(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "blanks.ipynb", BLANKS_IN_DEF)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    cells = {c["number"]: c for c in doc["cells"]}
    assert cells[2]["status"] == "fixed" and "batch_input_shape" not in cells[2]["final"]
    assert cells[3]["status"] == "ok" and cells[3]["final"] == BLANKS_IN_DEF[2]


HISTORY_ELSEWHERE = [
    "import numpy as np\nimport keras\n"
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation='sigmoid')])\n"
    "model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])\n"
    "hist = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=1, verbose=0,"
    " validation_split=0.25)",
    "print(hist.history['acc'][-1], hist.history['val_acc'][-1])",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_history_keys_are_read_from_the_live_history_of_an_earlier_cell(tmp_path: Path) -> None:
    """The model was compiled in another cell: the ``History`` object the kernel holds says which
    keys there are (rules/history.py)."""
    proc, doc = migrate_notebook(tmp_path, "history.ipynb", HISTORY_ELSEWHERE)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    final = {c["number"]: c for c in doc["cells"]}[2]["final"]
    assert final == "print(hist.history['accuracy'][-1], hist.history['val_accuracy'][-1])", final


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_installs_in_any_ipython_spelling_never_run_and_shell_cells_are_named(
    tmp_path: Path,
) -> None:
    """Issue 32, item 15, through a real kernel: an install in a %%bash cell or in the
    get_ipython() spelling of an exported notebook does not run (each would fail here: the
    package path does not exist), comes back byte for byte, and the report names the cells that
    run shell commands."""
    cells = [
        "%%bash\npip install ./no-such-package-here\necho shell ran",
        "get_ipython().run_line_magic('pip', 'install ./no-such-package-here')",
        "get_ipython().system('pip install ./no-such-package-here')\n"
        "get_ipython().system('echo exported')\nx = 1",
        "print(x)",
    ]
    notebook(tmp_path / "nb.ipynb", cells)
    proc, report = migrate_json(str(tmp_path / "nb.ipynb"), "-o", str(tmp_path / "out"))
    doc = document(report, "nb.ipynb")
    assert doc["status"] in ("unchanged", "migrated"), (doc["status"], doc["message"])
    out = tmp_path / "out" / "nb.ipynb"
    if out.exists():  # written only when something changed: the installs come back as they were
        assert [c.source for c in code_cells(out)] == cells
    notes = [" ".join(c["notes"]) for c in doc["cells"]]
    assert all("was not run: kerasmagic installs nothing" in n for n in notes[:3]), notes
    assert "shell commands" in notes[0] and "shell commands" in notes[2], notes
    assert "shell commands" not in notes[3]


COLAB_TENSORFLOW_VERSION = [
    "%tensorflow_version 2.x\nimport tensorflow as tf",
    "if True:\n    %tensorflow_version 2.x\nprint('tensorflow', tf.__version__)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_colabs_tensorflow_version_magic_is_kept_as_a_comment_outside_colab(tmp_path: Path) -> None:  # fmt: skip
    """A Colab notebook's ``%tensorflow_version 2.x`` stops any other kernel at its first cell
    ("Line magic function not found"); Colab ignores it today. The line becomes a comment (``pass``
    with the comment in an indented block) and the notebook runs on."""
    proc, doc = migrate_notebook(tmp_path, "colab.ipynb", COLAB_TENSORFLOW_VERSION)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    finals = [c["final"] for c in doc["cells"]]
    assert finals[0].startswith("# %tensorflow_version 2.x"), finals[0]
    assert "    pass  # %tensorflow_version 2.x" in finals[1], finals[1]
    outputs = code_cells(tmp_path / "out" / "colab.ipynb")[-1].outputs
    assert "tensorflow" in "".join(o.get("text", "") for o in outputs)


SAME_ERROR_TWICE = [
    "import numpy as np\nfrom keras.utils import to_categorical",
    "def encode(labels):\n    return to_categorical(labels, nb_classes=3)\n\n"
    "y_train = to_categorical(np.array([0, 1, 2]), nb_classes=3)\n"
    "y_test = encode(np.array([2, 1]))",
]


@pytest.mark.envs("tf221-k3", "colab")  # IPython 9 and Colab's 7.34
def test_the_same_error_from_a_later_line_is_progress_in_every_ipython(tmp_path: Path) -> None:
    """The second ``nb_classes`` raises the first one's error again, from a later line (inside a
    function the cell defines): progress, fixed in turn, not a rewrite that failed. The line is
    read from the traceback IPython 8+ ("Cell In[2], line 5") and Colab's IPython 7.34 (the
    cell's file and "----> 5") print."""
    proc, doc = migrate_notebook(tmp_path, "twice.ipynb", SAME_ERROR_TWICE)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    final = {c["number"]: c for c in doc["cells"]}[2]["final"]
    assert "nb_classes" not in final and final.count("num_classes=3") == 2, final
