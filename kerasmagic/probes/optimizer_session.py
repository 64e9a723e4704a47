"""Keeping the session as it was while optimizers are built to be measured: on the CPU, Keras
log lines and warnings captured instead of printed, Keras 3's name counters restored (the user's
next ``Adam()`` is still ``adam``)."""

from __future__ import annotations

import contextlib
import logging
import types
import warnings
from collections.abc import Iterator

from kerasmagic.probes.loaded import attribute, loaded


@contextlib.contextmanager
def contained(modules: list[types.ModuleType]) -> Iterator[ListHandler]:
    """Build on the CPU, keep Keras log lines off the screen, restore Keras 3 name counters."""
    handler = ListHandler([])
    # Keras 2 logs its habit warnings through the "tensorflow" logger: capture, do not print.
    loggers = [logging.getLogger(n) for n in ("", "absl", "tensorflow")]
    saved = [(lg.handlers[:], lg.propagate, lg.level) for lg in loggers]
    state = loaded("keras.src.backend.common.global_state")
    uids = _copy_uids(state)
    with contextlib.ExitStack() as stack:
        tf = loaded("tensorflow")
        if tf is not None:
            with contextlib.suppress(Exception):  # a TensorFlow broken or replaced in the kernel
                stack.enter_context(tf.device("/CPU:0"))
        for module in modules:
            device = attribute(module, "device")  # Keras 3: every backend
            if callable(device) and not isinstance(device, type):
                with contextlib.suppress(Exception):
                    stack.enter_context(device("cpu"))
        for lg in loggers:
            lg.handlers = [handler]
            lg.propagate = False
            lg.setLevel(logging.WARNING)
        try:
            yield handler
        finally:
            for lg, (handlers, propagate, level) in zip(loggers, saved):
                lg.handlers = handlers
                lg.propagate = propagate
                lg.setLevel(level)
            _restore_uids(state, uids)


@contextlib.contextmanager
def recording(handler: ListHandler) -> Iterator[list[str]]:
    """The warnings and log lines of one construction."""
    messages: list[str] = []
    handler.sink = messages
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield messages
        finally:
            messages.extend(str(w.message) for w in caught)


class ListHandler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.sink.append(record.getMessage())


def _copy_uids(state: types.ModuleType | None) -> dict[str, int] | None:
    if state is None:
        return None
    tracker = getattr(state, "GLOBAL_STATE_TRACKER", None)
    uids = getattr(tracker, "object_name_uids", None)
    return dict(uids) if uids is not None else None


def _restore_uids(state: types.ModuleType | None, saved: dict[str, int] | None) -> None:
    """Keras 3 counts auto-generated names ('adam', 'adam_1'); put the counts back."""
    if state is None:
        return
    tracker = getattr(state, "GLOBAL_STATE_TRACKER", None)
    uids = getattr(tracker, "object_name_uids", None)
    if uids is None:
        return
    if saved is None:
        tracker.object_name_uids = None
    else:
        uids.clear()
        uids.update(saved)
