"""An error that another library caught and quoted as text in an error of its own.

scikit-learn's model selection (``cross_val_score``, ``GridSearchCV``…) catches the error of
each fit of the estimator (a Keras model built by a ``build_fn`` of the cell, in the wrappers
``KerasClassifier``/``KerasRegressor``), keeps its formatted traceback, and when every fit
failed raises a ``ValueError`` of its own: "All the 10 fits failed … Below are more details
about the failures:", each distinct traceback after a line of 80 dashes. The error the cell must
be diagnosed for is the one quoted: its class name, its message, and the lines of the cell's own
code in its traceback (read from the text; no frame of it is left).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ALL_FAILED = re.compile(r"All the \d+ fits failed\.")
BLOCK = re.compile(
    r"-{80}\n\d+ fits failed with the following error:\n(?P<text>.*?)(?=\n-{80}\n|\Z)", re.S
)
TRACEBACK = "Traceback (most recent call last):"
FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>\d+), in ', re.M)
ERROR_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?:: ?(?P<message>.*))?$")


@dataclass(frozen=True)
class QuotedError:
    """The first error a library quoted: its class name (without module), message, and the
    ``(file, line)`` of each frame of its traceback, the outermost first."""

    type_name: str
    message: str
    frames: tuple[tuple[str, int], ...]

    def lines_in(self, filename: str) -> list[int]:
        """The lines of the frames that ran the file ``filename`` (the cell's)."""
        return [line for file, line in self.frames if file == filename]


def quoted_error(exc: BaseException | None, text: str) -> QuotedError | None:
    """The error scikit-learn quotes in ``exc`` (whose message is ``text``) when every fit
    failed; None for any other error."""
    if not isinstance(exc, ValueError) or not ALL_FAILED.search(text):
        return None
    block = BLOCK.search(text)
    if block is None or TRACEBACK not in block.group("text"):
        return None
    last = block.group("text").rsplit(TRACEBACK, 1)[1]  # a chained error: the one raised last
    frames = [(m.group("file"), int(m.group("line"))) for m in FRAME.finditer(last)]
    lines = last.splitlines()
    after = max((i for i, line in enumerate(lines) if FRAME.match(line)), default=-1)
    # the error's line: the first after the last frame that is not the frame's indented code
    start = next((i for i in range(after + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), None)  # fmt: skip
    found = ERROR_LINE.match(lines[start]) if start is not None else None
    if found is None:
        return None
    message = "\n".join([found.group("message") or "", *lines[start + 1 :]]).strip()
    return QuotedError(found.group("type").rsplit(".", 1)[-1], message, tuple(frames))
