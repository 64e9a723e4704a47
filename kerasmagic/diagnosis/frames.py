"""The frames of a traceback, read for the cell's own code.

Where an exception was raised, which frames run the cell (its file name or its namespace), and
the cell's line that failed (a ``%%time`` cell's body counts from its own first line; an error
raised while IPython displays the cell's value points at that value's line).
"""

from __future__ import annotations

import ast
from contextlib import suppress
from typing import Any

from kerasmagic.diagnosis.rewrite import parse_cell


def is_cell_frame(frame: Any, namespace: dict | None, filename: str | None) -> bool:
    """Does ``frame`` run the cell's own code (its file name, or the cell's namespace as its
    globals)?"""
    return bool(filename and frame.f_code.co_filename == filename) or (
        namespace is not None and frame.f_globals is namespace
    )


def traceback_frames(exc: BaseException | None) -> list[Any]:
    """The frames of the traceback of ``exc``, the outermost first (none without one)."""
    tb, frames = getattr(exc, "__traceback__", None), []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


def cell_function_locals(exc: BaseException | None, namespace: dict | None, filename: str | None) -> list[dict]:  # fmt: skip
    """The locals of each frame of the traceback of ``exc`` that runs a function of the cell's
    own code (not its top level, whose locals are the namespace), the outermost first; a frame
    whose locals cannot be read is left out."""
    found: list[dict] = []
    for frame in traceback_frames(exc):
        if is_cell_frame(frame, namespace, filename):
            with suppress(Exception):
                if frame.f_locals is not frame.f_globals:
                    found.append(frame.f_locals)
    return found


def innermost_frame(exc: BaseException | None) -> Any:
    """The frame that raised ``exc``: the last of its traceback (None without one)."""
    frames = traceback_frames(exc)
    return frames[-1] if frames else None


def looked_up_here(exc: BaseException | None, namespace: dict | None, filename: str | None) -> bool:
    """Was the name of a ``NameError`` looked up in the cell's own globals: the frame that raised
    runs the cell, or code whose globals are the cell's (a function an earlier cell defines)?
    False for a module's function (a helper file beside the notebook): an import in the cell
    would not bind the name there. True without a traceback."""
    frame = innermost_frame(exc)
    return frame is None or is_cell_frame(frame, namespace, filename)


def innermost_cell_frame(exc: BaseException | None, namespace: dict | None, filename: str | None) -> Any:  # fmt: skip
    """The innermost frame of the cell's own code in the traceback of ``exc`` (a ``call`` or a
    callback method of the cell that raised, below Keras's frames); None without one."""
    cells = (f for f in reversed(traceback_frames(exc)) if is_cell_frame(f, namespace, filename))
    return next(cells, None)


def innermost_cell_function(exc: BaseException | None, namespace: dict | None, filename: str | None) -> tuple[str, int] | None:  # fmt: skip
    """``(name, line)`` of the innermost function of the cells' code in the traceback of ``exc``
    (a function this cell or an earlier one defines), the line being where its frame was when
    the error rose; None when only the cell's top level ran."""
    tb, found = getattr(exc, "__traceback__", None), None
    while tb is not None:
        frame = tb.tb_frame
        if is_cell_frame(frame, namespace, filename) and frame.f_code.co_name != "<module>":
            found = (frame.f_code.co_name, tb.tb_lineno)
        tb = tb.tb_next
    return found


# the file names IPython's %%time compiles a cell's body under (after the magic and blank lines)
TIMED_BODIES = ("<timed exec>", "<timed eval>")
# IPython's formatters, which show a cell's value after it ran (an ``Image`` read only then)
DISPLAYING = ("IPython/core/formatters.py", "IPython\\core\\formatters.py")


def body_offset(source: str) -> int:
    """Cell lines before the first line of code of a ``%%time`` cell's body."""
    lines = source.splitlines()
    return next((i for i, text in enumerate(lines) if i and text.strip()), 1)


def cell_lineno(tb: Any, source: str) -> int:
    """The cell's line of a traceback entry of the cell's code (a ``%%time`` body counts from its
    own first line)."""
    if tb.tb_frame.f_code.co_filename in TIMED_BODIES and source.lstrip().startswith("%%"):
        return tb.tb_lineno + body_offset(source)
    return tb.tb_lineno


def failing_line(exc: BaseException, namespace: dict | None, filename: str | None, source: str = "") -> int | None:  # fmt: skip
    """The cell's line where ``exc`` was raised (last traceback frame of the cell's code)."""
    line, shown, tb = None, False, getattr(exc, "__traceback__", None)
    while tb is not None:
        if is_cell_frame(tb.tb_frame, namespace, filename):
            line = cell_lineno(tb, source)
        shown |= tb.tb_frame.f_code.co_filename.endswith(DISPLAYING)
        tb = tb.tb_next
    line = exc.lineno if line is None and isinstance(exc, SyntaxError) else line
    tree = parse_cell(source).tree if line is None and shown and source else None  # while shown
    last = tree.body[-1] if tree is not None and tree.body else None  # the cell's value: its line
    return last.lineno if isinstance(last, ast.Expr) else line
