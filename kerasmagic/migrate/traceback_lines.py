"""The line of a cell an error was raised from, read from the traceback a kernel sends.

IPython 8+ names each frame of a cell ``Cell In[2], line 5``. IPython 7 (Colab's 7.34 with
ipykernel 6) names each frame by its file and function and marks the current line with an arrow
(``----> 5``); the cell's own top level is the function ``<cell line: 0>`` (or ``<module>``),
under an ``ipykernel_…`` file for a notebook's cell, or the script's path ``migrate`` compiles a
script's block under. The line is the innermost frame of the cell that ran (the outermost
frame's cell), so that a statement inside a function the cell defines and calls (a script's
``main()``) is the line, not the call.
"""

from __future__ import annotations

import re

CELL_LINE = re.compile(r"Cell In\[(\d+)\], line (\d+)")  # IPython 8+
FRAME = re.compile(r"^(?P<file>.+?) in (?P<function><cell line: \d+>|<module>|[A-Za-z_][\w.]*)(?=\(|\s)")  # fmt: skip
TOP_LEVEL = ("<cell line", "<module>")
ARROW_LINE = re.compile(r"^-+> *(\d+)", re.M)


def failing_line(traceback: list[str]) -> int | None:
    """The cell's line the error of this traceback (IPython's entries, colours and all) was
    raised from; None when it shows no frame of a cell."""
    from kerasmagic.diagnosis.context import ANSI

    entries = [ANSI.sub("", text) for text in traceback]
    frames = [(m.group(1), int(m.group(2))) for text in entries for m in CELL_LINE.finditer(text)]
    frames = frames or _ipython7_cell_frames(entries)
    return [line for cell, line in frames if cell == frames[0][0]][-1] if frames else None


def _ipython7_cell_frames(entries: list[str]) -> list[tuple[str, int]]:
    """The (file, line) of IPython 7's traceback entries that run the cell: from the outermost
    entry whose function is the cell's top level on, each with the line its arrow marks."""
    frames: list[tuple[str, str, int]] = []
    for text in entries:
        head, arrow = FRAME.match(text), ARROW_LINE.search(text)
        if head is not None and arrow is not None:
            frames.append((head.group("file"), head.group("function"), int(arrow.group(1))))
    top = next((i for i, (_f, function, _l) in enumerate(frames) if function.startswith(TOP_LEVEL)), None)  # fmt: skip
    return [(file, line) for file, _function, line in frames[top:]] if top is not None else []
