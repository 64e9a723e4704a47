"""Error rule: a cell that extracted an archive with ``get_file`` and then failed on a missing
file or an empty listing: Keras 3's ``get_file`` returned the folder it extracted into, one level
above the path Keras 2 returned (``rules/trap_get_file.py`` says why and makes the edits)."""

from __future__ import annotations

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.trap_get_file import wrapped_get_file_calls

ENTRY = "keras3-get-file-extract-folder-error"
# what code looking one folder too high meets: a missing file or folder, an empty listing
FILE_ERRORS = ("FileNotFoundError", "NotADirectoryError", "IndexError", "StopIteration")


@rule(ENTRY, when=(ERROR,), family="datasets", needs=r"get_file", errors=FILE_ERRORS)
def get_file_extract_folder_error(ctx: CellContext) -> list[Problem]:
    """The ``get_file`` calls the trap wraps, when the cell then failed on a missing file or an
    empty listing on a line after the first of them: the error they explain."""
    problem = wrapped_get_file_calls(ctx, ENTRY)
    if problem is None or ctx.line is None or ctx.line < problem.line:
        return []
    problem.line = ctx.line
    return [problem]
