"""Error rule: a ``NameError`` for a usual alias (``tf``, ``np``, ``K``) gets its import."""

from __future__ import annotations

import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import looked_up_here
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    insertion_line,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import entries_with_rule


@rule("import-tf-alias", when=(ERROR,), family="imports", errors=("NameError",))
def name_error_alias(ctx: CellContext) -> list[Problem]:
    """``NameError: name 'tf' is not defined``: the usual alias's import, where its package is
    installed, inserted at the top of the cell."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    match = re.search(r"name '([A-Za-z_]\w*)' is not defined", message)
    if not match or not looked_up_here(exc, namespace, ctx.filename):
        return []  # a module's code raised: the cell's import would not bind its name
    alias = match.group(1)
    for entry in entries_with_rule("module-alias"):
        target = entry.data.get("aliases", {}).get(alias)
        if not target or not live.top_exists(target.split(".")[0]):
            continue
        at = insertion_line(cell)
        if "." in target:
            parent, _, last = target.rpartition(".")
            statement = f"from {parent} import {last} as {alias}\n" if alias != last else ""
            if alias == "plt":
                statement = f"import {target} as {alias}\n"
        else:
            statement = f"import {target} as {alias}\n"
        edit = Edit(at, 0, at, 0, statement)
        return [from_entry(entry.id, line or at, [edit], [alias], alias=alias, module=target)]
    return []
