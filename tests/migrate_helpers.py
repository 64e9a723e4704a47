"""Old notebooks and scripts written by the migrate tests, and a way to run the command."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat

KERAS2_CELLS = [
    "import numpy as np\nfrom keras.models import Sequential\nfrom keras.layers import Dense\n"
    "from keras.optimizers import Adam\nfrom keras.utils.np_utils import to_categorical",
    "x = np.random.rand(32, 4)\ny = to_categorical(np.random.randint(0, 3, 32), 3)",
    "model = Sequential([Dense(8, activation='relu', input_shape=(4,)), "
    "Dense(3, activation='softmax')])\n"
    "model.compile(optimizer=Adam(lr=0.01), loss='categorical_crossentropy', metrics=['accuracy'])",
    "def batches():\n    while True:\n        yield x, y\n"
    "history = model.fit_generator(batches(), steps_per_epoch=2, epochs=2, verbose=0)",
    "print('trained', sorted(history.history))",
]

SCRIPT = """\
import numpy as np
from keras.models import Sequential
from keras.layers import Dense
from keras.optimizers import Adam
from keras.utils.np_utils import to_categorical

here = __file__
x = np.random.rand(32, 4)
y = to_categorical(np.random.randint(0, 3, 32), 3)
model = Sequential([Dense(3, activation="softmax", input_shape=(4,))])
model.compile(optimizer=Adam(lr=0.01), loss="categorical_crossentropy")
model.fit(x, y, epochs=1, verbose=0)
print("script ran from", here)
"""


def notebook(path: Path, cells: list[str], markdown: str | None = "# An old notebook") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_markdown_cell(markdown)] if markdown else []
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def code_cells(path: Path) -> list[Any]:
    return [c for c in nbformat.read(str(path), 4).cells if c.cell_type == "code"]


def hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def kerasmagic_cli(
    *argv: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``python -m kerasmagic ARGV`` in this interpreter, output decoded as UTF-8 (``env``: more
    variables for it)."""
    return subprocess.run(
        [sys.executable, "-m", "kerasmagic", *argv],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=cwd,
        env=dict(os.environ, PYTHONIOENCODING="utf-8", TF_CPP_MIN_LOG_LEVEL="2", **(env or {})),
        timeout=timeout,
    )


def migrate(
    *args: str, cwd: Path | None = None, timeout: float = 1500
) -> subprocess.CompletedProcess[str]:
    """``python -m kerasmagic migrate ARGS`` in this interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "kerasmagic", "migrate", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


def migrate_json(*args: str, **kwargs: Any) -> tuple[subprocess.CompletedProcess[str], dict]:
    proc = migrate(*args, "--json", **kwargs)
    assert proc.stdout.strip(), proc.stderr[-3000:]
    return proc, json.loads(proc.stdout)


def document(report: dict, name: str) -> dict:
    found = [d for d in report["documents"] if Path(d["path"]).name == name]
    assert len(found) == 1, [d["path"] for d in report["documents"]]
    return found[0]


def migrate_notebook(
    tmp_path: Path, name: str, cells: list[str]
) -> tuple[subprocess.CompletedProcess[str], dict]:
    """``cells`` written as notebook ``name`` in ``tmp_path`` and migrated into ``tmp_path /
    "out"``: the run, and the report's document of that notebook."""
    path = notebook(tmp_path / name, cells)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "out"))
    return proc, document(report, name)


def migrated_cells(tmp_path: Path, name: str, cells: list[str]) -> tuple[list[str], str]:
    """``cells`` migrated as notebook ``name`` (``migrate_notebook``), which must end migrated
    with exit 0: each cell's final source, and the text the migrated copy's last cell printed
    when it ran."""
    proc, doc = migrate_notebook(tmp_path, name, cells)
    assert doc["status"] == "migrated", doc["message"]
    assert proc.returncode == 0, proc.stderr[-2000:]
    outputs = code_cells(tmp_path / "out" / name)[-1].outputs
    return [c["final"] for c in doc["cells"]], "".join(o.get("text", "") for o in outputs)


def rule_ids(doc: dict) -> set[str]:
    return {r["id"] for c in doc["cells"] for ch in c["changes"] for r in ch["rules"]}


def printed_in_empty_folder(migrated: Path, run_dir: Path, timeout: int = 600) -> str:
    """The migrated notebook ``migrated`` run plainly with nbclient in ``run_dir`` (made empty:
    no file an earlier run left), and the text its cells printed."""
    from nbclient import NotebookClient

    nb = nbformat.read(str(migrated), as_version=4)
    run_dir.mkdir()
    NotebookClient(nb, timeout=timeout, resources={"metadata": {"path": str(run_dir)}}).execute()
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
