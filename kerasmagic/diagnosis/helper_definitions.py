"""Definitions a corrected cell writes for a function a library removed (``scipy.misc.imsave``,
``GridSearchCV.grid_scores_``): the old behaviour as a function of the cell's own, written once,
before the top-level statement that first uses it (before its decorators, for a decorated one)."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.rewrite import Edit


def defined_before(statement: ast.stmt, definition: str) -> Edit:
    """``definition`` (a ``def`` at column 0) inserted right before the top-level
    ``statement``, with a blank line after it."""
    decorators = getattr(statement, "decorator_list", [])
    first = min([d.lineno for d in decorators] + [statement.lineno])
    return Edit(first, 0, first, 0, definition.rstrip("\n") + "\n\n\n")
