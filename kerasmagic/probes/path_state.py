"""A cheap fingerprint of what decides where Python finds modules and the shell finds programs.

Looking a module up (``find_spec``) or a program up (``shutil.which``) costs tens of
microseconds; their answers only change when a search path or one of its directories does (an
install adds an entry to ``site-packages`` or to a ``bin`` directory, which changes that
directory's modification time). An answer kept under the fingerprint it was found with stays true
while the fingerprint is the same.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_held: dict[object, object] | None = None  # what was read once while ``held()`` is active
_memo: dict[tuple[str, str], object] = {}  # what ``remembered`` read, under ``_memo_state``
_memo_state: list[tuple | None] = [None]


def _times(paths: list[str]) -> tuple:
    out = []
    for entry in paths:
        try:
            st = os.stat(entry or ".")
            out.append((st.st_mtime_ns, st.st_nlink))  # a new or removed folder (.dist-info)
        except (OSError, TypeError, ValueError):
            out.append(None)
    return tuple(out)


@contextmanager
def held() -> Iterator[None]:
    """Read each fingerprint once for the duration (one examination of a cell: nothing is
    installed meanwhile)."""
    global _held
    outer = _held
    _held = {} if outer is None else outer
    try:
        yield
    finally:
        _held = outer


def _once(kind: object, read: object) -> Any:
    if _held is None:
        return read()  # type: ignore[operator]
    if kind not in _held:
        _held[kind] = read()  # type: ignore[operator]
    return _held[kind]


def once_per_examination(key: object, read: Callable[[], Any]) -> Any:
    """``read()``, read once while ``held()`` is active (every call outside it reads again): for
    answers that only change when something is installed or imported, which an examination of a
    cell never does. The caller must not change what it gets back."""
    return _once(("examination", key), read)


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return ""


def import_state() -> tuple:
    """``sys.path``, its directories' modification times and the number of finders."""
    return _once("import", _import_state)


def _import_state() -> tuple:
    return (tuple(sys.path), _times(list(sys.path)), len(sys.meta_path))


def program_state() -> tuple:
    """``PATH``, its directories' modification times, and the working directory (a version file
    there can change what a ``pyenv`` shim runs), with the variables such shims read."""
    return _once("program", _program_state)


def _program_state() -> tuple:
    path = os.environ.get("PATH", "")
    shims = tuple(os.environ.get(v, "") for v in ("PYENV_VERSION", "VIRTUAL_ENV", "CONDA_PREFIX"))
    cwd = _cwd()
    pyenv = os.path.join(os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv"), "version")
    places = _times([cwd, pyenv]) if cwd else _times([pyenv])
    return (path, _times(path.split(os.pathsep)), cwd, places, shims)


def remembered(kind: str, key: str, read: object) -> object:
    """``read()``, kept while the import state and the working directory are the same: what is
    installed on ``sys.path``, or lies in one of its folders, only changes with a search path or
    one of its directories (an install or uninstall adds or removes a ``.dist-info`` entry, a new
    ``keras.py`` an entry of its folder, and each changes that directory's modification time).
    The caller must not change what it gets back."""
    state = (import_state(), _once("cwd", _cwd))
    if state != _memo_state[0]:
        _memo.clear()
        _memo_state[0] = state
    if (kind, key) not in _memo:
        _memo[(kind, key)] = read()  # type: ignore[operator]
    return _memo[(kind, key)]
