"""An error raised cells after the code that causes it (``Adam(epsilon=None)`` made in one cell,
the ``fit`` of another failing): ``%%keras_check`` and ``%keras_check on`` explain it and show
the earlier cell corrected (diagnosis/earlier_cause.py, ``CheckResult.earlier_fix``); the cell
at hand is left as it is, and ``--fix`` puts the corrected earlier cell in a new cell below."""

from __future__ import annotations

import json

import pytest
from environments import KERNEL_RULE_ENVS
from kernel_helpers import Kernel, printed

from kerasmagic.render.base import REPORT_JSON
from kerasmagic.render.check import check_to_text

pytestmark = pytest.mark.envs(*KERNEL_RULE_ENVS)

IMPORTS = (
    "import numpy as np\nimport keras\n"
    "x = np.random.rand(16, 4).astype('float32'); y = np.random.rand(16, 1).astype('float32')\n"
)
MADE = (
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])\n"
    "opt = keras.optimizers.Adam(learning_rate=0.01, epsilon=None)\n"
    "model.compile(loss='mse', optimizer=opt)\n"
)
FIT = "history = model.fit(x, y, epochs=1, verbose=0)\nprint('trained', len(history.history['loss']))\n"


def _result(outcome):
    return outcome.result.result if hasattr(outcome.result, "result") else outcome.result


def test_keras_check_corrects_the_earlier_cell_that_made_the_optimizer(ipshell):
    assert ipshell.run_cell(IMPORTS, store_history=True).success
    assert ipshell.run_cell(MADE, store_history=True).success
    result = _result(ipshell.run_cell("%%keras_check -o\n" + FIT, store_history=True))
    assert result.suggestions[0].id == "keras3-optimizer-epsilon-none", result.suggestions
    assert result.fixed_source is None  # the fit cell is right as it is
    earlier = result.earlier_fix
    assert earlier is not None and earlier.source.strip() == MADE.strip()  # as the history keeps it
    assert (
        "epsilon=None" not in earlier.fixed_source and "learning_rate=0.01" in earlier.fixed_source
    )
    assert result.suggestions[0].fixed_earlier == {earlier.index: earlier.fixed_source}
    text = check_to_text(result)
    assert "corrected earlier cell" in text and "model = keras.Sequential" in text
    assert (
        json.loads(json.dumps(result.to_dict(), default=str))["earlier_fix"]["index"]
        == earlier.index
    )
    assert ipshell.run_cell(earlier.fixed_source, store_history=True).success
    assert ipshell.run_cell(FIT, store_history=True).success  # the cell at hand runs now


def test_keras_check_on_explains_it_too(ipshell, capsys):
    assert ipshell.run_cell(IMPORTS, store_history=True).success
    assert ipshell.run_cell(MADE, store_history=True).success
    ipshell.run_line_magic("keras_check", "on")
    try:
        ipshell.run_cell(FIT, store_history=True)
    finally:
        ipshell.run_line_magic("keras_check", "off")
    shown = capsys.readouterr().out
    assert "epsilon" in shown and "corrected earlier cell" in shown, shown[-3000:]


def test_fix_puts_the_corrected_earlier_cell_below_through_a_real_kernel(kernel: Kernel) -> None:
    printed(kernel.run("%load_ext kerasmagic"))
    printed(kernel.run(IMPORTS))
    printed(kernel.run(MADE))
    outputs = kernel.run("%%keras_check --fix\n" + FIT)
    assert any(o["output_type"] == "error" for o in outputs), outputs  # the user's error, once
    assert sum(o["output_type"] == "error" for o in outputs) == 1
    reports = [o["data"][REPORT_JSON] for o in outputs if REPORT_JSON in o.get("data", {})]
    report = reports[-1]
    assert (
        report["fixed_source"] is None and report["earlier_fix"]["source"].strip() == MADE.strip()
    )
    told = "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")
    assert "corrected earlier cell" in told and "then this cell again" in told, told
    fixed = report["earlier_fix"]["fixed_source"]
    printed(kernel.run(fixed))
    assert "trained 1" in printed(kernel.run(FIT))
