"""Diagnosis latency on failing cells: what ``%%keras_check`` adds to the plain failing run.

Cold: a fresh process with TF (or Keras) already imported, the first diagnosis (it builds the
index of public Keras names), with ``HOME``/``XDG_CACHE_HOME``/``KERASMAGIC_CACHE_DIR`` pointing
to a new empty directory (no cache of any earlier run can help). Warm: later diagnoses in the same
process. Target: under 300 ms cold, under 20 ms warm.
"""

from __future__ import annotations

import os
import tempfile

from _common import emit, has_module, median, repeats, row, subprocess_json

CELLS = {
    "ImportError of a moved name": "from keras.utils.np_utils import to_categorical\n",
    "lr= ValueError": "import keras\nopt = keras.optimizers.Adam(lr=0.01)\n",
}

PROCESS = """
import io, json, sys, time
from contextlib import redirect_stdout, redirect_stderr
{pre}
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "kerasmagic")
def passthrough(line, cell):
    shell.run_cell(cell, store_history=False)
shell.register_magic_function(passthrough, "cell", "passthrough")
cell = {cell!r}
n = {n}
sink = io.StringIO()
def timed(src):
    t0 = time.perf_counter()
    result = shell.run_cell(src, store_history=False)
    return (time.perf_counter() - t0) * 1000, result
out = {{"plain": [], "check": [], "engine": [], "passthrough": []}}
with redirect_stdout(sink), redirect_stderr(sink):
    timed(cell)  # the first failing run warms IPython's traceback formatting and the imports
    ms, plain = timed(cell)
    out["plain_first"] = ms
    exc = plain.error_in_exec
    res = None
    if {engine_first}:
        from kerasmagic.diagnosis.engine import diagnose
        t0 = time.perf_counter()
        diagnose(cell, exc, namespace=shell.user_ns)
        out["engine_first"] = (time.perf_counter() - t0) * 1000
    ms, _ = timed("%%keras_check\\n" + cell)
    out["check_first"] = ms
    for _ in range(n):
        out["plain"].append(timed(cell)[0])
        out["check"].append(timed("%%keras_check\\n" + cell)[0])
        out["passthrough"].append(timed("%%passthrough\\n" + cell)[0])
    try:
        from kerasmagic.diagnosis.engine import diagnose
        for _ in range(n if exc is not None else 0):
            t0 = time.perf_counter()
            res = diagnose(cell, exc, namespace=shell.user_ns)
            out["engine"].append((time.perf_counter() - t0) * 1000)
    except Exception as e:
        out["engine_error"] = repr(e)
out["error"] = f"{{type(exc).__name__}}: {{exc}}" if exc is not None else None
out["diagnosed"] = res is not None and bool(getattr(res, "suggestions", None))
out["internal_error"] = getattr(res, "internal_error", None)
out["first_suggestion"] = res.suggestions[0].title if out["diagnosed"] else None
out["log"] = sink.getvalue()[-600:] if res is None else ""
print(json.dumps(out))
"""


def pre_import() -> tuple[str, str]:
    if has_module("tensorflow"):
        return "import tensorflow as tf; tf.keras.layers", "TF imported"
    if has_module("keras"):
        return "import keras", "Keras imported"
    return "", "nothing heavy imported"


def run(cell: str, pre: str, n: int, cache: str | None, *, engine_first: bool = False) -> dict:
    env = None
    if cache is not None:
        env = {"HOME": cache, "XDG_CACHE_HOME": os.path.join(cache, ".cache")}
        env["KERAS_HOME"] = os.path.join(cache, ".keras")
        env["KERASMAGIC_CACHE_DIR"] = os.path.join(cache, "kerasmagic")
    return subprocess_json(
        PROCESS.format(pre=pre, cell=cell, n=n, engine_first=engine_first), env=env
    )


def main() -> None:
    pre, label = pre_import()
    rows: list[dict] = []
    notes: list[str] = []
    n_cold = repeats(4)
    for name, cell in CELLS.items():
        empty, engine = [], []
        for _ in range(n_cold):
            with tempfile.TemporaryDirectory(prefix="kmbench-home-") as home:
                empty.append(run(cell, pre, 0, home))
            with tempfile.TemporaryDirectory(prefix="kmbench-home-") as home:
                engine.append(run(cell, pre, 0, home, engine_first=True))
        warm = run(cell, pre, repeats(30), None)
        sample = warm
        if sample["error"] is None:
            notes.append(f"{name}: the cell does not fail here ({label}); nothing to diagnose.")
            continue
        else:
            how = (
                f"diagnosed: {sample['first_suggestion']!r}"
                if sample["diagnosed"]
                else f"no suggestion (internal error: {sample['internal_error']}) {sample['log']}"
            )
            notes.append(f"{name} -> {sample['error'][:120]}; {how}")
        cold_add = [r["check_first"] - r["plain_first"] for r in empty]
        rows.append(
            row(
                f"{name}: first diagnosis in a fresh process ({label})",
                [r["check_first"] for r in empty],
                baselines={"plain failing run_cell": [r["plain_first"] for r in empty]},
                added_to="plain failing run_cell",
                target="< 300 ms added",
                met=median(cold_add) < 300,
            )
        )
        if all("engine_first" in r for r in engine):
            cold_engine = [r["engine_first"] for r in engine]
            rows.append(
                row(
                    f"{name}: first engine.diagnose() alone in a fresh process ({label})",
                    cold_engine,
                    target="< 300 ms",
                    met=median(cold_engine) < 300,
                )
            )
        warm_add = median(warm["check"]) - median(warm["plain"])
        rows.append(
            row(
                f"{name}: warm %%keras_check ({label})",
                warm["check"],
                baselines={
                    "plain failing run_cell": warm["plain"],
                    "%%passthrough (a cell magic that only runs the cell)": warm["passthrough"],
                },
                added_to="plain failing run_cell",
                target="< 20 ms added",
                met=warm_add < 20,
            )
        )
        if warm["engine"]:
            rows.append(
                row(
                    f"{name}: warm engine.diagnose() alone ({label})",
                    warm["engine"],
                    target="< 20 ms",
                    met=median(warm["engine"]) < 20,
                )
            )
        elif "engine_error" in warm:
            notes.append(f"{name}: engine.diagnose not measurable: {warm['engine_error']}")
    emit("diagnosis", "Diagnosis latency on failing cells", rows, notes)


if __name__ == "__main__":
    main()
