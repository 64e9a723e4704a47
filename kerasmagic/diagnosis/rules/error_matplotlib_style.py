"""Error rule: a Matplotlib style that Matplotlib renamed (``plt.style.use('seaborn-whitegrid')``).

Matplotlib 3.6 renamed the styles it shipped from seaborn 0.8 to ``seaborn-v0_8-…`` (the seaborn
library had changed its look, so the old names no longer matched it) and 3.8 removed the old
names: "'seaborn-whitegrid' is not a valid package style, path of style file, URL of style file,
or library style name". Keras-2-era notebooks set one of them before plotting their training
curves. The message names the style; the live ``matplotlib.style.available`` holds its new name.
The name is changed where the value is made (``diagnosis/value_change.py``: the literal of the
call, or of the variable an earlier cell set), so the same plots are drawn the same way."""

from __future__ import annotations

import ast
import re
import sys

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import Transform
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "matplotlib-style-renamed"
NOT_A_STYLE = re.compile(r"^'(?P<name>[^']+)' (?:is not a valid package style|not found in the style library)")  # fmt: skip
USERS = ("style.use", "style.context")


@rule(ENTRY, when=(ERROR,), family="renamed-names", errors=("OSError",), needs=r"\bstyle")
def matplotlib_style(ctx: CellContext) -> list[Problem]:
    """The style the message names, and any other renamed style beside it, in the failing
    ``style.use``/``style.context`` calls, renamed as Matplotlib renamed them (each new name one
    ``matplotlib.style.available`` lists)."""
    found = NOT_A_STYLE.search(ctx.message or "")
    tree = ctx.cell.tree
    if found is None or tree is None:
        return []
    old = found.group("name")
    new = _renamed(old)
    if new is None:
        return []
    # every renamed style of the call (the next one of a list would fail next), not only the named
    transform = Transform(f"be `{new}`", literal=_renamed)
    edits: list[Edit] = []
    across: list[Edit] = []
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and call.args and call.lineno in ctx.failing_lines):
            continue
        path = ctx.scope.bound_path(call.func) or ""
        if not path.startswith("matplotlib") or not path.endswith(USERS):
            continue
        argument = call.args[0]
        for value in argument.elts if isinstance(argument, (ast.List, ast.Tuple)) else [argument]:
            change = rewrite(ctx, value, transform)
            if change is not None:
                edits += change.edits
                across += change.across
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [old], ctx.shown_versions,
                         old=old, new=new, matplotlib=_version())  # fmt: skip
    problem.across = across or None
    problem.certain = True
    return [problem]


def _renamed(old: str) -> str | None:
    """The name Matplotlib gave style ``old``, when the live style library has it."""
    style = sys.modules.get("matplotlib.style")
    available = getattr(style, "available", None) or []
    entry = find_entry(ENTRY)
    prefixes = entry.data.get("renamed_prefixes", {}) if entry is not None else {}
    for before, after in prefixes.items():
        if old == before or old.startswith(before + "-"):
            new = after + old[len(before) :]
            return new if new in available else None
    return None


def _version() -> str:
    return str(getattr(sys.modules.get("matplotlib"), "__version__", "")) or "here"
