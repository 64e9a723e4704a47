"""``migrate PATH --to "tensorflow==2.21.0 keras==3.15.1"`` (or ``--to colab``): a preview of the
next upgrade. An environment with exactly those pins plus ``ipykernel`` is built with ``uv``
(from PATH, or the ``uv`` Python package, else installed once into a tool venv in the cache),
cached by the set of pins and the Python in a folder under the user's cache directory
(``KERASMAGIC_CACHE_DIR`` moves it), and the migration runs there as with ``--python``.

This is the one kerasmagic command that uses the network (the package index, through uv), only
when asked, and it says so before it does. A folder whose build did not finish (no ``DONE``
file) is built again from nothing.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kerasmagic.atomic_write import write_atomic
from kerasmagic.knowledge import runtimes

KERNEL_NEEDS = ("ipykernel", "packaging")  # the kernel; kerasmagic's one requirement besides IPython
DONE = "kerasmagic-env.json"  # written last: the environment is complete
NETWORK = "this uses the network (the package index, through uv): the only kerasmagic command that does"  # fmt: skip


class PreviewError(RuntimeError):
    """The environment cannot be built; the message says why (one line, exit 2)."""


@dataclass(frozen=True)
class Target:
    """What ``--to`` names: exact pins, where they come from, the Python to build on."""

    name: str  # as given: "colab", or the pins
    pins: tuple[str, ...]
    python: str  # the interpreter the environment is made from
    source: str | None = None  # where a runtime's pins were read, and when
    note: str | None = None  # a Python other than the runtime's, said in the output

    @property
    def key(self) -> str:
        """The cache key: the set of pins and the Python's version."""
        text = json.dumps([sorted(p.lower() for p in self.pins), _version(self.python)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def described(chosen: Target) -> str:
    """The target in the report's header: its pins, and where a runtime's come from."""
    pins = " ".join(chosen.pins)
    return f"{chosen.name} ({pins}; {chosen.source})" if chosen.source else pins


def spec_problem(spec: str) -> str | None:
    """What is wrong with ``--to SPEC`` (one line), or None."""
    if spec.strip().lower() in runtimes.RUNTIMES:
        return None
    words = spec.replace(",", " ").split()
    loose = [w for w in words if "==" not in w or w.count("==") != 1 or w.startswith("==")]
    if not words or loose:
        known = ", ".join(sorted(runtimes.RUNTIMES))
        return (
            f"--to {spec!r}: give exact pins, NAME==VERSION separated by spaces (such as "
            f'"tensorflow==2.21.0 keras==3.15.1"), or a runtime kerasmagic knows ({known})'
        )
    return None


def target(spec: str) -> Target:
    """The pins and Python of ``--to SPEC`` (checked by ``spec_problem``)."""
    runtime = runtimes.RUNTIMES.get(spec.strip().lower())
    if runtime is None:
        pins = tuple(spec.replace(",", " ").split())
        return Target(spec, pins, sys.executable)
    found = find_python(runtime.python)
    note = None
    if found is None:
        found = sys.executable
        note = f"{runtime.name} runs Python {runtime.python}; none here, so Python {_version(found)} is used"  # fmt: skip
    return Target(runtime.name, runtime.pins, found, f"{runtime.source} ({runtime.date})", note)


def find_python(version: str) -> str | None:
    """A ``version`` interpreter of this machine, without the network: this one, ``pythonX.Y``
    on PATH or pyenv's ``versions/X.Y*``."""
    if _version(sys.executable) == version:
        return sys.executable
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(os.path.join(root, "versions", f"{version}*", "bin", f"python{version}")))  # fmt: skip
    for candidate in filter(None, candidates):
        if _version(candidate) == version:
            return candidate
    return None


def _version(python: str) -> str:
    """``X.Y`` of an interpreter ('' when it does not run)."""
    if python == sys.executable:
        return f"{sys.version_info[0]}.{sys.version_info[1]}"
    code = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        proc = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def cache_dir() -> Path:
    """Where the environments go: ``KERASMAGIC_CACHE_DIR``, else the user's cache directory."""
    chosen = os.environ.get("KERASMAGIC_CACHE_DIR")
    if chosen:
        return Path(chosen).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~/AppData/Local")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "kerasmagic"


def find_uv(say: Callable[[str], None]) -> str:
    """uv from PATH, else the ``uv`` package of this Python, else a tool venv in the cache
    (made once with venv and pip, said in one line)."""
    found = shutil.which("uv")
    if found:
        return found
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found]

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        pass
    tools = cache_dir() / "tools"
    uv = tools / ("Scripts/uv.exe" if sys.platform == "win32" else "bin/uv")
    if not uv.exists():
        python = tools / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
        quiet = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_ROOT_USER_ACTION="ignore")
        for step in ([sys.executable, "-m", "venv", str(tools)], [str(python), "-m", "pip", "install", "-q", "uv"]):  # fmt: skip
            _run(step, "installing uv", env=quiet)
        say(f"--to: uv was not on PATH; installed it into {tools}")
    return str(uv)


def _run(argv: list[str], what: str, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip()[-1500:]
        raise PreviewError(f"--to: {what} failed ({' '.join(argv[:3])} …):\n{tail}")


def environment(chosen: Target, say: Callable[[str], None]) -> str:
    """The interpreter of ``chosen``'s environment, built now when it is not in the cache."""
    folder = cache_dir() / "envs" / chosen.key
    bin_dir = "Scripts" if sys.platform == "win32" else "bin"
    python = folder / bin_dir / ("python.exe" if sys.platform == "win32" else "python")
    pins = " ".join(chosen.pins)
    if chosen.note:
        say(f"--to: {chosen.note}")
    if (folder / DONE).exists() and python.exists():
        say(f"--to {chosen.name}: the environment of {pins} is in {folder} (built before; no network)")  # fmt: skip
        return str(python)
    from_where = f" (pins of {chosen.source})" if chosen.source else ""
    extra = [n for n in KERNEL_NEEDS if not any(p.lower().startswith(n + "==") for p in chosen.pins)]  # fmt: skip
    plus = f" plus {' '.join(extra)}" if extra else ""
    say(f"--to {chosen.name}: building an environment of {pins}{from_where}{plus} on Python {_version(chosen.python)} in {folder} with uv; {NETWORK}")  # fmt: skip
    start = time.perf_counter()
    uv = find_uv(say)
    shutil.rmtree(folder, ignore_errors=True)  # an unfinished build is started again
    folder.parent.mkdir(parents=True, exist_ok=True)
    quiet = dict(os.environ, UV_NO_PROGRESS="1")
    _run([uv, "venv", "-q", "--python", chosen.python, str(folder)], "making the venv", quiet)
    _run([uv, "pip", "install", "-q", "--python", str(python), *chosen.pins, *extra], f"installing {pins}", quiet)  # fmt: skip
    record = {"pins": list(chosen.pins), "python": _version(chosen.python), "source": chosen.source}
    write_atomic(folder / DONE, json.dumps(record, indent=1).encode())
    say(f"--to {chosen.name}: built in {time.perf_counter() - start:.1f} s")
    return str(python)
