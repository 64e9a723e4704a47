"""``python -m kerasmagic check FILE`` runs FILE the way ``python FILE`` does.

The source is read as Python reads it (``tokenize``: a BOM, a coding cookie), the script gets
``__file__``, its own folder as ``sys.path[0]`` and ``sys.argv = [FILE, *args]``, and its
traceback is printed to standard error as Python prints it, without kerasmagic's frames.
"""

from __future__ import annotations

import builtins
import io
import os
import sys
import tokenize
import traceback
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kerasmagic import line_endings
from kerasmagic.atomic_write import write_atomic


@dataclass
class ScriptSource:
    """A script's text (newlines made ``\\n``) and how to write it back as it was stored:
    ``stored`` is the text with its line endings as read (None: ``text`` is as stored)."""

    text: str
    encoding: str = "utf-8"
    stored: str | None = None


def read_script(path: Path) -> ScriptSource:
    """Read ``path`` as Python reads a script; raises OSError or SyntaxError (bad encoding)."""
    raw = path.read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        stored = raw.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        raise SyntaxError(f"{path}: {exc}") from None
    return ScriptSource(line_endings.universal(stored), encoding, stored)


def write_script(path: Path, text: str, like: ScriptSource) -> None:
    """Write ``text`` whole or not at all (``OSError``: ``path`` unchanged), with the encoding
    (BOM included) the file had and the line endings of every line not changed."""
    stored = like.text if like.stored is None else like.stored
    data = line_endings.restore(stored, text).encode(like.encoding)
    write_atomic(path, data)


def main_module(filename: str) -> types.ModuleType:
    """The ``__main__`` module ``python FILE`` runs the script in: ``builtins`` as
    ``__builtins__``, ``__file__`` (not for standard input)."""
    main = types.ModuleType("__main__")
    main.__dict__.update(
        {"__builtins__": builtins, "__cached__": None, "__package__": None, "__spec__": None}
    )
    if filename != "-":
        main.__file__ = os.path.abspath(filename)
    return main


def _folder(filename: str) -> str:
    return "" if filename == "-" else os.path.dirname(os.path.abspath(filename))


@contextmanager
def as_main_script(filename: str, args: list[str], main: types.ModuleType) -> Iterator[None]:
    """While the script runs: ``sys.argv``, ``sys.path[0]`` (its folder, put in front) and
    ``sys.modules["__main__"]`` (``main``: pickle finds the script's classes there) of ``python
    FILE ARGS``; all put back after."""
    folder = _folder(filename)
    saved_argv, saved_main = sys.argv, sys.modules.get("__main__")
    sys.argv = [filename, *args]
    sys.modules["__main__"] = main
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        sys.argv = saved_argv
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
        if sys.path and sys.path[0] == folder:
            del sys.path[0]
        elif folder in sys.path:
            sys.path.remove(folder)


@contextmanager
def folder_searched_last(filename: str) -> Iterator[None]:
    """While kerasmagic reads the script (lint, diagnosis): its folder at the end of
    ``sys.path``, so that the script's own modules resolve but a file there named like a module
    of the standard library (``logging.py``) is never imported in its place."""
    folder = _folder(filename)
    added = folder not in sys.path
    if added:
        sys.path.append(folder)
    try:
        yield
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)


def exit_status(exc: BaseException | None) -> int | None:
    """The status ``python FILE`` exits with when the script raised ``exc``: a ``SystemExit``'s
    own (``sys.exit(3)``: 3; ``sys.exit()``: 0; a message: 1), 1 for any other exception; None
    when it raised nothing."""
    if exc is None:
        return None
    if not isinstance(exc, SystemExit):
        return 1
    code = exc.code
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def print_user_traceback(exc: BaseException, filename: str) -> None:
    """Print ``exc`` to stderr as Python would for the script: from its first frame on."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    sys.stdout.flush()
    if isinstance(exc, SystemExit):  # Python prints a message, never a number
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    else:
        traceback.print_exception(type(exc), exc, tb, file=sys.stderr)
    sys.stderr.flush()
