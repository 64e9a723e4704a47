"""Static rule: a name an earlier cell imported from a module Keras keeps only as a stub here
(``from keras.optimizers.legacy import RMSprop`` runs in Keras 3, but ``RMSprop(...)`` raises).

The import ran without error, so the cell that fails is a later one, which has no import to
rewrite. The name is rebound at the top of this cell from where the catalogue's module move
(an entry with a version range that holds here) says the live API keeps it, when that module has
the name and it is another object than the stub. The later static rules then see the real class
(``RMSprop(lr=…)`` gets its keyword renamed in the same corrected cell).
"""

from __future__ import annotations

import ast
import sys
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras_paths import moved_module
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge import api_index
from kerasmagic.knowledge.catalogue import entries_with_rule


def _stub_home(name: str, value: Any, roots: list[str]) -> tuple[str, str, str] | None:
    """``(old module, new module, entry id)`` when ``value`` is ``name`` of a module that a
    module-move entry moves here and the new module holds another object under that name."""
    for entry in entries_with_rule("module-move"):
        if not entry.applies:
            continue  # only the moves that hold for a version range (the old module still loads)
        for old in entry.data.get("moves", {}):
            for root in roots:
                if root.split(".")[0] not in sys.modules:
                    continue
                path = f"{root}.{old}"
                status, module = live.module_status(path)
                if status != live.OK or getattr(module, name, None) is not value:
                    continue
                target = moved_module(path, forced_only=True)
                if target is None:
                    continue
                status, new_module = live.module_status(target[0])
                new = getattr(new_module, name, None) if status == live.OK else None
                if new is not None and new is not value:
                    return path, target[0], target[1]
    return None


@rule("stub-from-earlier-import", when=(STATIC,), family="imports")
def stub_from_earlier_import(ctx: CellContext) -> list[Problem]:
    """A name an earlier cell imported from a stub module (``keras.optimizers.legacy`` in
    Keras 3): imported again in this cell from the module that has the real object."""
    tree = ctx.cell.tree
    if tree is None or not ctx.namespace:
        return []
    scope = ctx.scope
    bound = (set(scope.bindings) - scope.outer) | scope.user_bound  # names the cell binds itself
    first_use: dict[str, int] = {}
    for node in walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
            first_use[node.id] = min(first_use.get(node.id, node.lineno), node.lineno)
    roots: list[str] | None = None  # worked out for the first Keras class met (it indexes them)
    found: dict[tuple[str, str], list[tuple[str, str, int]]] = {}  # (new module, entry) → names
    for name, line in sorted(first_use.items(), key=lambda item: item[1]):
        value = ctx.namespace.get(name)
        if not isinstance(value, type) or not live.is_keras_object(value):
            continue
        if roots is None:  # the cell's own Keras first (tf.keras where it uses TF), then others
            roots = [*scope.preferred_roots(), *api_index.ROOTS]
        home = _stub_home(name, value, roots)
        if home is not None:
            old, new, entry_id = home
            found.setdefault((new, entry_id), []).append((name, old, line))
    at = insertion_line(ctx.cell)
    out: list[Problem] = []
    for (new, entry_id), names in found.items():
        imported = ", ".join(name for name, _, _ in names)
        edit = Edit(at, 0, at, 0, f"from {new} import {imported}\n")
        flat = [n for name, old, _ in names for n in (name, old)]
        out.append(from_entry(entry_id, names[0][2], [edit], flat, ctx.shown_versions))
    return out
