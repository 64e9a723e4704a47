"""The names earlier cells bound count as the failing cell's own, and a call written over several
lines fails as one statement, through real Keras 3: Keras 1's ``SimpleRNN(output_dim=…)`` makes
Keras 3 say ``units`` is missing (the keyword goes into ``**kwargs``), a message no rule reads;
the Keras 1 rename on a line after the one the traceback names explains it."""

from __future__ import annotations

import pytest

from kerasmagic.diagnosis.engine import diagnose, lint

pytestmark = pytest.mark.envs("tf221-k3", "k3-jax")

EARLIER = ("from keras.models import Sequential\nfrom keras.layers import SimpleRNN\n", "STEPS, UNITS = 5, 4\n")  # fmt: skip
CELL = "model = Sequential()\nmodel.add(SimpleRNN(\n    batch_input_shape=(None, STEPS, 3),\n    output_dim=UNITS,\n))\n"  # fmt: skip


def _namespace() -> dict:
    namespace: dict = {}
    for cell in EARLIER:
        exec(cell, namespace)
    return namespace


def test_a_keyword_on_a_later_line_of_the_failing_call_explains_the_error() -> None:
    namespace = _namespace()
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'units'") as raised:  # fmt: skip
        exec(compile(CELL, "<cell>", "exec"), namespace)
    assert raised.traceback[-1].lineno + 1 != 4  # the traceback names the call's first line, not the keyword's  # fmt: skip
    result = diagnose(CELL, raised.value, namespace=namespace, earlier=EARLIER)
    assert {f.id for f in result.suggestions} >= {"keras1-keyword-renamed", "keras3-batch-input-shape"}  # fmt: skip
    assert "units=UNITS" in result.fixed_source and "output_dim" not in result.fixed_source
    exec(result.fixed_source, namespace)
    assert namespace["model"].layers[0].units == 4


def test_lint_reads_the_names_a_kernels_earlier_cells_bound() -> None:
    cell = "layer = SimpleRNN(output_dim=UNITS)\n"
    assert not lint(cell, earlier=EARLIER).suggestions  # the source alone: SimpleRNN is unknown
    found = lint(cell, earlier=EARLIER, namespace=_namespace())
    assert [f.id for f in found.suggestions] == ["keras1-keyword-renamed"]
