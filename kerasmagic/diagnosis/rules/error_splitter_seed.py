"""Error rule: scikit-learn 0.24+ refuses a splitter's ``random_state`` without ``shuffle=True``.

``KFold(n_splits=10, random_state=seed)`` (``StratifiedKFold`` …), common in Keras-2-era
cross-validation, raises "Setting a random_state has no effect since shuffle is False. You should
leave random_state to its default (None), or set shuffle=True." Before 0.24 the seed was ignored,
so the folds were the unshuffled ones: removing ``random_state`` keeps them exactly (setting
``shuffle=True`` would change which samples each fold holds). The call is the one on a failing line
that passes ``random_state`` to a class of the live namespace whose signature has ``shuffle``.
"""

from __future__ import annotations

import ast
import inspect
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.known_values import known_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import called_name, delete_keyword_edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "splitter-seed-without-shuffle"


@rule(ENTRY, when=(ERROR,), family="scikit-learn", errors=("ValueError",), needs="random_state")
def splitter_seed(ctx: CellContext) -> list[Problem]:
    """``random_state=`` removed from the failing splitter call (the seed it ignored before)."""
    entry = find_entry(ENTRY)
    if entry is None or ctx.cell.tree is None:
        return []
    if not re.search(entry.data["message"], ctx.message):
        return []
    edits, names = [], []
    lines = ctx.failing_lines
    for call in walk(ctx.cell.tree):
        if not isinstance(call, ast.Call) or call.lineno not in lines:
            continue
        seed = next((k for k in call.keywords if k.arg == "random_state"), None)
        name = called_name(call.func)
        if seed is None or name is None or not _shuffles(ctx.live_names.get(name)):
            continue
        shuffle = next((k for k in call.keywords if k.arg == "shuffle"), None)
        if shuffle is not None and known_value(ctx, shuffle.value) is not False:
            continue  # a shuffle decided at run time: which way it went is not in the source
        edit = delete_keyword_edit(ctx.cell, call, seed)
        if edit is not None:
            edits.append(edit)
            names.append(name)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, ["random_state", *names], splitter=names[0])  # fmt: skip
    problem.certain = True  # the seed did nothing before scikit-learn 0.24: the same folds
    return [problem]


def _shuffles(cls: object) -> bool:
    """A class whose constructor takes ``shuffle`` and ``random_state`` (a splitter)."""
    if not isinstance(cls, type):
        return False
    try:
        params = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False
    return "shuffle" in params and "random_state" in params
