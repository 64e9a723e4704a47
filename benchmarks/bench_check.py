"""``%%keras_check`` overhead on succeeding cells of 10 to 1000 lines, against the same cell run
plainly through ``shell.run_cell`` in the same shell (calls interleaved).
Target: under 1 ms for 50 lines, growing linearly.

Also measured, for the reader: ``%%passthrough``, a cell magic that only runs its cell with
``shell.run_cell`` (what IPython costs any cell magic that runs its cell: the outer cell, the
magic call, the nested run).
"""

from __future__ import annotations

from _common import emit, has_module, median, new_shell, repeats, row, time_interleaved

SIZES = (10, 50, 100, 1000)

TEMPLATES = (
    "a{i} = [j * {i} for j in range(3)]",
    "b{i} = sum(a{i}) + len('line {i}')",
    "c{i} = {{'k': b{i}, 'v': str(a{i})}}",
    "d{i} = c{i}['k'] if b{i} > 0 else None",
)


def cell_of(lines: int) -> str:
    """A succeeding cell of ``lines`` lines of ordinary Python."""
    out = []
    for i in range(lines):
        k = i - i % len(TEMPLATES)
        out.append(TEMPLATES[i % len(TEMPLATES)].format(i=k))
    return "\n".join(out) + "\n"


def measure(shell, label: str) -> list[dict]:
    rows = []
    for size in SIZES:
        cell = cell_of(size)
        n = repeats(60 if size <= 100 else 20)
        samples = time_interleaved(
            {
                "plain": lambda c=cell: shell.run_cell(c, store_history=False),
                "check": lambda c=cell: shell.run_cell("%%keras_check\n" + c, store_history=False),
                "passthrough": lambda c=cell: shell.run_cell(
                    "%%passthrough\n" + c, store_history=False
                ),
            },
            n,
        )
        added = median(samples["check"]) - median(samples["plain"])
        target = "< 1 ms added" if size == 50 else None
        rows.append(
            row(
                f"%%keras_check, {size}-line succeeding cell ({label})",
                samples["check"],
                baselines={
                    "shell.run_cell(cell)": samples["plain"],
                    "%%passthrough (a cell magic that only runs the cell)": samples["passthrough"],
                },
                added_to="shell.run_cell(cell)",
                target=target,
                met=(added < 1.0) if size == 50 else None,
                note=f"{added / size * 1000:.1f} µs added per line",
            )
        )
    return rows


def register_passthrough(shell) -> None:
    """``%%passthrough``: a cell magic that runs its cell with ``shell.run_cell`` and nothing else."""

    def passthrough(line: str, cell: str) -> None:
        shell.run_cell(cell, store_history=False)

    shell.register_magic_function(passthrough, "cell", "passthrough")


def main() -> None:
    shell = new_shell()
    shell.run_line_magic("load_ext", "kerasmagic")
    register_passthrough(shell)
    result = shell.run_cell("%%keras_check\nx = 1\n", store_history=False)
    assert result.success, result
    rows = measure(shell, "nothing heavy imported")
    notes = []
    if has_module("tensorflow"):
        shell.run_cell("import tensorflow as tf\nm = tf.keras.layers.Dense(2)\n")
        rows += measure(shell, "TF imported")
    elif has_module("keras"):
        shell.run_cell("import keras\nm = keras.layers.Dense(2)\n")
        rows += measure(shell, "Keras imported")
    by_label: dict[str, list[dict]] = {}
    for r in rows:
        by_label.setdefault(r["what"].rsplit("(", 1)[1], []).append(r)
    for label, group in by_label.items():
        small, large = group[0], group[-1]
        slope = (large["added"] - small["added"]) / (SIZES[-1] - SIZES[0])
        notes.append(
            f"({label.rstrip(')')}): added {small['added']:.2f} ms at {SIZES[0]} lines, "
            f"{large['added']:.2f} ms at {SIZES[-1]} lines: {slope * 1000:.1f} µs per extra line"
        )
    emit("check", "%%keras_check overhead on succeeding cells", rows, notes)


if __name__ == "__main__":
    main()
