"""``migrate DIR -j 2`` against ``-j 1`` on a directory of six Keras 2 notebooks (issue 31, item 4):
the wall time of the command as typed, kernels started and every file written included.
Target: -j 2 faster than -j 1 (on a machine with at least 2 cores; the kernels do the work, the
threads of the command only wait for them). Needs Keras 3 (the notebooks fail there and get fixed).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import emit, has_module, median, repeats, row

CELLS = [
    "import numpy as np\nfrom keras.models import Sequential\nfrom keras.layers import Dense\n"
    "from keras.optimizers import Adam\nfrom keras.utils.np_utils import to_categorical",
    "x = np.random.rand(32, 4)\ny = to_categorical(np.random.randint(0, 3, 32), 3)",
    "model = Sequential([Dense(8, activation='relu', input_shape=(4,)), Dense(3, activation='softmax')])\n"
    "model.compile(optimizer=Adam(lr=0.01), loss='categorical_crossentropy')",
    "def batches():\n    while True:\n        yield x, y\n"
    "history = model.fit_generator(batches(), steps_per_epoch=2, epochs=2, verbose=0)",
    "print('trained', sorted(history.history))",
]
NOTEBOOKS = 6


def _course(folder: Path) -> Path:
    import nbformat

    for i in range(NOTEBOOKS):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
        nbformat.write(nb, str(folder / f"lesson{i + 1}.ipynb"))
    return folder


def _migrate(course: Path, out: Path, jobs: int) -> float:
    start = time.perf_counter()
    argv = [sys.executable, "-m", "kerasmagic", "migrate", str(course), "-o", str(out), "-j", str(jobs)]  # fmt: skip
    subprocess.run(argv, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    if not (has_module("keras") and has_module("nbclient")):
        emit("course", "migrate -j 2 vs -j 1", [], ["needs Keras and nbclient: not measured here"])
        return
    n = repeats(3)
    two, one = [], []
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        course.mkdir()
        _course(course)
        for i in range(n):  # interleaved: the machine's drift hits both alike
            two.append(_migrate(course, Path(tmp) / f"j2-{i}", 2) * 1000)
            one.append(_migrate(course, Path(tmp) / f"j1-{i}", 1) * 1000)
    print(f"-j 2: {median(two) / 1000:.1f} s; -j 1: {median(one) / 1000:.1f} s")
    emit(
        "course",
        f"migrate of a directory of {NOTEBOOKS} Keras 2 notebooks: -j 2 against -j 1 (wall time)",
        [
            row(
                f"migrate DIR -j 2 ({NOTEBOOKS} notebooks, 3 cells fixed in each)",
                two,
                baselines={"migrate DIR -j 1": one},
                target="< -j 1",
                met=median(two) < median(one),
            )
        ],
        [
            "Each repeat runs the command as typed (-o into a fresh folder): kernels, fixes and files."
        ],  # fmt: skip
    )


if __name__ == "__main__":
    main()
