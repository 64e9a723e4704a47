"""A course at once: the documents of one ``migrate`` run, N kernels side by side (``-j N``).

Each worker thread takes the next document, migrates it in a kernel of its own and writes its
copy and its report itself, so that a document counted as finished is written whole. The threads
only talk to their kernels (the kernels do the work), so threads are enough.

Ctrl-C reaches the main thread only (each kernel runs in a session of its own): it sets the stop
flag and kills the process group of every kernel still running; a kernel that starts after it is
ended at once. A document whose kernel was running is not written (its result is discarded), a
document not started is not read; every document that finished before stays written. No kernel
outlives the run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Generic, TypeVar

S = TypeVar("S")
R = TypeVar("R")


class Stopped(Exception):
    """The run was interrupted while this document ran; nothing of it is kept."""


def default_jobs() -> int:
    """The cores this process may use (``-j``'s default)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Course(Generic[S, R]):
    """Run ``work(source)`` for every source, ``jobs`` at a time; ``done(index, result)`` is
    called (under the lock, one at a time) as each finishes."""

    def __init__(self, jobs: int, done: Callable[[int, R], None]) -> None:
        self.jobs = jobs
        self.done = done
        self.stopped = False
        self._lock = threading.Lock()
        self._live: set[Any] = set()  # kernels running now
        self._next = 0

    # -- kernels ----------------------------------------------------------------------------------
    @contextmanager
    def watched(self, kernel: AbstractContextManager[Any]) -> Iterator[Any]:
        """``with course.watched(MigrationKernel(...)) as k``: the kernel, killed on Ctrl-C; the
        block raises ``Stopped`` when the run was interrupted while it held the kernel."""
        with kernel as started:
            with self._lock:
                if self.stopped:
                    raise Stopped()
                self._live.add(started)
            try:
                yield started
            finally:
                with self._lock:
                    self._live.discard(started)
                    if self.stopped:
                        raise Stopped()

    def stop(self) -> None:
        """Ctrl-C: no document starts any more, every running kernel is killed."""
        with self._lock:
            self.stopped = True
            live = list(self._live)
        for kernel in live:
            kernel.kill()

    # -- the run ----------------------------------------------------------------------------------
    def run(self, sources: list[S], work: Callable[[S], R]) -> list[R | None]:
        """Every source's result, in their order; None for one interrupted or never started.
        Ctrl-C stops the run (``self.stopped``) and returns once every thread has ended."""
        results: list[R | None] = [None] * len(sources)
        errors: list[Exception] = []

        def worker() -> None:
            while True:
                with self._lock:
                    if self.stopped or self._next >= len(sources):
                        return
                    index = self._next
                    self._next += 1
                try:
                    result = work(sources[index])
                except Stopped:
                    continue
                except Exception as exc:  # a killed kernel's last words, or a bug of kerasmagic's
                    if not self.stopped:
                        errors.append(exc)
                    continue
                with self._lock:
                    results[index] = result
                    self.done(index, result)

        threads = [
            threading.Thread(target=worker, name=f"kerasmagic-migrate-{n}", daemon=True)
            for n in range(max(1, min(self.jobs, len(sources))))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                try:
                    thread.join(0.2)
                except KeyboardInterrupt:
                    self.stop()  # again on a second Ctrl-C: a kernel that started meanwhile
        if errors:
            raise errors[0]
        return results
