"""Static rule: Keras 1's functional ``merge([a, b], mode='concat', concat_axis=1)``, which Keras 2
replaced with one function per mode (``concatenate([a, b], axis=1)``, ``add``, ``multiply`` …) and
later releases removed. The mode must be a literal the catalogue maps, and every other keyword one
it maps too (``output_shape``, ``node_indices`` … have no counterpart: no rewrite then)."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "keras1-merge-function"


@rule(ENTRY, when=(STATIC,), family="renamed-names", needs=r"\bmerge\b")
def keras1_merge(ctx: CellContext) -> list[Problem]:
    """Each ``merge(…, mode='…')`` call whose ``merge`` is Keras's and missing here becomes the
    function of its mode, which the live Keras has; ``from … import merge`` imports those."""
    entry = find_entry(ENTRY)
    tree = ctx.cell.tree
    if entry is None or tree is None:
        return []
    modes: dict[str, dict] = entry.data.get("modes", {})
    edits: list[Edit] = []
    used: dict[str, str] = {}  # new function → the module it is reached through
    for call in walk(tree):
        if not isinstance(call, ast.Call):
            continue
        module = _missing_merge(ctx, call.func)
        if module is None:
            continue
        new = _new_call(ctx, call, modes, module)
        if new is None:
            return []  # one merge the catalogue cannot map: the imports must stay as they are
        function, edit = new
        used.setdefault(function, module)
        edits.append(edit)
    if not edits:
        return []
    imports = _import_edits(ctx, tree, list(used))
    if imports is None:
        return []
    names = sorted(used)
    problem = from_entry(
        ENTRY,
        min(e.line for e in edits),
        imports + edits,
        ["merge", *names],
        ctx.shown_versions,
        new=", ".join(f"`{n}`" for n in names),
    )
    problem.certain = True
    return [problem]


def _missing_merge(ctx: CellContext, func: ast.expr) -> str | None:
    """The Keras layers module ``func`` (``merge`` or ``layers.merge``) reads ``merge`` from,
    when that module is here and has no ``merge``."""
    if isinstance(func, ast.Name) and func.id == "merge":
        path = ctx.scope.bindings.get("merge", "")
    elif isinstance(func, ast.Attribute) and func.attr == "merge":
        base = func.value
        parts: list[str] = []
        while isinstance(base, ast.Attribute):
            parts.append(base.attr)
            base = base.value
        if not isinstance(base, ast.Name) or base.id not in ctx.scope.bindings:
            return None
        path = ".".join([ctx.scope.bindings[base.id], *reversed(parts), "merge"])
    else:
        return None
    module = path.rpartition(".")[0]
    if module.split(".")[0] not in live.KERAS_TOPS or not module.endswith("layers"):
        return None
    status, obj = live.module_status(module)
    if status != live.OK or live.has_attr(obj, module, "merge"):
        return None
    return module


def _new_call(ctx: CellContext, call: ast.Call, modes: dict[str, dict], module: str) -> tuple[str, Edit] | None:  # fmt: skip
    """``(function, edit)``: the call spelt with its mode's function and keywords."""
    keywords = {kw.arg: kw for kw in call.keywords}
    mode_kw = keywords.pop("mode", None)
    if None in keywords or len(call.args) != 1:
        return None
    mode = mode_kw.value if mode_kw is not None else ast.Constant("sum")  # Keras 1's default
    spec = modes.get(mode.value) if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else None  # fmt: skip
    if spec is None:
        return None
    function = spec["function"]
    status, obj = live.module_status(module)
    if status != live.OK or not live.has_attr(obj, module, function):
        return None
    renames: dict[str, str] = spec.get("keywords", {})
    parts = [node_text(ctx.cell, call.args[0])]
    passed = set()
    for name, kw in keywords.items():
        new = renames.get(name, name if name == "name" else None)
        if new is None:
            return None  # output_shape, node_indices …: no counterpart
        parts.append(f"{new}={node_text(ctx.cell, kw.value)}")
        passed.add(new)
    for name, value in spec.get("defaults", {}).items():  # Keras 1 defaults the new one lacks
        if name not in passed:
            parts.append(f"{name}={value}")
    if any(p is None for p in parts):
        return None
    func_text = node_text(ctx.cell, call.func) or "merge"
    callee = func_text[: -len("merge")] + function
    edit = node_edit(ctx.cell, call, f"{callee}({', '.join(p for p in parts if p)})")
    return (function, edit) if edit is not None else None


def _import_edits(ctx: CellContext, tree: ast.AST, functions: list[str]) -> list[Edit] | None:
    """``from keras.layers import Dense, merge`` → ``… import Dense, concatenate`` (the functions
    the calls now use); no edit when ``merge`` is read from a module binding."""
    edits: list[Edit] = []
    for node in walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        for alias in node.names:
            if alias.name != "merge":
                continue
            if alias.asname or any(f in ctx.scope.user_bound for f in functions):
                return None
            edit = node_edit(ctx.cell, alias, ", ".join(sorted(functions)))
            if edit is None:
                return None
            edits.append(edit)
    return edits
