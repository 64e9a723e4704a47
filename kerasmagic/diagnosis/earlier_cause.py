"""An error whose cause an earlier cell made, examined in that cell.

Some errors are raised cells after the code that causes them: ``Adam(epsilon=None)`` made in one
cell fails only at the ``fit`` of another ("None values not supported"), a model saved to HDF5
in one cell fails at its load in another. The catalogue says which: an entry's ``earlier_cell``.
When the failing cell's own rules (and the cell defining the raising function,
``defining_cell.py``) change nothing, the rules are run on each earlier cell as if it had raised
the same error, the newest first; the first whose problems include such an entry's, with edits,
is the cause. ``migrate`` corrects that cell and runs the notebook again from there
(``migrate/origins.origin_before``); a kernel's ``%%keras_check`` shows the corrected earlier
cell beside the explanation (``CheckResult.earlier_fix``): the cell at hand stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kerasmagic.diagnosis.context import ERROR, STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rules import problems_for
from kerasmagic.knowledge.catalogue import find_entry, load_catalogue


@dataclass
class EarlierFix:
    """The earlier cell that made the cause of a later cell's error: its place among the cells
    run before (``index``, oldest first), its source and its corrected source."""

    index: int
    source: str
    fixed_source: str

    @property
    def first_line(self) -> str:
        """The cell's first line of code, as the user recognises it."""
        lines = [s.strip() for s in self.source.splitlines() if s.strip()]
        return next((s for s in lines if not s.startswith("#")), lines[0] if lines else "")


def made_earlier(problem_id: str) -> bool:
    """Does the catalogue entry ``problem_id`` say its error is raised later than the cell that
    made its cause (``earlier_cell``)?"""
    entry = find_entry(problem_id)
    return entry is not None and bool(entry.data.get("earlier_cell"))


def earlier_cause(ctx: CellContext, problems_of: Callable[[CellContext], list[Problem]]) -> tuple[int, CellContext, list[Problem]] | None:  # fmt: skip
    """``(index, the context of earlier cell index as if it raised ctx's error, its problems)``
    for the newest earlier cell whose problems include one with edits that the catalogue says is
    made earlier; None when no earlier cell is known or none has one."""
    if ctx.exc is None or not ctx.earlier:
        return None
    ids = _earlier_cell_ids()
    for index in range(len(ctx.earlier) - 1, -1, -1):
        later = (*ctx.earlier[index + 1 :], ctx.source, *ctx.later)  # what its fix must not break
        sub = CellContext.of(
            ctx.earlier[index], namespace=ctx.namespace, exc=ctx.exc,
            earlier=ctx.earlier[:index], later=later,
        )  # fmt: skip
        sub.defining_cell = False  # the cell at hand has looked at the other cells already
        # asked first of the rules of such entries alone (most cells have none of their
        # problems), then of every rule: the corrected cell fixes what else that cell has
        if any(p.edits and made_earlier(p.id) for when in (STATIC, ERROR) for p in problems_for(sub, when, only=ids)):  # fmt: skip
            return index, sub, problems_of(sub)
    return None


def _earlier_cell_ids() -> frozenset[str]:
    """The catalogue's entries whose cause is made in an earlier cell (``earlier_cell``)."""
    return frozenset(e.id for e in load_catalogue() if e.data.get("earlier_cell"))
