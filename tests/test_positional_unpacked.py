"""``self.add_weight("total", **opts)``: Keras 2's first parameter was ``name``, Keras 3's is
``shape``. The positional argument is named only when the keys ``**`` passes are known where the
dict is made and none of them is the keyword it would be given (rules/keras3_positional.py
through diagnosis/keyword_dicts.py). Diagnosed in-process, the cell kept in ``linecache``."""

from __future__ import annotations

import linecache

import pytest

from kerasmagic.diagnosis.engine import diagnose

pytestmark = pytest.mark.envs("tf221-k3", "k3-jax")

CELL = (
    "import keras\n"
    "opts = {OPTS}\n"
    "class Total(keras.metrics.Metric):\n"
    "    def __init__(self, **kwargs):\n"
    "        super().__init__(**kwargs)\n"
    "        self.total = self.add_weight('total', **opts)\n"
    "    def update_state(self, y_true, y_pred, sample_weight=None):\n"
    "        self.total.assign_add(1.0)\n"
    "    def result(self):\n"
    "        return self.total\n"
    "m = Total()\n"
)


def _diagnosed(opts: str):  # type: ignore[no-untyped-def]
    source = CELL.replace("{OPTS}", opts)
    linecache.cache["<cell>"] = (len(source), None, source.splitlines(True), "<cell>")
    namespace: dict = {}
    with pytest.raises(ValueError, match="Cannot convert") as raised:
        exec(compile(source, "<cell>", "exec"), namespace)
    return diagnose(source, raised.value, namespace=namespace, filename="<cell>"), namespace


def test_known_keys_beside_the_positional_name_let_it_be_named() -> None:
    result, namespace = _diagnosed("{'initializer': 'zeros'}")
    assert result.fixed_source is not None and "add_weight(name='total', **opts)" in result.fixed_source  # fmt: skip
    exec(compile(result.fixed_source, "<fixed>", "exec"), namespace)
    assert float(namespace["m"].result()) == 0.0


def test_a_dict_that_also_passes_the_keyword_is_left_alone() -> None:
    result, _ = _diagnosed("{'initializer': 'zeros', 'name': 'sum'}")
    assert "keras3-positional-moved" not in [s.id for s in result.suggestions]
