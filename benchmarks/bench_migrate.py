"""``python -m kerasmagic migrate`` wall time on a notebook against a plain nbclient run of the
migrated notebook (a fresh process and kernel of the same interpreter, start-up included), per
notebook.
Target (issue 17): migrate ≤ 1.5 × the plain run + the time of the diagnosis calls in the kernel.
Needs TF/Keras 3 (the old notebooks fail there); elsewhere it says so and measures nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import emit, has_module, median, repeats, row

HERE = Path(__file__).resolve().parent
OLD = HERE.parent / "notebooks" / "old" / "keras2_classifier.ipynb"
CLEAN_CELLS = [
    "import numpy as np\nimport keras",
    "x = np.random.rand(64, 4)\ny = keras.utils.to_categorical(np.random.randint(0, 3, 64), 3)",
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation='softmax')])\n"
    "model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss='categorical_crossentropy')",
    "history = model.fit(x, y, epochs=2, verbose=0)\nprint(history.history['loss'][-1])",
]


def _clean_notebook(path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CLEAN_CELLS]
    nbformat.write(nb, str(path))
    return path


def _migrate(nb: Path, out: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "kerasmagic", "migrate", str(nb), "-o", str(out), "--json"],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    return seconds, json.loads(proc.stdout)["documents"][0]


PLAIN = (
    "import sys, nbformat\nfrom nbclient import NotebookClient\n"
    "nb = nbformat.read(sys.argv[1], 4)\n"
    "NotebookClient(nb, timeout=900, kernel_name='python3').execute()\n"
)


def _plain(nb: Path) -> float:
    """A plain nbclient run in a fresh process, as migrate is one (imports included)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", PLAIN, str(nb)], check=True, capture_output=True)
    return time.perf_counter() - start


def measure(name: str, nb: Path, n: int) -> dict:
    walls, plains, diagnoses = [], [], []
    doc: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):  # interleaved: the machine's drift hits both alike
            out = Path(tmp) / f"out{i}"
            wall, doc = _migrate(nb, out)
            walls.append(wall * 1000)
            diagnoses.append(doc["diagnosis_seconds"] * 1000)
            plains.append(_plain(out / nb.name) * 1000)
    limit = 1.5 * median(plains) + median(diagnoses)
    changed = doc["summary"]["changed"]
    return row(
        f"migrate {name} ({changed} cell(s) rewritten, status {doc['status']})",
        walls,
        baselines={
            "plain nbclient run of the migrated notebook": plains,
            "diagnosis calls in the kernel": diagnoses,
        },  # fmt: skip
        target="≤ 1.5 × plain run + diagnosis",
        met=median(walls) <= limit,
        note=f"limit {limit / 1000:.1f} s",
    )


def main() -> None:
    if not (has_module("keras") and has_module("nbclient")):
        emit(
            "migrate",
            "migrate vs a plain nbclient run",
            [],
            ["needs Keras and nbclient: not measured here"],
        )
        return
    n = repeats(3)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / OLD.name
        shutil.copy(OLD, old)
        rows.append(measure("notebooks/old/keras2_classifier.ipynb", old, n))
        rows.append(
            measure(
                "an up-to-date notebook (nothing to fix)",
                _clean_notebook(Path(tmp) / "clean.ipynb"),
                n,
            )
        )
    for r in rows:
        print(f"{r['what']}: {r['value'] / 1000:.1f} s; " + ", ".join(f"{b['what']} {b['value'] / 1000:.1f} s" for b in r["baselines"]) + f"; {r['note']}")  # fmt: skip
    emit(
        "migrate",
        "migrate vs a plain nbclient run of the migrated notebook (wall time, kernel start included)",
        rows,
        [
            "Each repeat runs migrate (a fresh kernel) and then the migrated notebook with plain nbclient (another fresh kernel)."
        ],  # fmt: skip
    )


if __name__ == "__main__":
    main()
