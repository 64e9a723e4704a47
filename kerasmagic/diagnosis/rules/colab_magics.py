"""Error rule: Colab's ``%tensorflow_version 2.x`` run outside Colab.

Colab notebooks of 2019–2021 chose their TensorFlow with a line magic only Colab defines; today
Colab itself ignores it ("Colab only includes TensorFlow 2.x; %tensorflow_version has no
effect"), and any other Jupyter kernel stops on it ("Line magic function `%tensorflow_version`
not found"), so the notebook stops at its first cell. The line is kept as a comment (``pass``
with the comment inside an indented block), saying why; a ``1.x`` request is said to be
unmet: TensorFlow 1 exists nowhere now.
"""

from __future__ import annotations

import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit
from kerasmagic.diagnosis.rules import rule

MAGIC = re.compile(r"^(?P<indent>[ \t]*)%tensorflow_version\b(?P<rest>.*)$")
NOT_FOUND = "Line magic function `%tensorflow_version` not found"


@rule("colab-tensorflow-version", when=(ERROR,), family="environment", errors=("UsageError",), needs="tensorflow_version")  # fmt: skip
def colab_tensorflow_version(ctx: CellContext) -> list[Problem]:
    """Each ``%tensorflow_version`` line of the cell, outside Colab: kept as a comment."""
    if NOT_FOUND not in ctx.message:
        return []
    edits: list[Edit] = []
    asked = ""
    for number, text in enumerate(ctx.cell.source.splitlines(), start=1):
        found = MAGIC.match(text)
        if found is None:
            continue
        indent, rest = found["indent"], found["rest"].strip()
        asked = asked or rest
        kept = f"%tensorflow_version {rest}".strip()
        new = f"{indent}pass  # {kept}" if indent else f"# {kept}"
        edits.append(Edit(number, 0, number, len(text), new + "  # Colab's magic: no effect today"))
    if not edits:
        return []
    problem = from_entry(
        "colab-tensorflow-version",
        edits[0].line,
        edits,
        ["%tensorflow_version"],
        ctx.shown_versions,
        asked=asked or "2.x",
        tensorflow=ctx.versions.get("tensorflow", "none installed"),
    )
    problem.certain = not asked.startswith("1")  # a TF 1 notebook needs more than this line
    return [problem]
