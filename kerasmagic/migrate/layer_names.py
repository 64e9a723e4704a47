"""Keras's automatic layer names, kept as a first run gives them (kernel side: standard library
only, and only Keras modules the notebook already imported are read).

Keras names a layer made without ``name=`` from a per-session counter (``dense``, ``dense_1``, …).
A cell that migrate runs again (after a rewrite, or as "Run All Below") would otherwise count on
from where its failed attempt stopped, and so would a hidden diagnosis that built a layer: code
that reads a layer by its automatic name (``model.get_layer('dense_1')``) then meets names that
``python FILE`` or "Restart and Run All" never gives, and fails or reads another layer. So the
counters are taken before each real cell and put back before that cell runs again, and after
each of kerasmagic's own hidden calls.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from typing import Any

KERAS3_STATE = "keras.src.backend.common.global_state"  # Keras 3: object_name_uids
KERAS2_BACKENDS = ("keras.src.backend", "tf_keras.src.backend", "keras.backend")  # Keras 2.13+


def _keras2_backends() -> list[Any]:
    found: dict[int, Any] = {}
    for name in KERAS2_BACKENDS:
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "PER_GRAPH_OBJECT_NAME_UIDS"):
            found.setdefault(id(module), module)
    return list(found.values())


def snapshot() -> dict[str, Any]:
    """The name counters of every Keras the kernel imported, copied."""
    taken: dict[str, Any] = {}
    state = sys.modules.get(KERAS3_STATE)
    if state is not None:
        uids = state.get_global_attribute("object_name_uids")
        taken[KERAS3_STATE] = dict(uids) if uids is not None else None
    for module in _keras2_backends():
        per_graph = {graph: dict(uids) for graph, uids in module.PER_GRAPH_OBJECT_NAME_UIDS.items()}
        taken[module.__name__] = (per_graph, set(module.OBSERVED_NAMES))
    return taken


def restore(taken: dict[str, Any]) -> None:
    """Put the counters of ``snapshot()`` back; a Keras imported since then starts from zero,
    as it did then."""
    state = sys.modules.get(KERAS3_STATE)
    if state is not None:
        uids = taken.get(KERAS3_STATE)
        state.set_global_attribute("object_name_uids", defaultdict(int, uids or {}))
    for module in _keras2_backends():
        per_graph, observed = taken.get(module.__name__, ({}, set()))
        for graph, uids in list(module.PER_GRAPH_OBJECT_NAME_UIDS.items()):
            uids.clear()
            uids.update(per_graph.get(graph, {}))
        module.OBSERVED_NAMES.clear()
        module.OBSERVED_NAMES.update(observed)


class FirstRuns:
    """Host side, for one kernel: the real run that was each cell's first, so that the cell's
    next runs start from the counters it first met (``kernel_side.as_first_run``)."""

    def __init__(self) -> None:
        self.runs = 0  # real cells run in this kernel
        self.first: dict[int, int] = {}  # cell number → its first run

    def before_run(self, kernel: Any, number: int) -> None:
        if number in self.first:
            kernel.call("as_first_run", self.first[number])
        else:
            self.first[number] = self.runs
        self.runs += 1
