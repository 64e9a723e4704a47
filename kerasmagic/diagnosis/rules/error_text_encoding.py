"""Error rule: a text file that is not UTF-8, read without an encoding.

Old code read its text (a corpus for a character RNN, a CSV) in the encoding its platform gave
by default: Python 3's ``open`` the locale's (the ANSI code page on Windows, cp1252 in Western
Europe and the Americas), NumPy before 1.23's ``loadtxt``/``genfromtxt`` ``'bytes'`` (Latin-1).
Here the default is UTF-8 and the same bytes fail ("'utf-8' codec can't decode byte 0x91").

The file is the evidence: the path the failing read was given (the call on the failing line, or
the ``open`` that bound the file object the failing line reads, ``with open(p) as f`` above
``f.read()``) is read, and its bytes are checked: not UTF-8, and decoded whole by the encoding the
catalogue says the callable read in before (``windows``: cp1252 where it decodes every byte, else
Latin-1, which decodes any byte). The call gets that encoding, so the text is the one the code
was written for, character for character.
"""

from __future__ import annotations

import ast
import os
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import call_argument, live_callable, signature
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, closing_insert_edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "text-file-encoding"
READS = ("read", "readline", "readlines")


@rule(ENTRY, when=(ERROR,), family="data", errors=("UnicodeDecodeError",))
def text_encoding(ctx: CellContext) -> list[Problem]:
    """``open(path)`` of a file that is not UTF-8 gets the encoding it was read in before."""
    entry = find_entry(ENTRY)
    exc = ctx.exc
    tree = ctx.cell.tree
    if entry is None or tree is None or not isinstance(exc, UnicodeDecodeError):
        return []
    if exc.encoding.replace("-", "").lower() != "utf8":
        return []
    edits: list[Edit] = []
    chosen: list[tuple[str, str]] = []
    failing = _reads(ctx, tree)
    paths: dict[str, str | None] = {}
    # the reads that failed, then the cell's other reads of the same files (each would fail next)
    for call in failing + [n for n in walk(tree) if isinstance(n, ast.Call) and n not in failing]:
        found = _callable(ctx, call)
        before = entry.data["callables"].get(found[1]) if found else None
        if before is None or _given(call, found[0], "encoding") or _binary(call, found[0]):
            continue
        path = _path(ctx, call, found[0])
        if path is None or (call not in failing and path not in paths):
            continue
        encoding = paths.setdefault(path, _encoding(path, before))
        edit = closing_insert_edit(ctx.cell, call, f"encoding={encoding!r}") if encoding else None
        if edit is not None:
            edits.append(edit)
            chosen.append((os.path.basename(path or ""), encoding or ""))
    if not edits:
        return []
    name, encoding = chosen[0]
    return [from_entry(ENTRY, ctx.line or edits[0].line, edits, [name], ctx.shown_versions, file=name,
                       encoding=encoding, byte=f"0x{exc.object[exc.start]:02x}")]  # fmt: skip


def _reads(ctx: CellContext, tree: ast.AST) -> list[ast.Call]:
    """The calls of the failing lines, and the calls that bound a file object those lines read
    (``with open(p) as f`` / ``f = open(p)`` before ``f.read()`` or ``for line in f``)."""
    failing = ctx.failing_lines
    calls = [
        n for n in walk(tree) if isinstance(n, ast.Call) and getattr(n, "lineno", None) in failing
    ]
    read = set()
    for node in walk(tree):
        if getattr(node, "lineno", None) not in failing:
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in READS
        ):
            read.add(getattr(node.func.value, "id", None))
        if isinstance(node, ast.For) and isinstance(node.iter, ast.Name):
            read.add(node.iter.id)
    read.discard(None)
    for node in walk(tree):
        if isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
            bound, value = node.optional_vars.id, node.context_expr
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            bound, value = node.targets[0].id, node.value
        else:
            continue
        if bound in read and isinstance(value, ast.Call) and value not in calls:
            calls.append(value)
    return calls


def _callable(ctx: CellContext, call: ast.Call) -> tuple[Any, str] | None:
    """The live callable and its ``module.qualname`` (``io.open`` for the builtin ``open``)."""
    obj = live_callable(ctx, call.func)
    if not callable(obj):
        return None
    return obj, f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"


def _given(call: ast.Call, fn: Any, name: str) -> bool:
    """Is ``name`` given, by keyword or by position (or could a ``*args``/``**kw`` hold it)?"""
    if any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):  # fmt: skip
        return True
    sig = signature(fn)
    return sig is None or name not in sig.parameters or call_argument(call, fn, name) is not None


def _binary(call: ast.Call, fn: Any) -> bool:
    """A ``mode`` with ``b`` in it (bytes are not decoded), or one not written as a string."""
    node = call_argument(call, fn, "mode")
    if node is None:
        return False
    return not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or "b" in node.value


def _path(ctx: CellContext, call: ast.Call, fn: Any) -> str | None:
    """The file the call read: its first argument's string, where it names a file on disk."""
    sig = signature(fn)
    first = next(iter(sig.parameters), None) if sig is not None else None
    node = call_argument(call, fn, first) if first else (call.args[0] if call.args else None)
    path = string_value(ctx, node) if node is not None else None
    return path if path and os.path.isfile(path) else None


def _encoding(path: str, before: str) -> str | None:
    """The encoding the callable read ``path`` in before, where the bytes are not UTF-8 and it
    decodes them all; None otherwise."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    try:
        data.decode("utf-8")
        return None  # the file is UTF-8: another problem
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1") if before == "windows" else (before,):
        try:
            data.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    return None
