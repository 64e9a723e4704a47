"""The examination runs with the garbage collector paused (a full collection of a TensorFlow
process's heap cost 190-370 ms of the first diagnosis), and leaves it as the user had it.
In every environment: the cell needs no Keras."""

from __future__ import annotations

import gc

import pytest

from kerasmagic.diagnosis import engine


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_during_the_examination_and_restored(monkeypatch: pytest.MonkeyPatch, enabled: bool) -> None:  # fmt: skip
    seen: list[bool] = []
    real = engine._examine

    def watched(ctx, traps_only=False):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real(ctx, traps_only)

    monkeypatch.setattr(engine, "_examine", watched)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        try:
            exec("undefined_name_here", {})
        except NameError as exc:
            result = engine.diagnose("undefined_name_here", exc, namespace={})
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert seen == [False]
    assert result.error_type == "NameError"


def test_restored_when_the_examination_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx, traps_only=False):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug of the engine")

    monkeypatch.setattr(engine, "_examine", broken)
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        engine.examine(engine.CellContext.of("x = 1", namespace={}))
    assert gc.isenabled()
