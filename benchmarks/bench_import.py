"""What ``import kerasmagic`` and ``%load_ext kerasmagic`` cost, each in a fresh process.

Baselines measured in the same run: ``python -c pass``, an IPython shell without the extension,
and ``import tensorflow`` (when installed). Target: under 20 ms added.
"""

from __future__ import annotations

import sys
import time

from _common import emit, has_module, median, repeats, row, subprocess_json

PY = sys.executable

IN_PROCESS = """
import json, sys, time
t0 = time.perf_counter()
{stmt}
t1 = time.perf_counter()
print(json.dumps({{"ms": (t1 - t0) * 1000, "heavy": sorted(
    m for m in ("tensorflow", "keras", "tf_keras", "jax", "torch", "ipywidgets") if m in sys.modules
)}}))
"""

SHELL = "from IPython.core.interactiveshell import InteractiveShell; shell = InteractiveShell.instance()"
LOAD = "shell.run_line_magic('load_ext', 'kerasmagic')"


def wall(code: str) -> float:
    import subprocess

    start = time.perf_counter()
    proc = subprocess.run([PY, "-c", code], capture_output=True, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        raise RuntimeError(f"{code!r} failed: {proc.stderr[-1500:]}")
    return elapsed


def in_process(stmt: str, setup: str = "") -> dict:
    code = setup + "\n" + IN_PROCESS.format(stmt=stmt)
    return subprocess_json(code)


def main() -> None:
    n = repeats(20)
    walls: dict[str, list[float]] = {"pass": [], "import": [], "shell": [], "shell+load": []}
    for _ in range(n):  # interleaved: the machine's drift hits every variant alike
        walls["pass"].append(wall("pass"))
        walls["import"].append(wall("import kerasmagic"))
        walls["shell"].append(wall(SHELL))
        walls["shell+load"].append(wall(SHELL + "; " + LOAD))
    import_in = [in_process("import kerasmagic") for _ in range(n)]
    load_in = [in_process(LOAD, SHELL) for _ in range(n)]
    heavy = sorted({m for r in import_in + load_in for m in r["heavy"]})

    rows = []
    tf_base: dict[str, list[float]] = {}
    notes = []
    if has_module("tensorflow"):
        n_tf = repeats(5)
        tf_wall = [wall("import tensorflow") for _ in range(n_tf)]
        tf_in = [in_process("import tensorflow")["ms"] for _ in range(n_tf)]
        tf_base = {"import tensorflow (process)": tf_wall}
        rows.append(
            row(
                "import tensorflow (in-process, for scale)",
                tf_in,
                baselines={"python -c pass": walls["pass"]},
            )
        )
    else:
        notes.append("TensorFlow is not installed here: no `import tensorflow` baseline.")

    added_import = median(walls["import"]) - median(walls["pass"])
    rows.insert(
        0,
        row(
            "python -c 'import kerasmagic' (whole process)",
            walls["import"],
            baselines={"python -c pass": walls["pass"], **tf_base},
            added_to="python -c pass",
            target="< 20 ms added",
            met=added_import < 20,
        ),
    )
    ms_import = [r["ms"] for r in import_in]
    rows.insert(
        1,
        row(
            "import kerasmagic (in-process timer)",
            ms_import,
            target="< 20 ms",
            met=median(ms_import) < 20,
        ),
    )
    ms_load = [r["ms"] for r in load_in]
    added_load = median(walls["shell+load"]) - median(walls["shell"])
    rows.insert(
        2,
        row(
            "%load_ext kerasmagic (in-process timer, fresh shell)",
            ms_load,
            target="< 20 ms",
            met=median(ms_load) < 20,
        ),
    )
    rows.insert(
        3,
        row(
            "IPython shell + %load_ext kerasmagic (whole process)",
            walls["shell+load"],
            baselines={"IPython shell, no extension": walls["shell"], **tf_base},
            added_to="IPython shell, no extension",
            target="< 20 ms added",
            met=added_load < 20,
        ),
    )
    notes.append(
        "heavy modules imported by `import kerasmagic` / `%load_ext kerasmagic`: "
        + (", ".join(heavy) if heavy else "none")
    )
    emit("import", "Import and extension loading", rows, notes)


if __name__ == "__main__":
    main()
