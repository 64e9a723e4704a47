"""Memory the extension adds: tracemalloc (retained and peak) and RSS, in a fresh process with
TF (or Keras) imported beforehand, over ``%load_ext``, ``%keras_env``, ``%%keras_check`` of a
failing cell (which builds the symbol index) and of a succeeding one. Baseline, measured in the same
run in another fresh process: the same cells run plainly. Target: under 20 MB added.
"""

from __future__ import annotations

from _common import emit, has_module, median, repeats, row, subprocess_json

PROCESS = """
import io, json, sys, tracemalloc, gc
from contextlib import redirect_stdout, redirect_stderr
{pre}
sys.path.insert(0, {bench_dir!r})
from _common import rss_mb
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_cell("warm_up = 1", store_history=False)
failing = {failing!r}
succeeding = "total = sum(range(10))\\n"
gc.collect()
rss0, _ = rss_mb()
tracemalloc.start()
with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
    if {with_ext}:
        shell.run_line_magic("load_ext", "kerasmagic")
        shell.run_line_magic("keras_env", "")
        shell.run_cell("%%keras_check\\n" + failing, store_history=False)
        shell.run_cell("%%keras_check\\n" + succeeding, store_history=False)
    else:
        shell.run_cell(failing, store_history=False)
        shell.run_cell(succeeding, store_history=False)
gc.collect()
current, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
rss1, hwm = rss_mb()
print(json.dumps({{"current": current / 2**20, "peak": peak / 2**20, "rss": rss1 - rss0,
                  "hwm_over_start": hwm - rss0}}))
"""

FAILING = "from keras.utils.np_utils import to_categorical\n"


def main() -> None:
    import os

    bench_dir = os.path.dirname(os.path.abspath(__file__))
    if has_module("tensorflow"):
        pre, label = "import tensorflow as tf; tf.keras.layers", "TF imported"
    elif has_module("keras"):
        pre, label = "import keras", "Keras imported"
    else:
        pre, label = "", "nothing heavy imported"
    n = repeats(3)
    runs: dict[bool, list[dict]] = {True: [], False: []}
    for _ in range(n):
        for with_ext in (True, False):
            code = PROCESS.format(pre=pre, bench_dir=bench_dir, failing=FAILING, with_ext=with_ext)
            runs[with_ext].append(subprocess_json(code))

    def col(with_ext: bool, key: str) -> list[float]:
        return [r[key] for r in runs[with_ext]]

    rows = []
    for key, what in (
        ("current", "tracemalloc, retained after the cells"),
        ("peak", "tracemalloc, peak during the cells"),
        ("rss", "RSS growth"),
        ("hwm_over_start", "peak RSS over the start"),
    ):
        added = median(col(True, key)) - median(col(False, key))
        rows.append(
            row(
                f"{what} ({label})",
                col(True, key),
                unit="MB",
                baselines={"same cells run plainly": col(False, key)},
                added_to="same cells run plainly",
                target="< 20 MB added",
                met=added < 20,
            )
        )
    emit("memory", "Memory added by the extension", rows)


if __name__ == "__main__":
    main()
