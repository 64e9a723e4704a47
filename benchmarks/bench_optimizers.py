"""``%keras_optimizers`` latency with TensorFlow (or Keras) imported and its runtime started, for one
name and for every optimizer the live Keras has; the widget built on top; and, for information,
the subprocess paths (nothing imported yet, ``--probe``). Target: under 200 ms (median) with TF
imported. Repeated calls re-measure everything but what ``lr=``/``decay=`` do (measured once per
class per process); the first-call rows give the cold cost.
"""

from __future__ import annotations

from _common import emit, has_module, median, new_shell, repeats, row, subprocess_json, time_call

FIRST_CALL = """
import io, json, time
from contextlib import redirect_stdout
{pre}
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "kerasmagic")
with redirect_stdout(io.StringIO()):
    t0 = time.perf_counter()
    shell.run_line_magic("keras_optimizers", {line!r})
    t1 = time.perf_counter()
print(json.dumps({{"ms": (t1 - t0) * 1000}}))
"""

TARGET_MS = 200.0


def what_to_import() -> tuple[str, str]:
    """(statement, label): the user's heavy import and first operation (the runtime started)."""
    if has_module("tensorflow"):
        return (
            "import tensorflow as tf; tf.keras.optimizers; tf.constant([1.0]) + 1.0",
            "TF imported, tf.keras used",
        )
    if has_module("keras"):
        return "import keras; keras.ops.ones((1,))", "Keras imported"
    return "", ""


def main() -> None:
    shell = new_shell()
    shell.run_line_magic("load_ext", "kerasmagic")
    notes: list[str] = []
    rows = []
    stmt, label = what_to_import()
    if not stmt:
        rows.append(
            row(
                "%keras_optimizers, no Keras installed",
                time_call(lambda: shell.run_line_magic("keras_optimizers", "--json"), repeats(10)),
            )
        )
        emit("optimizers", "%keras_optimizers latency", rows, ["No Keras in this environment."])
        return
    rows.append(
        row(
            "%keras_optimizers adam, nothing imported (measured in a subprocess; informative)",
            time_call(
                lambda: shell.run_line_magic("keras_optimizers", "adam --json"),
                repeats(3),
                warmup=0,
            ),
        )
    )
    exec(stmt, {})
    from kerasmagic.probes.optimizers import resolve_optimizers

    report = resolve_optimizers(None)
    if report.measured_in != "kernel":
        notes.append(f"expected a measurement in the kernel, got {report.measured_in}")
    n = repeats(20)
    cases = {
        "adam": "%keras_optimizers adam",
        "": f"%keras_optimizers (all {len(report.optimizers)} optimizers)",
    }
    for line, what in cases.items():
        samples = time_call(lambda line=line: shell.run_line_magic("keras_optimizers", line), n)
        rows.append(
            row(
                f"{what}, {label}",
                samples,
                target=f"< {TARGET_MS:.0f} ms",
                met=median(samples) < TARGET_MS,
                note="text/HTML bundle displayed (a terminal shell: no widget)",
            )
        )
    if has_module("ipywidgets"):
        from kerasmagic.render.widgets import OptimizerWidget

        rows.append(
            row(
                f"widget for all {len(report.optimizers)} optimizers (built + bundle), {label}",
                time_call(lambda: OptimizerWidget(report).mimebundle(), n),
                note="on top of the measurement above",
            )
        )
    for line, what in cases.items():
        rows.append(
            row(
                f"{what}: first call in a fresh process ({label})",
                [
                    subprocess_json(FIRST_CALL.format(pre=stmt, line=line))["ms"]
                    for _ in range(repeats(3))
                ],
                note="cold: kerasmagic's modules imported, lr=/decay= measured for every class",
            )
        )
    rows.append(
        row(
            "%keras_optimizers adam --probe (subprocess imports TF/Keras; informative)",
            time_call(
                lambda: shell.run_line_magic("keras_optimizers", "adam --probe --json"),
                repeats(3),
                warmup=0,
            ),
        )
    )
    emit("optimizers", "%keras_optimizers latency", rows, notes)


if __name__ == "__main__":
    main()
