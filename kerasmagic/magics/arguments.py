"""Argument parsing shared by the magics: every bad input line becomes a ``UsageError``."""

from __future__ import annotations

from typing import Any, Callable

from IPython.core.error import UsageError
from IPython.core.magic_arguments import parse_argstring


def parse_line(magic: Callable[..., Any], line: str) -> Any:
    """``parse_argstring`` that turns shlex's ValueError (an unbalanced quote) into UsageError."""
    try:
        return parse_argstring(magic, line)
    except ValueError as exc:
        raise UsageError(f"%{magic.__name__}: cannot parse {line!r}: {exc}") from None
