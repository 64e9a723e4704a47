"""``kerasmagic.atomic_write``: a user's file is written whole or not at all (issue 32, item 12),
through a symbolic link to its file (item 11), keeping its permissions — in every environment."""

from __future__ import annotations

import ast
import errno
import os
import stat
from pathlib import Path

import pytest

from kerasmagic import atomic_write
from kerasmagic.atomic_write import write_atomic

OLD = b"x = 1\n" * 1000
NEW = b"y = 2\n" * 2000


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(atomic_write.SUFFIX)]


def _disk_full_after(monkeypatch: pytest.MonkeyPatch, allowed: int) -> None:
    """``os.write`` writes ``allowed`` bytes in all, then fails as a full disk does."""
    real = os.write
    left = [allowed]

    def write(fd: int, data: bytes | memoryview) -> int:
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = real(fd, bytes(data[: left[0]]))
        left[0] -= n
        return n

    monkeypatch.setattr(atomic_write.os, "write", write)


def test_writes_the_bytes_and_leaves_nothing_beside(tmp_path: Path) -> None:
    target = tmp_path / "script.py"
    target.write_bytes(OLD)
    write_atomic(target, NEW)
    assert target.read_bytes() == NEW
    write_atomic(tmp_path / "new.py", b"")
    assert (tmp_path / "new.py").read_bytes() == b""
    assert not _leftovers(tmp_path)


def test_a_full_disk_leaves_the_file_whole_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "script.py"
    target.write_bytes(OLD)
    _disk_full_after(monkeypatch, 4096)
    with pytest.raises(OSError) as raised:
        write_atomic(target, NEW)
    assert raised.value.errno == errno.ENOSPC
    assert target.read_bytes() == OLD
    assert not _leftovers(tmp_path)
    with pytest.raises(OSError):
        write_atomic(tmp_path / "fresh.ipynb", NEW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.py"]


def test_an_interrupt_mid_write_leaves_the_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "script.py"
    target.write_bytes(OLD)

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic_write.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, NEW)
    assert target.read_bytes() == OLD and not _leftovers(tmp_path)


def test_a_missing_folder_raises_oserror(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError):
        write_atomic(blocker / "out.py", NEW)
    assert blocker.read_text() == "not a folder"


def test_a_symbolic_link_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real" / "lesson.py"
    real.parent.mkdir()
    real.write_bytes(OLD)
    link = tmp_path / "lesson.py"
    link.symlink_to(real)
    write_atomic(link, NEW)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == NEW
    assert not _leftovers(tmp_path) and not _leftovers(real.parent)


def test_the_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "run.py"
    target.write_bytes(OLD)
    target.chmod(0o751)
    write_atomic(target, NEW)
    assert stat.S_IMODE(target.stat().st_mode) == 0o751
    fresh = tmp_path / "fresh.py"
    write_atomic(fresh, NEW)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


# Files kerasmagic writes that are not the user's: each in a folder of its own making.
NOT_USER_FILES = {
    "kerasmagic/migrate/kernel.py": "the kernel's spec and log, in a temporary folder",
    "kerasmagic/probes/subprocess_probe.py": "Keras's config, copied into the probe's temporary home",  # fmt: skip
}
WRITERS = {"write_text", "write_bytes", "copyfile", "copytree"}  # and shutil.copy / copy2


def _writes(tree: ast.AST) -> list[int]:
    """Lines of ``tree`` that write a file other than through ``write_atomic``."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = getattr(func, "value", None)
        shutil_copy = name in ("copy", "copy2") and getattr(owner, "id", "") == "shutil"
        if name in WRITERS or shutil_copy:
            found.append(node.lineno)
        elif name in ("open", "fdopen"):
            modes = [a for a in node.args[1:2] if isinstance(a, ast.Constant)]
            modes += [k.value for k in node.keywords if k.arg == "mode"]
            if any(isinstance(m, ast.Constant) and set(str(m.value)) & set("wax+") for m in modes):
                found.append(node.lineno)
    return found


def test_every_writer_of_a_users_file_goes_through_write_atomic() -> None:
    package = Path(atomic_write.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package.parent).as_posix()
        if name == "kerasmagic/atomic_write.py" or name in NOT_USER_FILES:
            continue
        lines = _writes(ast.parse(path.read_text(encoding="utf-8")))
        offenders += [f"{name}:{line}" for line in lines]
    assert not offenders, f"write these through kerasmagic.atomic_write.write_atomic: {offenders}"
