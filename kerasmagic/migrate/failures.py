"""Whether a cell's failure after a rewrite is the failure before it again (the rewrite did not
remove it: ``migrate`` undoes it) or progress (the same error from a later statement that ran
unchanged before: the next conversion of an array, the next Keras 1 keyword)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """One failed run of a cell: the error, the text of the line it came from, the source run."""

    error: str
    line: str | None
    source: str
    # the error Keras wrapped in it (a Lambda's function, failing in its shape inference)
    cause: str = ""

    def repeats(self, before: Failure) -> bool:
        """The same error as ``before`` (and the same error under it, where Keras wrapped one:
        the next missing name of a Lambda's function is progress), unless it now comes from a
        line other than before's that was already there, unchanged (a later statement reached)."""
        if (before.error, before.cause) != (self.error, self.cause):
            return False
        moved_on = self.line is not None and self.line != before.line
        return not (moved_on and self.line in {ln.strip() for ln in before.source.splitlines()})


def line_text(source: str, line: int | None) -> str | None:
    """The stripped text of line ``line`` of ``source`` (None without one)."""
    lines = source.splitlines()
    return lines[line - 1].strip() if line is not None and 0 < line <= len(lines) else None
