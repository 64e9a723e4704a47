"""``migrate`` serializes the engine's result: one engine pass (``engine.examine``) per failing
cell, whatever the door — counted in a real kernel (run mode) and in this process (static mode),
by wrapping the engine's one entry inside the interpreter that runs it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import KERAS2_CELLS, notebook

from kerasmagic.migrate import kernel_side, loop, sources
from kerasmagic.migrate import results as R
from kerasmagic.migrate.kernel import MigrationKernel

# installed by a hidden cell: every engine pass in the kernel is recorded (did the cell raise?)
COUNTER = f"""{kernel_side.HIDDEN}
def _kerasmagic_count():
    import kerasmagic.diagnosis.engine as engine
    side = __import__("sys").modules["kerasmagic.migrate.kernel_side"]
    side.passes, examine = [], engine.examine
    def counted(ctx, **kwargs):
        side.passes.append(ctx.exc is not None)
        return examine(ctx, **kwargs)
    engine.examine = counted
    side.emit({{"ok": True}})
_kerasmagic_count(); del _kerasmagic_count
"""
READ = f"""{kernel_side.HIDDEN}
__import__("sys").modules["kerasmagic.migrate.kernel_side"].emit({{"passes":
    __import__("sys").modules["kerasmagic.migrate.kernel_side"].passes}})
"""


class CountingKernel(MigrationKernel):
    """A migrate kernel that records, for each call into kerasmagic, the engine passes it made."""

    calls: list[tuple[str, list[bool]]]

    def __enter__(self) -> CountingKernel:
        super().__enter__()
        assert self._hidden(COUNTER) == {"ok": True}
        self.calls = []
        return self

    def call(self, name: str, *args: Any, namespace: bool = True) -> dict[str, Any]:
        before = len(self._hidden(READ)["passes"])
        doc = super().call(name, *args, namespace=namespace)
        self.calls.append((name, self._hidden(READ)["passes"][before:]))
        return doc


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_one_engine_pass_per_failing_cell_in_a_real_kernel(tmp_path: Path) -> None:
    path = notebook(tmp_path / "old.ipynb", KERAS2_CELLS)
    document = sources.read(sources.discover([path])[0])
    kernels: list[CountingKernel] = []

    def factory(doc: sources.Document) -> CountingKernel:
        kernels.append(CountingKernel(sys.executable, doc.path.parent, 600, len(doc.cells)))
        return kernels[-1]

    result = loop.migrate_run(document, factory, sys.executable)
    assert result.status == "migrated", result.message
    calls = kernels[0].calls
    failures = [passes for name, passes in calls if name == "after_failure"]
    assert len(failures) >= 2, calls  # the old notebook fails in several cells in Keras 3
    assert all(passes == [True] for passes in failures), calls
    assert all(len(passes) <= 1 for _name, passes in calls), calls
    # each corrected cell still names what it fixes
    fixed = [c for c in result.cells if c.status == R.FIXED]
    assert fixed and all(ch.rules for c in fixed for ch in c.changes)


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_one_engine_pass_per_cell_in_static_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    from kerasmagic.diagnosis import engine

    passes: list[str] = []
    examine = engine.examine

    def counted(ctx: Any, **kwargs: Any) -> Any:
        passes.append(ctx.source)
        return examine(ctx, **kwargs)

    monkeypatch.setattr(engine, "examine", counted)
    docs = kernel_side.lint_sources(KERAS2_CELLS)
    assert sum(bool(d["fixed_source"]) for d in docs) >= 2, docs
    assert len(passes) == len(KERAS2_CELLS), passes
    for doc in docs:
        if doc["fixed_source"]:  # what it fixes, apart from what it leaves
            assert doc["rules"] and not {r["id"] for r in doc["rules"]} & {
                r["id"] for r in doc["left"]
            }


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_corrected_cell_names_what_it_fixes() -> None:
    import keras  # noqa: F401  (lint proves rewrites against the live Keras, as in a notebook)

    from kerasmagic.diagnosis.engine import lint

    source = "from keras.utils.np_utils import to_categorical\nfrom keras.optimizers import Adam\n"
    result = lint(source + "opt = Adam(lr=0.01)\ny = to_categorical([0, 1], 2)\n")
    lead = result.fixing()
    assert lead is not None and lead.fixed_source == result.fixed_source
    ids = [f.id for f in result.fixes]
    assert ids[0] == lead.id and {"moved-module", "optimizer-lr-renamed"} <= set(ids), ids
    assert [f.id for f in lead.fixes] == ids[1:]
    assert all(f.fixed_source is None for f in lead.fixes)
    assert not result.left
    assert result.to_dict()["fixes"] == ids and result.to_dict()["left"] == []
