"""``python -m kerasmagic check FILE`` runs FILE the way ``python FILE`` does.

The source is read as Python reads it (``tokenize``: a BOM, a coding cookie), the script gets
``__file__``, its own folder as ``sys.path[0]`` and ``sys.argv = [FILE, *args]``, and its
traceback is printed to standard error as Python prints it, without kerasmagic's frames.
"""

from __future__ import annotations

import io
import os
import sys
import tokenize
import traceback
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


@contextmanager
def as_main_script(filename: str, args: list[str]) -> Iterator[dict]:
    """The ``__main__`` namespace and ``sys.path``/``sys.argv`` of ``python FILE ARGS``."""
    stdin = filename == "-"
    absolute = os.path.abspath(filename)
    namespace = {
        "__name__": "__main__",
        "__builtins__": __builtins__,
        "__cached__": None,
        "__doc__": None,
        "__package__": None,
        "__spec__": None,
    }
    if not stdin:
        namespace["__file__"] = absolute
    folder = "" if stdin else os.path.dirname(absolute)
    saved_path0 = sys.path[0] if sys.path else None
    saved_argv = sys.argv
    sys.argv = [filename, *args]
    if sys.path:
        sys.path[0] = folder
    else:
        sys.path.insert(0, folder)
    try:
        yield namespace
    finally:
        sys.argv = saved_argv
        if saved_path0 is not None and sys.path:
            sys.path[0] = saved_path0


def print_user_traceback(exc: BaseException, filename: str) -> None:
    """Print ``exc`` to stderr as Python would for the script: from its first frame on."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    sys.stdout.flush()
    if isinstance(exc, SystemExit):
        code = exc.code
        print(code if not isinstance(code, int) else f"(exit status {code})", file=sys.stderr)
    else:
        traceback.print_exception(type(exc), exc, tb, file=sys.stderr)
    sys.stderr.flush()
