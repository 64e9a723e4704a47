"""Run a probe in a fresh process of *this* interpreter, so the live kernel is not disturbed.

Used by ``--probe``: importing TensorFlow in a subprocess tells what a fresh import *will* give
without importing it into the user's kernel. The probe function must return JSON-able data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

_RUNNER = """
import json, sys, importlib
mod, func = sys.argv[1], sys.argv[2]
kwargs = json.loads(sys.argv[3])
out = getattr(importlib.import_module(mod), func)(**kwargs)
sys.stdout.write("\\n@@kerasmagic-probe@@" + json.dumps(out, default=str))
"""


class ProbeFailed(RuntimeError):
    """The probe process failed; ``stderr`` holds its last lines."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


def run_probe(
    module: str,
    function: str,
    *,
    kwargs: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120.0,
) -> Any:
    """Call ``module.function(**kwargs)`` in a subprocess of ``sys.executable``; return its result."""
    proc_env = dict(os.environ)
    proc_env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if env:
        proc_env.update(env)
    # The subprocess must find kerasmagic even when it is only on the kernel's sys.path.
    pkg_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (pkg_parent, proc_env.get("PYTHONPATH", "")) if p
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _RUNNER, module, function, json.dumps(kwargs or {})],
            capture_output=True,
            text=True,
            env=proc_env,
            timeout=timeout,
            cwd=os.getcwd(),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProbeFailed(f"probe {module}.{function} did not run: {exc}") from exc
    marker = "@@kerasmagic-probe@@"
    if proc.returncode != 0 or marker not in proc.stdout:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise ProbeFailed(f"probe {module}.{function} failed (exit {proc.returncode})", tail)
    return json.loads(proc.stdout.rsplit(marker, 1)[1])
