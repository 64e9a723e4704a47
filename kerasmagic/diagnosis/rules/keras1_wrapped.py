"""Static rule: Keras 1 layers that Keras 2 replaced by a wrapper around another layer
(``TimeDistributedDense(10, activation='relu')`` is ``TimeDistributed(Dense(10,
activation='relu'))``). Each call of such a name, imported from a Keras layers module that no
longer has it, is spelt as the wrapper around the layer with the same arguments (the import
rewrite, ``diagnosis/import_rewrites.py``, imports the wrapper and the layer from the same table).
Both must exist in the live Keras; the table is the catalogue's."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "keras1-wrapped-layer"


@rule(ENTRY, when=(STATIC,), family="renamed-names", needs="TimeDistributedDense")
def keras1_wrapped_layer(ctx: CellContext) -> list[Problem]:
    """Each ``TimeDistributedDense(…)`` call whose name is gone here: ``TimeDistributed(Dense(…))``."""
    entry = find_entry(ENTRY)
    tree = ctx.cell.tree
    if entry is None or tree is None:
        return []
    table: dict[str, dict] = entry.data.get("layers", {})
    problems: list[Problem] = []
    for old, spec in table.items():
        module = _missing_in(ctx, old)
        imports: list[Edit] | None = []
        if module is None:  # an earlier cell imported it, and that import was corrected
            module = _unbound_calls(ctx, old, spec)
            imports = _imports_needed(ctx, module, spec) if module is not None else None
        if module is None or imports is None or not all(_exists(module, spec[k]) for k in ("wrapper", "layer")):  # fmt: skip
            continue
        edits = _call_edits(ctx, old, spec)
        if not edits:
            continue
        edits = imports + edits
        problem = from_entry(
            ENTRY, edits[0].line, edits, [old], ctx.shown_versions, old=old,
            new=f"{spec['wrapper']}({spec['layer']}(…))",
        )  # fmt: skip
        problem.certain = True
        problems.append(problem)
    return problems


def _missing_in(ctx: CellContext, old: str) -> str | None:
    """The Keras layers module the cell imports ``old`` from, when it has no ``old`` here."""
    path = ctx.scope.bindings.get(old, "")
    module, _, last = path.rpartition(".")
    if last != old or module.split(".")[0] not in live.KERAS_TOPS:
        return None
    layers = module if module.endswith("layers") else module.rpartition(".")[0]
    if not layers.endswith("layers"):
        return None
    status, obj = live.module_status(layers)
    if status != live.OK or live.has_attr(obj, layers, old):
        return None
    return layers


def _unbound_calls(ctx: CellContext, old: str, spec: dict) -> str | None:
    """The Keras layers module for the cell's calls of ``old`` when nothing in the kernel binds
    it (a notebook's or script's import cell before, already corrected to import the wrapper):
    the layers module whose wrapper the namespace holds, else the one of the Keras the cell
    uses; None where ``old`` is bound, or no kernel is there to say it is not."""
    names = ctx.namespace
    if names is None or old in names or old in ctx.scope.bindings or old in ctx.scope.user_bound:
        return None
    if not any(isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == old for c in walk(ctx.cell.tree)):  # fmt: skip
        return None
    modules = [f"{root}.layers" for root in ctx.scope.preferred_roots()]
    held = names.get(spec["wrapper"])
    if held is not None:
        return next((m for m in modules if live.module_holds(m, spec["wrapper"], held)), None)
    return modules[0] if modules else None


def _imports_needed(ctx: CellContext, module: str, spec: dict) -> list[Edit] | None:
    """The import of the wrapper and the layer at the top of the cell, for those the kernel does
    not hold as ``module``'s; None when a name is bound to something else."""
    missing = []
    for name in (spec["wrapper"], spec["layer"]):
        held = (ctx.namespace or {}).get(name)
        if held is None and name not in ctx.scope.bindings and name not in ctx.scope.user_bound:
            missing.append(name)
        elif held is None or not live.module_holds(module, name, held):
            return None
    at = insertion_line(ctx.cell)
    return [Edit(at, 0, at, 0, f"from {module} import {', '.join(missing)}\n")] if missing else []


def _exists(module: str, name: str) -> bool:
    status, obj = live.module_status(module)
    return status == live.OK and live.has_attr(obj, module, name)


def _call_edits(ctx: CellContext, old: str, spec: dict) -> list[Edit] | None:
    edits: list[Edit] = []
    for call in walk(ctx.cell.tree):
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
            continue
        if call.func.id != old:
            continue
        text = node_text(ctx.cell, call)
        if text is None or not text.startswith(old + "("):
            return None
        edit = node_edit(ctx.cell, call, f"{spec['wrapper']}({spec['layer']}{text[len(old):]})")
        if edit is None:
            return None
        edits.append(edit)
    return edits
