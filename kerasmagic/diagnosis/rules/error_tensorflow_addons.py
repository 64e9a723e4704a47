"""Error rule: ``import tensorflow_addons`` where TensorFlow Addons cannot be (it ended in 2024; its
last release supports TensorFlow 2.15 and Keras 2 only).

Much of what Keras-2-era code took from Addons is in Keras 3 itself: ``AdamW``,
``GroupNormalization``, ``SpectralNormalization``, ``F1Score``, ``gelu``, ``mish``. Where every
Addons name the notebook uses (in this cell, the cells before it, and for ``migrate`` the cells
after it) is one of those, the parts are written into the cell over Keras's own
(``knowledge/written_in/tensorflow_addons.py``), computing what Addons' did where the two differ
(AdamW's decay not scaled by the learning rate, gelu's tanh approximation, instance
normalisation as a group per channel, F1Score's unused ``num_classes``), and each import binds
its name to them: the code after it reads ``tfa.optimizers.AdamW`` as before. The names written
in are the catalogue entry's ``data.written``. A notebook using anything else keeps the import,
and the error is explained (``tensorflow-addons-ended``).
"""

from __future__ import annotations

import ast
import importlib.util

from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, parse_cell, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry
from kerasmagic.knowledge.written_in import written_in

ENTRY = "tensorflow-addons-written-in"
EXPLAINED = "tensorflow-addons-ended"
TOP = "tensorflow_addons"
WRITTEN = "_addons"  # the namespace the written-in module binds


@rule(ENTRY, when=(ERROR,), family="ecosystem", errors=("ModuleNotFoundError",), needs=TOP)
def addons_written_in(ctx: CellContext) -> list[Problem]:
    """The cell's Addons imports bound to Keras's own parts, when those are all the notebook uses."""
    tree = ctx.cell.tree
    if tree is None or f"'{TOP}'" not in ctx.message or importlib.util.find_spec(TOP) is not None:
        return []
    imports = [node for node in walk(tree) if _bound(node)]
    if not imports:
        return []
    written = set(find_entry(ENTRY).data["written"])
    used = _used_paths((*ctx.earlier, ctx.source, *ctx.later))
    missing = sorted(p for p in used if not any(w == p or w.startswith(p + ".") for w in written))
    if missing:
        return [from_entry(EXPLAINED, ctx.line or 1, [], [TOP, *missing])]
    edits = [edit for node in imports if (edit := _binding_edit(ctx, node)) is not None]
    if len(edits) != len(imports):
        return []
    if WRITTEN not in (ctx.namespace or {}):  # an earlier cell's parts, in the kernel already
        at = imports[0].lineno
        edits.insert(0, Edit(at, 0, at, 0, written_in("tensorflow_addons") + "\n"))
    problem = from_entry(ENTRY, ctx.line or imports[0].lineno, edits, [TOP, *sorted(used)])
    problem.certain = True  # Keras's own parts, computing what Addons' did
    return [problem]


def _bound(node: ast.AST) -> dict[str, str]:
    """The names an import of Addons binds, each with its Addons path ("" for the package)."""
    if isinstance(node, ast.Import):
        return {
            (a.asname or a.name.split(".")[0]): (a.name.partition(".")[2] if a.asname else "")
            for a in node.names
            if a.name.split(".")[0] == TOP
        }
    if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == TOP and not node.level:  # fmt: skip
        base = (node.module or "").partition(".")[2]
        return {(a.asname or a.name): ".".join(p for p in (base, a.name) if p) for a in node.names}
    return {}


def _used_paths(sources: tuple[str, ...]) -> set[str]:
    """Every Addons path the sources (cells, in order) read: an import's own name, and each
    attribute chain on a name an import binds (``tfa.optimizers.AdamW`` → ``optimizers.AdamW``),
    in its cell or a later one."""
    used: set[str] = set()
    names: dict[str, str] = {}  # the names bound so far, cell after cell
    for source in sources:
        tree = parse_cell(source).tree
        if tree is None or not (TOP in source or any(name in source for name in names)):
            continue
        for node in walk(tree):
            names.update(_bound(node))
        used.update(path for path in names.values() if path)
        for node in walk(tree):
            text = dotted(node) if isinstance(node, ast.Attribute) else None
            head, _, rest = (text or "").partition(".")
            if head in names and rest:
                used.add(".".join(p for p in (names[head], rest) if p))
    # a chain's prefixes are read on the way to it (``optimizers`` of ``optimizers.AdamW``)
    return {p for p in used if not any(o.startswith(p + ".") for o in used)}


def _binding_edit(ctx: CellContext, node: ast.stmt) -> Edit | None:
    """The import as assignments of its names to the written-in parts (one line each); None
    when it also imports something else (``import os, tensorflow_addons``)."""
    names = _bound(node)
    if len(names) != len(getattr(node, "names", ())):
        return None
    lines = [
        f"{name} = {'.'.join(p for p in (WRITTEN, path) if p)}" for name, path in names.items()
    ]
    return node_edit(ctx.cell, node, ("\n" + " " * node.col_offset).join(lines))
