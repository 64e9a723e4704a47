"""Cost of the silent-trap checks on a clean cell: the warnings/log capture around the cell and
``inspect_after_run`` over a namespace of 1,000 names (the cell binds and reads a few of them),
against running the same cell bare. Also a Keras-looking cell (parsed, nothing to report) and
``lint_traps``. Target: capture + namespace scan under 1 ms for 1,000 names.
"""

from __future__ import annotations

from _common import emit, median, repeats, row, time_interleaved

from kerasmagic.diagnosis.capture import capture_cell_output
from kerasmagic.diagnosis.traps import inspect_after_run, lint_traps

CLEAN = "total = sum(v0 for _ in range(3)) + v5\n"
KERAS_LOOKING = (
    "import math\n"
    "optimizer_name = 'adam'\n"
    "layers = [v1, v2, v3]  # keras-like names, nothing to report\n"
    "keras_units = math.floor(v5 * 1.5)\n"
)


def namespace(n: int = 1000) -> dict:
    """A notebook's namespace: numbers, strings, lists, functions and classes."""
    ns: dict = {"__name__": "__main__"}
    for i in range(n):
        kind = i % 5
        ns[f"v{i}"] = (i, f"s{i}", [i, i + 1], (lambda x: x), type(f"C{i}", (), {}))[kind]
    return ns


def main() -> None:
    ns = namespace()
    code_clean = compile(CLEAN, "<cell>", "exec")
    code_keras = compile(KERAS_LOOKING, "<cell>", "exec")

    def bare() -> None:
        exec(code_clean, ns)

    def checked() -> None:
        with capture_cell_output() as captured:
            exec(code_clean, ns)
        inspect_after_run(CLEAN, ns, captured)

    def bare_keras() -> None:
        exec(code_keras, ns)

    def checked_keras() -> None:
        with capture_cell_output() as captured:
            exec(code_keras, ns)
        inspect_after_run(KERAS_LOOKING, ns, captured)

    n = repeats(300)
    samples = time_interleaved(
        {
            "bare": bare,
            "checked": checked,
            "bare_keras": bare_keras,
            "checked_keras": checked_keras,
        },
        n,
    )
    added = median(samples["checked"]) - median(samples["bare"])
    added_keras = median(samples["checked_keras"]) - median(samples["bare_keras"])
    rows = [
        row(
            "capture + inspect_after_run, clean cell, namespace of 1,000 names",
            samples["checked"],
            baselines={"exec(cell)": samples["bare"]},
            added_to="exec(cell)",
            target="< 1 ms added",
            met=added < 1.0,
        ),
        row(
            "capture + inspect_after_run, cell naming keras things (parsed), 1,000 names",
            samples["checked_keras"],
            baselines={"exec(cell)": samples["bare_keras"]},
            added_to="exec(cell)",
            target="< 1 ms added",
            met=added_keras < 1.0,
        ),
    ]
    lint_samples = time_interleaved({"lint": lambda: lint_traps(KERAS_LOOKING)}, n)
    rows.append(row("lint_traps, cell naming keras things", lint_samples["lint"]))
    emit(
        "traps",
        "Silent-trap checks on a succeeding cell",
        rows,
        notes=[
            "The namespace is read only for the names the cell binds or reads (dict lookups and "
            "one type() per name); nothing is imported.",
        ],
    )


if __name__ == "__main__":
    main()
