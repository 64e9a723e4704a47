"""Problems → findings (diagnosis/to_findings.py), read off real results in this process: which
finding leads and carries the corrected cell, what the others say about it, and the code the
words quote as the corrected cell holds it.

Written from the mutants of ``to_findings.py`` that ``tests/test_engine.py`` let through
(docs/mutation.md).
"""

from __future__ import annotations

import pytest

from kerasmagic.diagnosis import engine, to_findings
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.to_findings import VERIFIED

pytestmark = pytest.mark.envs("tf221-k3")

INCLUDED = "The corrected cell includes this fix."
THREE_PROBLEMS = (
    "from keras.layers.core import Dense\nfrom keras.optimizers import adam\nopt = adam(lr=0.1)\n"
)
SET_VALUE = """from tensorflow import keras
from tensorflow.keras import backend as K

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile(keras.optimizers.Adam(0.01), "mse")
K.set_value(model.optimizer.lr, 0.001)
"""


def test_one_corrected_cell_for_three_problems_and_each_said_once():
    import keras  # noqa: F401  (as in a kernel that imported it: the live names are read)

    lead, *others = engine.lint(THREE_PROBLEMS).suggestions
    assert [lead.id, *(f.id for f in others)] == [
        "moved-module",
        "name-typo",
        "optimizer-lr-renamed",
    ]
    assert lead.fixed_source and lead.verify == VERIFIED and lead.confidence == 0.9
    # the others have findings of their own: the lead does not list them again in its words
    assert "also fixes" not in lead.cause
    assert [f.id for f in lead.fixes] == ["name-typo", "optimizer-lr-renamed"]
    for finding in [*others, *lead.fixes]:
        assert finding.fix.endswith(INCLUDED) and finding.fixed_source is None
        assert finding.confidence == 0.6 and finding.verify is None


def test_the_fixes_of_an_error_quote_the_corrected_cell():
    ns = {"__name__": "__main__"}
    result = engine.check(SET_VALUE, namespace=ns)
    assert result.error_type == "AttributeError"
    ids = [f.id for f in result.suggestions]
    assert ids == ["keras3-optimizer-lr-attribute", "optimizer-lr-attribute",
                   "keras3-legacy-backend-failed"]  # fmt: skip
    assert "model.optimizer.learning_rate.assign(0.001)" in result.fixed_source
    backend = result.suggestions[2]
    # its own edit writes `model.optimizer.lr.assign(…)`; the corrected cell holds the rename too
    assert "`model.optimizer.learning_rate.assign(0.001)`" in backend.fix
    assert backend.fix.endswith(INCLUDED)


def test_the_quote_is_followed_past_a_long_line_left_as_it_was():
    """The alignment that follows the quote goes line by line first: a long line no edit
    touches (a 5,000-character literal) changes nothing in what is quoted."""
    lines = SET_VALUE.splitlines(keepends=True)
    source = "".join([*lines[:4], "LABELS = '" + "a" * 5000 + "'\n", *lines[4:]])
    result = engine.check(source, namespace={"__name__": "__main__"})
    backend = next(f for f in result.suggestions if f.id == "keras3-legacy-backend-failed")
    assert "`model.optimizer.learning_rate.assign(0.001)`" in backend.fix


def test_no_problems_no_findings():
    ctx = CellContext.of("x = 1\n")
    assert to_findings.lint_findings(ctx, []) == []
    assert to_findings.error_findings(ctx, []) == []
    assert to_findings.brought_traps(ctx, None, []) == []


def test_the_trap_a_corrected_cell_brings_is_said_with_the_result():
    """The moved import lands on tf.keras's legacy shim: a trap the corrected cell has and the
    cell had not, reported as the corrected cell's, told but not offered a cell of its own."""
    source = (
        "from keras.preprocessing.text import Tokenizer\n\ntokenizer = Tokenizer(num_words=100)\n"
    )
    result = engine.check(source, namespace={"__name__": "__main__"})
    assert result.error_type == "ModuleNotFoundError"
    assert "tensorflow.keras.preprocessing.text import Tokenizer" in result.fixed_source
    brought = [t for t in result.traps if t.cause.startswith(to_findings.BROUGHT)]
    assert [t.id for t in brought] == ["keras3-legacy-shim"]
    assert brought[0].fixed_source is None


def test_lint_fixes_the_certain_problems_and_leaves_the_rest():
    """A cell with a moved module and an import of a package not installed here: the corrected
    cell fixes the first and leaves the other import as it is."""
    import keras  # noqa: F401

    source = "from keras.layers.core import Dense\nimport surely_not_installed_pkg_km\n"
    result = engine.lint(source)
    assert result.fixed_source == (
        "from keras.layers import Dense\nimport surely_not_installed_pkg_km\n"
    )
    assert result.suggestions[0].id == "moved-module"


def test_a_trap_fixed_by_the_lint_s_corrected_cell_says_so():
    """The private ``tensorflow.python.keras`` import is a trap whose certain fix joins the
    corrected cell of the moved module: its finding says the corrected cell includes it, and the
    lead does not list it among what it also fixes."""
    import keras  # noqa: F401

    source = (
        "from keras.layers.core import Dense\nfrom tensorflow.python.keras.layers import Dropout\n"
    )
    result = engine.lint(source)
    assert "from tensorflow.keras.layers import Dropout" in result.fixed_source
    trap = next(t for t in result.traps if t.id == "private-tf-python-keras-import")
    assert trap.fix.endswith(INCLUDED)
    assert "also fixes" not in result.suggestions[0].cause  # each has a finding of its own


def test_a_problem_twice_is_not_its_own_fix_again():
    """``lr=`` in two calls: two findings of one id and title, and the lead's list of the other
    problems its corrected cell fixes does not repeat it."""
    import keras  # noqa: F401

    source = "import keras\na = keras.optimizers.Adam(lr=0.1)\nb = keras.optimizers.Adam(lr=0.2)\n"
    lead, other = engine.lint(source).suggestions
    assert lead.id == other.id == "optimizer-lr-renamed" and lead.title == other.title
    assert lead.fixes == [] and lead.fixed_source.count("learning_rate=") == 2


def test_an_advice_for_a_line_another_fix_rewrites_is_not_shown_beside_it():
    """``moved-module`` advises importing from ``keras.backend`` (no edit: the name has no public
    home); ``keras2-available-gpus`` rewrites the very import into a function. The advice would
    contradict the corrected cell, which no longer holds that line: only the rewrite is said."""
    import kerasmagic

    result = kerasmagic.check(
        "from keras.backend.tensorflow_backend import _get_available_gpus as gpu_names\n"
        "print(isinstance(gpu_names(), list))\n"
    )
    ids = [f.id for f in result.suggestions]
    assert "keras2-available-gpus" in ids, ids
    assert "moved-module" not in ids, ids
    assert "def gpu_names():" in (result.fixed_source or ""), result.fixed_source
