"""A Python source file's text as Python reads it, and text written back as Python will read it.

PEP 263: a ``coding`` comment in a file's first two lines names its encoding (``# coding=gbk``),
else it is UTF-8. A user's module read as UTF-8 regardless fails to decode (and is then never
corrected), and a corrected text written as UTF-8 under a ``coding=gbk`` line is read back wrong.
"""

from __future__ import annotations

import io
import tokenize


def decoded(data: bytes) -> str:
    """``data``, a source file's bytes, decoded in the encoding it declares (``SyntaxError`` for
    an unknown coding or undeclared non-UTF-8 bytes in its first lines, ``UnicodeDecodeError``
    for bytes further down that are not in it)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def encoded(text: str) -> bytes:
    """``text`` encoded in the encoding its own ``coding`` comment declares (UTF-8 without one,
    or with one Python does not know)."""
    head = "".join(text.splitlines(keepends=True)[:2]).encode("ascii", "replace")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(head).readline)
        return text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return text.encode("utf-8")
