"""Packages that ended with Keras 2 (TensorFlow Addons, keras-contrib) whose parts a notebook uses
are written into its cell (``knowledge/written_in``): one procedure for each such package, given
its top module, its catalogue entries, the written-in module and how a dotted path names a part
of it. Where every part the notebook uses (its cells before, this one, and for ``migrate`` the
cells after) is written in, the module goes in at the first import and each import binds its
names to the parts; else the import stays and the package's end is explained."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit
from kerasmagic.diagnosis.written_in_bindings import (
    PartOf,
    binding_edit,
    binding_imports,
    covered,
    used_parts,
)
from kerasmagic.knowledge.catalogue import find_entry
from kerasmagic.knowledge.written_in import written_in


@dataclass(frozen=True)
class EndedPackage:
    top: str  # its top module (``tensorflow_addons``)
    entry: str  # the catalogue entry of the parts written in; ``data.written`` lists them
    explained: str  # the entry explaining the end, when the notebook uses a part not written in
    module: str  # ``knowledge/written_in/{module}.py``
    namespace: str  # the name that module binds (``_addons``)
    part_of: PartOf


def written_in_package(ctx: CellContext, package: EndedPackage) -> list[Problem]:
    """The cell's imports of ``package`` bound to the parts written in, when those are all the
    notebook uses; the end explained when it uses another."""
    tree, top = ctx.cell.tree, package.top
    if tree is None or f"'{top}" not in ctx.message or importlib.util.find_spec(top) is not None:
        return []
    imports = binding_imports(tree, package.part_of)
    used = used_parts((*ctx.earlier, ctx.source, *ctx.later), package.part_of, (top,))
    if not imports or used is None:
        return []
    missing = covered(used, find_entry(package.entry).data["written"])
    if missing:
        parts = ", ".join(f"`{part}`" for part in missing)
        return [from_entry(package.explained, ctx.line or 1, [], [top, *missing], parts=parts)]
    edits = [e for node in imports if (e := binding_edit(ctx.cell, node, package.part_of, package.namespace))]  # fmt: skip
    if len(edits) != len(imports):
        return []
    if package.namespace not in (ctx.namespace or {}):  # an earlier cell's parts, in the kernel
        at = imports[0].lineno
        edits.insert(0, Edit(at, 0, at, 0, written_in(package.module) + "\n"))
    parts = ", ".join(f"`{part}`" for part in sorted(used))
    problem = from_entry(package.entry, ctx.line or imports[0].lineno, edits, [top, *sorted(used)], parts=parts)  # fmt: skip
    problem.certain = True  # Keras's own parts, computing what the package's did
    return [problem]
