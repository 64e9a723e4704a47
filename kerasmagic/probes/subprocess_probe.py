"""Run a probe in a fresh process of *this* interpreter, so the live kernel is not disturbed.

Used by ``--probe``: importing TensorFlow in a subprocess tells what a fresh import *will* give
without importing it into the user's kernel. The probe function must return JSON-able data.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from typing import Any

_RUNNER = """
import json, sys, importlib
mod, func = sys.argv[1], sys.argv[2]
kwargs = json.loads(sys.argv[3])
out = getattr(importlib.import_module(mod), func)(**kwargs)
sys.stdout.write("\\n@@kerasmagic-probe@@" + json.dumps(out, default=str))
"""


DEFAULT_TIMEOUT = 60.0  # seconds; a fresh TensorFlow import takes 3–15 s
MAX_TIMEOUT = 3600.0  # an hour: beyond it a probe hangs, and the OS cannot wait "forever" anyway
TIMEOUT_VARIABLE = "KERASMAGIC_PROBE_TIMEOUT"


def timeout_setting() -> tuple[float, str]:
    """The one time limit of a probe and a note on it: ``KERASMAGIC_PROBE_TIMEOUT`` seconds, else
    60. A value that is not a positive finite number gives the default, one above an hour is
    held to an hour; the note (empty when the value was used as given) says so."""
    raw = os.environ.get(TIMEOUT_VARIABLE, "")
    if not raw.strip():
        return DEFAULT_TIMEOUT, ""
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        return DEFAULT_TIMEOUT, (
            f"{TIMEOUT_VARIABLE}={raw!r} is not a finite number of seconds above 0: "
            f"the probe used the default, {DEFAULT_TIMEOUT:g} s."
        )
    if value > MAX_TIMEOUT:
        return MAX_TIMEOUT, (
            f"{TIMEOUT_VARIABLE}={raw!r} is more than {MAX_TIMEOUT:g} s: "
            f"the probe was given {MAX_TIMEOUT:g} s."
        )
    return value, ""


def probe_timeout() -> float:
    """The one time limit of a probe, in seconds (:func:`timeout_setting`)."""
    return timeout_setting()[0]


class ProbeFailed(RuntimeError):
    """The probe process failed; ``stderr`` holds its last lines, ``timed_out`` says why."""

    def __init__(self, message: str, stderr: str = "", *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.stderr = stderr
        self.timed_out = timed_out


def _kernel_path() -> str:
    """This process's ``sys.path`` as a PYTHONPATH (kerasmagic's own folder first), so the child
    finds what the kernel finds, ``sys.path.append(...)`` made in a cell included."""
    pkg_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    entries = [pkg_parent] + [os.getcwd() if p == "" else p for p in sys.path if isinstance(p, str)]
    seen: set[str] = set()
    return os.pathsep.join(p for p in entries if not (p in seen or seen.add(p)))


def _keras_home_copy(folder: str) -> str:
    """A Keras home for the child in ``folder``, holding a copy of the user's ``keras.json``:
    Keras writes its config where ``KERAS_HOME`` points, never in the user's home."""
    from kerasmagic.probes.keras_setup import _keras_home

    home = os.path.join(folder, ".keras")
    os.makedirs(home, exist_ok=True)
    with contextlib.suppress(OSError):
        shutil.copyfile(_keras_home() / "keras.json", os.path.join(home, "keras.json"))
    return home


def _end_group(proc: subprocess.Popen) -> None:
    """End the probe and every process it started (its own session's group)."""
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        proc.kill()
    with contextlib.suppress(Exception):
        proc.communicate(timeout=10)


def run_probe(
    module: str,
    function: str,
    *,
    kwargs: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Any:
    """Call ``module.function(**kwargs)`` in a subprocess of ``sys.executable``; return its result.

    The child sees the kernel's ``sys.path``, writes Keras's config to a temporary folder, and
    is ended with everything it started after ``timeout`` seconds (``probe_timeout()``)."""
    limit = timeout if timeout is not None else probe_timeout()
    name = f"{module}.{function}"
    proc_env = dict(os.environ)
    proc_env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if env:
        proc_env.update(env)
    proc_env["PYTHONPATH"] = _kernel_path()
    with tempfile.TemporaryDirectory(prefix="kerasmagic-probe-") as scratch:
        proc_env["KERAS_HOME"] = _keras_home_copy(scratch)
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", _RUNNER, module, function, json.dumps(kwargs or {})],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=proc_env,
                cwd=os.getcwd(),
                start_new_session=True,
            )
        except OSError as exc:
            raise ProbeFailed(f"probe {name} did not start: {exc}") from exc
        try:
            stdout, stderr = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _end_group(proc)
            raise ProbeFailed(
                f"probe {name} did not finish within {limit:g} s and was ended", timed_out=True
            ) from None
        finally:
            if proc.poll() is None:
                _end_group(proc)
    marker = "@@kerasmagic-probe@@"
    if proc.returncode != 0 or marker not in stdout:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        raise ProbeFailed(f"probe {name} failed (exit {proc.returncode})", tail)
    return json.loads(stdout.rsplit(marker, 1)[1])
