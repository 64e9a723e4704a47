"""A name that moved is searched for in the live API; what the search finds must take the call's
keyword arguments (``live.takes_keywords``): Keras 1's ``initializations.normal(shape,
scale=0.01)`` once became ``keras.random.normal`` and then ``initializers.HeNormal``, neither of
which takes ``scale=`` (wrong changes a tuning script showed)."""

from __future__ import annotations

import pytest
from environments import HAS_KERAS, here

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.engine import diagnose

CELL = (
    "from keras import initializers as initializations\n"
    "def init_weights(shape, name=None):\n"
    "    return initializations.normal(shape, scale=0.01, name=name)\n"
    "weights = init_weights((2, 2))\n"
)


@pytest.mark.skipif(not here(HAS_KERAS, False), reason="needs Keras")
def test_no_rewrite_to_a_function_that_rejects_the_calls_keywords():
    namespace: dict = {"__name__": "__main__"}
    try:
        exec(compile(CELL, "<cell>", "exec"), namespace)
    except AttributeError as exc:
        result = diagnose(CELL, exc, namespace=namespace, filename="<cell>")
    else:
        pytest.skip("this Keras still has initializers.normal")
    fixed = result.fixed_source
    if fixed is not None:  # whatever it proposes must run: the keywords bind
        exec(compile(fixed, "<fixed>", "exec"), {"__name__": "__main__"})
    assert "random.normal" not in (fixed or "") and "HeNormal" not in (fixed or "")


def test_takes_keywords_reads_the_live_signature():
    def f(shape, stddev=1.0):
        return shape

    class C:
        def __init__(self, a, **kwargs):
            pass

    assert live.takes_keywords(f, {"stddev"}) and not live.takes_keywords(f, {"scale"})
    assert live.takes_keywords(C, {"anything"})  # **kwargs
    assert live.takes_keywords(f, set())
