"""Record the warnings and TF/absl log lines a cell emits, without taking them from the user.

``capture_cell_output()`` chains ``warnings.showwarning`` (the previous function still shows the
warning) and chains ``logging``'s record factory to note WARNING+ records of the
``absl``/``tensorflow``/``keras``/``tf_keras`` loggers as they are made. No handler is added
anywhere, so the user's own logging set-up (``logging.basicConfig()`` configures the root logger
only while it has no handler) and what reaches the screen are exactly as without kerasmagic.
It also notes the moments the traps depend on (was ``tf.keras`` already resolved, ``keras``
already imported, the variables' values) when the cell starts. TF's C++ stderr is not read.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

LOGGERS = ("absl", "tensorflow", "keras", "tf_keras")
WATCHED_ENV = ("TF_USE_LEGACY_KERAS", "KERAS_BACKEND")
MAX_RECORDS = 200  # a training loop may log thousands of lines: keep the first ones


@dataclass(frozen=True)
class CapturedWarning:
    category: str
    message: str
    filename: str
    lineno: int


@dataclass(frozen=True)
class CapturedLog:
    logger: str
    level: str
    message: str


@dataclass
class KernelMoment:
    """The state of the kernel at one moment (start of the cell)."""

    env: dict[str, str | None]
    tf_imported: bool
    tf_keras_resolved: bool
    keras_imported: bool


@dataclass
class CellCapture:
    """What a cell emitted, and the kernel's state when it started."""

    warnings: list[CapturedWarning] = field(default_factory=list)
    logs: list[CapturedLog] = field(default_factory=list)
    before: KernelMoment | None = None

    def texts(self) -> list[str]:
        """Every captured message (warnings and log lines)."""
        return [w.message for w in self.warnings] + [r.message for r in self.logs]


def tf_keras_resolved(tf: Any) -> bool:
    """Has ``tf.keras`` been resolved already (TF's lazy loader initialised, or a plain module)?
    Reads the loader's state without touching it."""
    if tf is None:
        return False
    try:
        obj = tf.__dict__.get("keras")
    except Exception:
        return False
    if obj is None:
        return False
    if type(obj).__name__ == "KerasLazyLoader":
        try:
            return bool(vars(obj).get("_tfll_initialized"))
        except Exception:
            return False
    return True


def kernel_moment() -> KernelMoment:
    tf = sys.modules.get("tensorflow")
    return KernelMoment(
        env={name: os.environ.get(name) for name in WATCHED_ENV},
        tf_imported=tf is not None,
        tf_keras_resolved=tf_keras_resolved(tf),
        keras_imported=sys.modules.get("keras") is not None,
    )


def _recording_factory(capture: CellCapture, previous: Any, active: list[bool]) -> Any:
    """A ``logging`` record factory that makes records as ``previous`` does and keeps the
    WARNING+ ones of the TF/Keras loggers (while ``active[0]``)."""

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if active[0]:
            with suppress(Exception):  # never let kerasmagic break the user's logging
                name = str(record.name)
                if (
                    record.levelno >= logging.WARNING
                    and name.split(".")[0] in LOGGERS
                    and len(capture.logs) < MAX_RECORDS
                ):
                    capture.logs.append(
                        CapturedLog(name, record.levelname, str(record.getMessage()))
                    )
        return record

    return factory


@contextmanager
def capture_cell_output() -> Iterator[CellCapture]:
    """Record the cell's warnings and TF/absl log lines while they are shown as usual."""
    capture = CellCapture(before=kernel_moment())
    previous = warnings.showwarning
    active = True

    def showwarning(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
        if active and len(capture.warnings) < MAX_RECORDS:
            with suppress(Exception):
                capture.warnings.append(
                    CapturedWarning(
                        getattr(category, "__name__", str(category)),
                        str(message),
                        str(filename),
                        int(lineno or 0),
                    )
                )
        return previous(message, category, filename, lineno, file, line)

    warnings.showwarning = showwarning
    previous_factory = logging.getLogRecordFactory()
    recording = [True]
    factory = _recording_factory(capture, previous_factory, recording)
    logging.setLogRecordFactory(factory)
    try:
        yield capture
    finally:
        active = False
        recording[0] = False  # if someone chained a factory over ours, it now only passes through
        if warnings.showwarning is showwarning:
            warnings.showwarning = previous
        if logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous_factory)
