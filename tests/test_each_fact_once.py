"""Each fact once (issue 19, item 9, text): with ``--fix`` the corrected code is shown once as code
(next to its diff), and a problem the corrected cell also fixes is stated once — as its own
finding, not again in the lead finding's cause."""

from __future__ import annotations

import pytest
from environments import KERAS_MAJOR, here

from kerasmagic.diagnosis.engine import lint

CELL = (
    "from keras.optimizers import adam\n"
    "from keras.layers import Dense\n"
    "from keras.models import Sequential\n"
    "model = Sequential([Dense(1, input_shape=(3,))])\n"
    'model.compile(optimizer=adam(lr=0.01), loss="mse")\n'
)
CORRECTED_LINE = 'model.compile(optimizer=Adam(learning_rate=0.01), loss="mse")'
keras3 = pytest.mark.skipif(here(KERAS_MAJOR) != 3, reason="`adam` and `lr` fail in Keras 3")


@keras3
def test_fix_shows_the_corrected_code_once(ipshell, capsys):
    ipshell.rl_next_input = None
    ipshell.run_cell("%%keras_check --fix\n" + CELL, store_history=True)
    out = capsys.readouterr().out
    as_code = [line for line in out.splitlines() if line.strip() == CORRECTED_LINE]
    assert len(as_code) == 1, out  # the report's "corrected cell"; the diff marks it with "+"
    assert out.count("+" + CORRECTED_LINE) == 1
    assert "--fix put the corrected cell" in out
    assert ipshell.rl_next_input and CORRECTED_LINE in ipshell.rl_next_input


@keras3
def test_a_problem_the_corrected_cell_also_fixes_is_stated_once():
    result = lint(CELL)
    ids = [f.id for f in result.suggestions]
    assert ids[0] == "name-typo" and "optimizer-lr-renamed" in ids, ids
    lead, lr = result.suggestions[0], result.suggestions[ids.index("optimizer-lr-renamed")]
    assert lead.fixed_source and CORRECTED_LINE in lead.fixed_source
    for f in result.suggestions:
        for other in result.suggestions:
            if other is not f:
                assert other.title not in f.cause, (f.id, other.title)
    assert "also fixes" not in lead.cause
    assert "corrected cell includes this fix" in lr.fix
