"""Static rule on import statements: modules and names that cannot resolve here, moved or renamed
in the live API, usual aliases written as modules, packages not installed at all.

The rewrites are a fact of the context (``CellContext.import_fixes``, made by
``diagnosis/import_rewrites.py``): the rules after this one read the names they bind."""

from __future__ import annotations

from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rules import rule


@rule("unresolvable-import", when=(STATIC,), family="imports", needs=r"import")
def imports(ctx: CellContext) -> list[Problem]:
    """Imports that cannot resolve here, rewritten to where the live API has them."""
    fixes = ctx.import_fixes
    return list(fixes.reported("unresolvable-import", fixes.problems))
