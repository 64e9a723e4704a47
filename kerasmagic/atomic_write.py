"""Write a user's file whole or not at all: the one writer of every file kerasmagic writes for the
user (``check --fix``, ``migrate``'s copies and reports).

The bytes go to a temporary file in the target's own folder, are flushed to the disk, and replace
the target in one ``os.replace``; on any failure (a full disk, a read-only folder, Ctrl-C) the
temporary file is removed and the target is left as it was. A symbolic link is written through:
the file it points to is replaced and the link stays. A file that existed keeps its permissions.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

SUFFIX = ".kerasmagic-tmp"


def write_atomic(path: Path | str, data: bytes) -> None:
    """Replace the file at ``path`` (the file a link points to) by ``data``; raises ``OSError``
    with the target unchanged and nothing left behind when it cannot."""
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666  # a new file: the umask applies, as for open(path, "w")
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}{SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if mode != 0o666:
            os.chmod(tmp, mode)  # the file's own mode, whatever the umask
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(target.parent)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the system allows it (not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
