"""Which Python a ``pip`` on PATH installs into, read from files only (nothing is run).

A pip script's shebang names its Python. A version manager's shim (pyenv, asdf) is a shell script
that picks the Python when it runs, from version files: those files are read the way the manager
reads them. What cannot be read is reported as unknown, never guessed (a shell is not a Python).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SHELLS = {"sh", "bash", "zsh", "dash", "ksh", "fish", "csh", "tcsh"}
PYTHON_NAME = re.compile(r"(python|pypy)[\d.]*[a-z]?$")
# pip's launcher for a Python path too long for a shebang: `#!/bin/sh` then `'''exec' "PY" "$0" …`
LONG_PATH_EXEC = re.compile(r"^'''exec' \"?([^\"\s]+)\"? \"\$0\"", re.M)


@dataclass(frozen=True)
class PipTarget:
    """The Python a pip script installs into (None: not readable without running it)."""

    python: str | None
    shim: str | None = None  # "pyenv", "asdf" or "a shell script" when pip is a wrapper
    via: str = ""  # how the shim's choice was read, in words


def _head(script: str) -> str:
    try:
        with open(script, "rb") as fh:
            return fh.read(4000).decode("utf-8", "replace")
    except OSError:
        return ""


def _shebang(first_line: str) -> str | None:
    """The program a ``#!`` line runs (``env``'s argument resolved on PATH)."""
    if not first_line.startswith("#!"):
        return None
    parts = first_line[2:].split()
    if not parts:
        return None
    if os.path.basename(parts[0]) == "env":
        args = [p for p in parts[1:] if not p.startswith("-") and "=" not in p]
        return (shutil.which(args[0]) or args[0]) if args else None
    return parts[0]


def pip_target(
    script: str, cwd: str | None = None, environ: Mapping[str, str] | None = None, depth: int = 0
) -> PipTarget:
    """Where ``script`` (a ``pip`` found on PATH) installs, read from its text and version files."""
    environ = os.environ if environ is None else environ
    head = _head(script)
    program = _shebang(head.split("\n", 1)[0].strip())
    if program is None:
        return PipTarget(None)
    name = os.path.basename(program)
    if PYTHON_NAME.match(name):
        return PipTarget(program)
    if name in SHELLS:
        long_path = LONG_PATH_EXEC.search(head)
        if long_path:
            return PipTarget(long_path.group(1))
        if depth < 2 and re.search(r"\bpyenv\b", head):
            return _pyenv(script, head, cwd or os.getcwd(), environ, depth)
        if depth < 2 and re.search(r"\basdf\b", head):
            return _asdf(script, cwd or os.getcwd(), environ, depth)
    return PipTarget(None, "a shell script")


def _version_file(start: str, filename: str) -> Path | None:
    """``filename`` in ``start`` or the nearest parent directory holding one."""
    here = Path(start).resolve()
    for d in (here, *here.parents):
        if (d / filename).is_file():
            return d / filename
    return None


def _words(path: Path) -> list[str]:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    return [
        w for line in text.splitlines() if not line.lstrip().startswith("#") for w in line.split()
    ]


def _installed_version(base: Path, version: str) -> Path | None:
    """``base/version``, or the newest ``base/version.*`` (a prefix such as ``3.11``)."""
    if (base / version).is_dir():
        return base / version
    try:
        matches = [p for p in base.iterdir() if p.name.startswith(version + ".")]
    except OSError:
        return None

    def key(p: Path) -> list[int]:
        return [int(x) for x in re.findall(r"\d+", p.name)]

    return max(matches, key=key) if matches else None


def _resolved(pip: Path, shim: str, via: str, depth: int) -> PipTarget:
    target = pip_target(str(pip), depth=depth + 1)
    return PipTarget(target.python, shim, f"{via}: {pip}")


def _pyenv(script: str, head: str, cwd: str, environ: Mapping[str, str], depth: int) -> PipTarget:
    exported = re.search(r'export PYENV_ROOT="([^"]+)"', head)
    root = Path(
        environ.get("PYENV_ROOT") or (exported.group(1) if exported else "~/.pyenv")
    ).expanduser()
    if environ.get("PYENV_VERSION"):
        versions, source = environ["PYENV_VERSION"].split(":"), "PYENV_VERSION"
    else:
        found = _version_file(cwd, ".python-version") or root / "version"
        versions, source = (_words(found) or ["system"]), str(found)
    command = os.path.basename(script)
    for version in versions:
        via = f"pyenv version {version} (from {source})"
        if version == "system":
            shims = os.path.dirname(os.path.abspath(script))
            rest = [p for p in environ.get("PATH", "").split(os.pathsep) if p and p != shims]
            found_pip = shutil.which(command, path=os.pathsep.join(rest))
            if found_pip:
                return _resolved(Path(found_pip), "pyenv", via, depth)
            continue
        installed = _installed_version(root / "versions", version)
        if installed is not None and (installed / "bin" / command).is_file():
            return _resolved(installed / "bin" / command, "pyenv", via, depth)
    return PipTarget(None, "pyenv", f"pyenv versions {', '.join(versions)} (from {source})")


def _asdf(script: str, cwd: str, environ: Mapping[str, str], depth: int) -> PipTarget:
    data = Path(environ.get("ASDF_DATA_DIR") or "~/.asdf").expanduser()
    if environ.get("ASDF_PYTHON_VERSION"):
        versions, source = environ["ASDF_PYTHON_VERSION"].split(), "ASDF_PYTHON_VERSION"
    else:
        found = _version_file(cwd, ".tool-versions") or Path("~/.tool-versions").expanduser()
        lines = [line.split() for line in _words_lines(found)]
        versions = next((words[1:] for words in lines if words and words[0] == "python"), [])
        source = str(found)
    command = os.path.basename(script)
    for version in versions:
        pip = data / "installs" / "python" / version / "bin" / command
        if pip.is_file():
            return _resolved(pip, "asdf", f"asdf python {version} (from {source})", depth)
    return PipTarget(
        None, "asdf", f"asdf python {' '.join(versions) or '(none set)'} (from {source})"
    )


def _words_lines(path: Path) -> list[str]:
    try:
        return [
            line
            for line in path.read_text(errors="replace").splitlines()
            if not line.lstrip().startswith("#")
        ]
    except OSError:
        return []
