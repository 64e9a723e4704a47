"""The earlier-cause scan (``diagnosis/earlier_cause.py``): ``%%keras_check`` of a failing cell
whose error nothing in the cell explains reads every cell run before it, the newest first, as if
it had raised the error. Measured on a notebook's worth of ordinary Keras cells (data, a model,
its ``compile``, a print; none of them the cause), so the whole history is read and nothing found.

Baselines: the same failing cell run plainly, and ``%%keras_check`` of it after one earlier cell;
the difference between the two checks is what 40 earlier cells cost. Target: a diagnosis adds
under 300 ms (the brief's budget for a first diagnosis).
"""

from __future__ import annotations

from _common import emit, has_module, median, muted, new_shell, repeats, row, time_interleaved

EARLIER = 40
TEMPLATES = (
    "x_{i} = np.random.rand(8, 4).astype('float32'); y_{i} = np.random.rand(8, 1).astype('float32')\n",
    "model_{i} = keras.Sequential([keras.Input((4,)), keras.layers.Dense({k}, activation='relu'), keras.layers.Dense(1)])\n",
    "model_{i}.compile(loss='mse', optimizer=keras.optimizers.SGD(learning_rate=0.01), metrics=['mae'])\n",
    "print(model_{i}.count_params(), x_{i}.shape)\n",
)
# a model trained on data of the wrong width: Keras's own shape error, which no rule corrects
FAILING = "model_0.fit(x_0[:, :3], y_0, verbose=0)\n"


def history_cell(i: int) -> str:
    """Cell ``i`` of the notebook: the four templates in turn, each group of four on its names."""
    group = i - i % len(TEMPLATES)
    return TEMPLATES[i % len(TEMPLATES)].format(i=group, k=i % 7 + 1)


def run_history(shell, cells: range) -> None:
    with muted():
        for i in cells:
            assert shell.run_cell(history_cell(i), store_history=True).success


def timed(shell, n: int) -> dict[str, list[float]]:
    """The failing cell run plainly and through ``%%keras_check``, calls interleaved."""
    with muted():
        return time_interleaved(
            {
                "plain": lambda: shell.run_cell(FAILING, store_history=False),
                "check": lambda: shell.run_cell("%%keras_check\n" + FAILING, store_history=False),
            },
            n,
        )


def main() -> None:
    if not has_module("keras"):
        emit("earlier", "The earlier-cause scan", [], ["keras is not installed here: nothing to measure."])
        return
    n = repeats(15)
    shell = new_shell()  # IPython's one shell of the process: its history grows between the two
    shell.run_line_magic("load_ext", "kerasmagic")
    with muted():
        assert shell.run_cell("import numpy as np\nimport keras\n", store_history=True).success
    first = len(TEMPLATES)  # model_0 and its data
    run_history(shell, range(first))
    short = timed(shell, n)
    run_history(shell, range(first, EARLIER))
    long = timed(shell, n)
    scan = median(long["check"]) - median(short["check"])
    added = median(long["check"]) - median(long["plain"])
    rows = [
        row(
            f"%%keras_check of an unexplained Keras error after {EARLIER} earlier cells",
            long["check"],
            baselines={
                "plain failing run_cell": long["plain"],
                f"%%keras_check of it after {first} earlier cells": short["check"],
            },
            added_to="plain failing run_cell",
            target="< 300 ms added",
            met=added < 300,
            note=f"the scan of {EARLIER - first} more earlier cells: {scan:.1f} ms",
        )
    ]
    emit("earlier", "The earlier-cause scan", rows, [])


if __name__ == "__main__":
    main()
