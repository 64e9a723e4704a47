"""Argument parsing shared by the magics: every bad input line becomes a ``UsageError``."""

from __future__ import annotations

import copy
from typing import Any, Callable

from IPython.core.error import UsageError
from IPython.core.magic_arguments import parse_argstring

_parsed: dict[tuple[Any, str], Any] = {}  # (magic, line) → its arguments (argparse is slow)


def parse_line(magic: Callable[..., Any], line: str) -> Any:
    """``parse_argstring`` that turns shlex's ValueError (an unbalanced quote) into UsageError.
    The arguments of a line parsed before are given again as they were (a fresh copy)."""
    key = (getattr(magic, "__func__", magic), line)
    known = _parsed.get(key)
    if known is not None:
        return copy.copy(known)
    try:
        args = parse_argstring(magic, line)
    except ValueError as exc:
        raise UsageError(f"%{magic.__name__}: cannot parse {line!r}: {exc}") from None
    if len(_parsed) < 256:
        _parsed[key] = copy.copy(args)
    return args
