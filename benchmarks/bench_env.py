"""``%keras_env`` latency, with TensorFlow (or Keras) imported and not, beside two baselines
measured in the same process: ``pip list`` (a subprocess) and watermark's
``%watermark -p tensorflow,keras``. Target: faster than both, under 50 ms with TF imported.

watermark and pip are never installed into the project's environments: ``run.py`` installs them
into a throwaway directory and passes it as ``KERASMAGIC_BENCH_EXTRAS``; it is appended to
``sys.path`` here (so the environment's own packages still win).
"""

from __future__ import annotations

import os
import sys

from _common import (
    emit,
    has_module,
    median,
    new_shell,
    repeats,
    row,
    subprocess_json,
    subprocess_ms,
    time_call,
)

from kerasmagic.probes.distributions import TRACKED  # noqa: E402

EXTRAS = os.environ.get("KERASMAGIC_BENCH_EXTRAS", "")
if EXTRAS:
    sys.path.append(EXTRAS)

FIRST_CALL = """
import io, json, sys, time
from contextlib import redirect_stdout
{pre}
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "kerasmagic")
with redirect_stdout(io.StringIO()):
    t0 = time.perf_counter()
    shell.run_line_magic("keras_env", {line!r})
    t1 = time.perf_counter()
print(json.dumps({{"ms": (t1 - t0) * 1000}}))
"""


def first_calls(pre: str, n: int, line: str = "") -> list[float]:
    return [subprocess_json(FIRST_CALL.format(pre=pre, line=line))["ms"] for _ in range(n)]


def what_to_import() -> tuple[str, str]:
    """(statement, label) of the heavy import a user of this environment has done."""
    if has_module("tensorflow"):
        return "import tensorflow as tf; tf.keras.layers", "TF imported (tf.keras accessed)"
    if has_module("keras"):
        return "import keras", "Keras imported"
    return "", ""


def main() -> None:
    shell = new_shell()
    shell.run_line_magic("load_ext", "kerasmagic")
    notes: list[str] = []
    n = repeats(30)
    n_pip = repeats(8)
    pip_env = {"PYTHONPATH": EXTRAS} if EXTRAS else None
    if has_module("pip"):
        pip_argv = [sys.executable, "-m", "pip", "list", "--disable-pip-version-check"]
    else:
        pip_argv = []
        notes.append("pip is not importable here (set KERASMAGIC_BENCH_EXTRAS): no pip baseline.")
    have_watermark = has_module("watermark")
    if have_watermark:
        shell.run_line_magic("load_ext", "watermark")
    else:
        notes.append("watermark is not importable here: no watermark baseline.")

    def measure() -> dict[str, list[float]]:
        out = {"%keras_env": time_call(lambda: shell.run_line_magic("keras_env", ""), n)}
        if have_watermark:
            out["%watermark -p tensorflow,keras"] = time_call(
                lambda: shell.run_line_magic("watermark", "-p tensorflow,keras"), n
            )
            out[f"%watermark -p <the {len(TRACKED)} packages %keras_env tracks>"] = time_call(
                lambda: shell.run_line_magic("watermark", "-p " + ",".join(TRACKED)), n
            )
        if pip_argv:
            out["pip list (subprocess)"] = subprocess_ms(pip_argv, n_pip, env=pip_env)
        return out

    def env_row(label: str, data: dict[str, list[float]], limit: float | None) -> dict:
        mine = median(data["%keras_env"])
        others = {k: v for k, v in data.items() if k != "%keras_env"}
        faster = all(mine < median(v) for v in others.values())
        met = faster and (limit is None or mine < limit)
        target = "faster than pip list and watermark" + (f", < {limit:.0f} ms" if limit else "")
        return row(
            f"%keras_env, {label}",
            data["%keras_env"],
            baselines=others,
            target=target,
            met=met if others else None,
        )

    cold = measure()
    rows = [env_row("nothing heavy imported", cold, None)]
    rows.append(
        row(
            "%keras_env first call in a fresh process (nothing imported)",
            first_calls("", repeats(5)),
            note="includes importing kerasmagic's report modules",
        )
    )
    stmt, label = what_to_import()
    if stmt:
        exec(stmt, {})
        warm = measure()
        rows.append(env_row(label, warm, 50.0 if "TF" in label else None))
        rows.append(
            row(
                f"%keras_env first call in a fresh process ({label})",
                first_calls(stmt, repeats(3)),
            )
        )
    rows.append(
        row(
            "%keras_env --probe (subprocess imports TF/Keras; informative)",
            time_call(lambda: shell.run_line_magic("keras_env", "--probe"), repeats(3), warmup=0),
        )
    )
    emit("env", "%keras_env latency", rows, notes)


if __name__ == "__main__":
    main()
