"""Static fixes (``--static``, and the cells after a stop): the certain rewrites the source alone
proves, for the chosen interpreter's TF/Keras — never a kernel, never the cells' code run.

With the interpreter running kerasmagic the engine is called in this process; with another one
(``--python``) in a plain subprocess of it (``kernel_side.main``, the sources on stdin) that
imports this kerasmagic, whatever that interpreter has installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kerasmagic.migrate import kernel_side

LINT_TIMEOUT = 600


class LinterError(RuntimeError):
    """The static fixes could not be computed in that interpreter."""


def same_interpreter(python: str) -> bool:
    try:
        return os.path.samefile(python, sys.executable)
    except OSError:
        return python == sys.executable


# a course run (``course.py``) lints from several threads: one at a time, since the engine runs in
# this process and ``keras_home_left_alone`` sets a variable of the whole process
_ONE_AT_A_TIME = threading.Lock()


def lint_sources(
    sources: list[str],
    python: str | None = None,
    before: list[str] | None = None,
    folders: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The fix document (see ``kernel_side``) of each of consecutive cells; ``before``: the
    final sources of the cells before them; ``folders``: where the user's own modules are."""
    if not sources:
        return []
    with _ONE_AT_A_TIME, keras_home_left_alone():
        if python is None or same_interpreter(python):
            return kernel_side.lint_sources(sources, before, folders)
        return _in_subprocess(sources, python, before, folders)


@contextmanager
def keras_home_left_alone() -> Iterator[None]:
    """Static fixes import Keras to read its live API, and Keras writes ``~/.keras/keras.json``
    on import when there is none: a file the user never asked for, from a mode that promises to
    run nothing. Where none exists (and ``KERAS_HOME`` is not set), ``KERAS_HOME`` points at a
    temporary folder meanwhile: Keras reads the same defaults there, and writes only there."""
    default = os.path.join(os.path.expanduser("~"), ".keras", "keras.json")
    if os.environ.get("KERAS_HOME") or os.path.exists(default):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="kerasmagic-keras-home-") as home:
        os.environ["KERAS_HOME"] = home
        try:
            yield
        finally:
            os.environ.pop("KERAS_HOME", None)


def _in_subprocess(
    sources: list[str], python: str, before: list[str] | None, folders: list[str] | None
) -> list[dict[str, Any]]:
    from kerasmagic.migrate.kernel import HOST_PATH

    # the host's kerasmagic (the same engine, whatever that interpreter has installed), imported
    # with only its directory on sys.path for the moment of the import
    # `python -c` puts the current folder first on sys.path: a student's `keras.py` there would
    # be imported in place of Keras ('' dropped: static fixes import nothing of the user's)
    code = (
        "import sys; sys.path[:1] = [p for p in sys.path[:1] if p]; "
        f"sys.path.insert(0, {HOST_PATH!r}); "
        "import kerasmagic.migrate.kernel_side as k; "
        f"sys.path.remove({HOST_PATH!r}); sys.exit(k.main(['lint']))"
    )
    try:
        proc = subprocess.run(
            [python, "-c", code],
            input=json.dumps({"sources": sources, "before": before, "folders": folders}),
            capture_output=True,
            text=True,
            timeout=LINT_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LinterError(f"static fixes in {python} failed: {exc}") from exc
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(kernel_side.MARK):
            doc = json.loads(line[len(kernel_side.MARK) :])
            if isinstance(doc, list):
                return doc
            raise LinterError(f"static fixes in {python} failed: {doc.get('internal_error')}")
    raise LinterError(f"static fixes in {python} failed: {proc.stderr.strip()[-2000:]}")
