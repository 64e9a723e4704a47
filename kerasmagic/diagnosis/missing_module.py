"""The problem of an import whose top-level package is not installed, in the words of its
catalogue entry: install the distribution known to provide it (``package-not-installed``), or
the near name (``import-typo``: ``tensorfow`` → ``tensorflow``), or, for a name kerasmagic does
not know, how to find the distribution — never an install of the name as written
(``knowledge/missing_modules.py`` decides which)."""

from __future__ import annotations

import sys

from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.knowledge.catalogue import fill, find_entry
from kerasmagic.knowledge.installs import code_for
from kerasmagic.knowledge.missing_modules import missing_module

NOT_INSTALLED = "package-not-installed"
TYPO = "import-typo"
IDS = (NOT_INSTALLED, TYPO)


def missing_module_problem(top: str, line: int) -> Problem | None:
    """The problem of ``import top`` where no package provides ``top`` (uncertain: the cell may
    mean another module, or the package be installed for another Python)."""
    entry = find_entry(NOT_INSTALLED)
    if entry is None:
        return None
    advice = missing_module(top)
    values: dict[str, object] = {"module": top, "python": sys.executable}
    if advice.distribution is not None:
        values["distribution"] = advice.distribution
        problem = from_entry(NOT_INSTALLED, line, [], [top], {}, **values)
        problem.fix_code = code_for(
            entry, lambda text: fill(text, values), f"%pip install {advice.distribution}"
        )
    elif advice.near is not None:
        then = ""
        if advice.near_installed:
            state = "installed here"
        else:
            state = (
                f"the import of the distribution `{advice.near_distribution}`, not installed here"
            )
            then = (
                f" Then install it into this kernel with `%pip install {advice.near_distribution}`."
            )
        problem = from_entry(
            TYPO, line, [], [top], {}, near=advice.near, near_state=state,
            then=then, **values,
        )  # fmt: skip
    else:
        problem = from_entry(NOT_INSTALLED, line, [], [top], {}, **values)
        problem.fix = fill(str(entry.data.get("fix_unknown", "")), values)
        problem.fix_code = None
    problem.certain = False
    return problem
