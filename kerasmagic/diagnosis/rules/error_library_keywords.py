"""Error rule: a keyword a library removed, at a value whose meaning another spelling keeps.

Keras-era notebooks scored regressions with ``mean_squared_error(y, p, squared=False)`` (the
root, scikit-learn 1.4 made it ``root_mean_squared_error``, 1.6 removed ``squared``), searched
with ``GridSearchCV(…, iid=False)`` (0.24 removed ``iid``; ``False`` had become the only
behaviour in 0.22), clustered with ``KMeans(n_jobs=4)`` (1.0 removed it: threads are chosen by
OpenMP; it never changed a result).

The catalogue entry ``library-keyword-removed`` holds, per function or class (its top package
and name), each removed keyword and, per value, what keeps its meaning: ``drop`` (the value the
library now always does), ``"*"`` (any value: it changed only speed), or another function of the
same public module (``root_mean_squared_error``). Another value is explained, not rewritten
(``iid=True`` weighted the folds by their size). The evidence is the callee of the failing line:
the kernel's object (its package and name) whose call refused the keyword.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.library_objects import callee_key
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.python_messages import unexpected_keyword
from kerasmagic.diagnosis.rewrite import (
    Edit,
    delete_keyword_edit,
    insertion_line,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "library-keyword-removed"


@rule(ENTRY, when=(ERROR,), family="keyword-arguments", errors=("TypeError",))
def library_keyword_removed(ctx: CellContext) -> list[Problem]:
    """The failing line's call of a catalogued callable with the removed keyword the error names."""
    said = unexpected_keyword(ctx.message)
    entry = find_entry(ENTRY)
    table: dict[str, Any] = entry.data.get("removed", {}) if entry is not None else {}
    if said is None or ctx.cell.tree is None or not table:
        return []
    keyword = said[1]
    calls = [c for c in walk(ctx.cell.tree) if isinstance(c, ast.Call)]
    for call in calls:
        if call.lineno not in ctx.failing_lines:
            continue
        key = callee_key(ctx, call.func)
        spec = table.get(key, {}).get(keyword) if key else None
        given = next((k for k in call.keywords if k.arg == keyword), None)
        if spec is None or given is None:
            continue
        value = node_text(ctx.cell, given.value)
        values: dict[str, str] = spec.get("values", {})
        choice = values.get("*") or values.get(value or "")
        edits: list[Edit] = []
        for other in calls if choice else []:  # every such call of the cell, as the failing one
            same = next((k for k in other.keywords if k.arg == keyword), None)
            if same is None or callee_key(ctx, other.func) != key:
                continue
            if values.get("*") is None and node_text(ctx.cell, same.value) != value:
                continue
            edits += [e for e in _edits(ctx, other, same, choice, spec.get("module", "")) if e not in edits]  # fmt: skip
        name = key.rsplit(".", 1)[-1]  # type: ignore[union-attr]
        problem = from_entry(ENTRY, ctx.line or call.lineno, edits, [keyword], ctx.shown_versions,
                             callable=name, keyword=keyword, value=value, release=spec.get("in", "?"),
                             meaning=spec.get("meaning", ""))  # fmt: skip
        problem.certain = bool(edits)
        return [problem]
    return []


def _edits(ctx: CellContext, call: ast.Call, given: ast.keyword, choice: str, module: str) -> list[Edit]:  # fmt: skip
    """``drop``: the keyword left out; another name: the call of that function of ``module``
    (``metrics.mean_squared_error`` → ``metrics.root_mean_squared_error``), imported where the
    cell calls it by a bare name."""
    removed = delete_keyword_edit(ctx.cell, call, given)
    if removed is None:
        return []
    if choice == "drop":
        return [removed]
    func = call.func
    if isinstance(func, ast.Attribute):
        base = node_text(ctx.cell, func.value)
        renamed = node_edit(ctx.cell, func, f"{base}.{choice}") if base else None
        return [renamed, removed] if renamed else []
    renamed = node_edit(ctx.cell, func, choice)
    if renamed is None or not module:
        return []
    line = insertion_line(ctx.cell)
    return [Edit(line, 0, line, 0, f"from {module} import {choice}\n"), renamed, removed]
