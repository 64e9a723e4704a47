"""Error rule: Keras 2's ``keras.utils.conv_utils`` (and ``keras.backend.normalize_data_format``),
whose helpers custom layers called, where the Keras the code imports has no such module.

Keras 2.13 moved the module into the private ``keras.src``; Keras 3 removed it, and only some of
its helpers have private successors, under other names and with other checks. When every helper
the notebook reads (in this cell, the cells before it, and for ``migrate`` the cells after it)
is one Keras 2 had, they are written into the cell as Keras 2 computed them
(``knowledge/written_in/conv_utils.py``), or imported from the live private module where the
installed Keras still has one (Keras 2.13-2.15's ``keras.src.utils.conv_utils``); each import
binds its names to them and each ``K.normalize_data_format`` reads them, so the layer's code
reads as before. Evidence: the error names the module or the helper; the live Keras lacks it.
"""

from __future__ import annotations

import ast
import re
import types

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.context import ERROR, STATIC, CellContext
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, top_level_start, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.written_in_bindings import (
    binding_edit,
    binding_imports,
    covered,
    used_parts,
)
from kerasmagic.knowledge.catalogue import find_entry
from kerasmagic.knowledge.written_in import written_in

ENTRY = "keras2-conv-utils-written-in"
WRITTEN = "_conv_utils"  # the namespace the written-in module binds
NAMES = ("conv_utils", "normalize_data_format")
BACKEND_HELPER = "normalize_data_format"  # Keras 2's backend had it too
_ROOT = r"(?P<root>tensorflow\.keras|tf_keras|keras)(?:\.src)?"
_MODULE = re.compile(rf"{_ROOT}\.utils\.conv_utils(?:\.(?P<part>[\w.]+))?")
_BACKEND = re.compile(rf"{_ROOT}\.backend\.(?P<part>{BACKEND_HELPER})")


@rule(ENTRY, when=(STATIC, ERROR), family="removed-apis", errors=("ModuleNotFoundError", "ImportError", "AttributeError"), needs=NAMES)  # fmt: skip
def conv_utils_written_in(ctx: CellContext) -> list[Problem]:
    """The cell's conv_utils imports and backend reads bound to Keras 2's helpers, where the
    live Keras has neither (the module does not import here, the backend lacks the helper):
    before the cell runs too, beside another error's fix."""
    tree = ctx.cell.tree
    if tree is None:
        return []
    imports = binding_imports(tree, _part_of)
    reads = [node for node in walk(tree) if _backend_read(ctx, node)]
    used = used_parts((*ctx.earlier, ctx.source, *ctx.later), _part_of, NAMES)
    if not (imports or reads) or used is None or not all(_fails_here(node) for node in imports):
        return []
    used |= {BACKEND_HELPER} if reads else set()
    if covered(used, find_entry(ENTRY).data["written"]):
        return []  # a helper Keras 2 never had: not this module's
    edits = [edit for node in imports if (edit := binding_edit(ctx.cell, node, _part_of, WRITTEN))]
    if len(edits) != len(imports):
        return []
    edits += [edit for node in reads if (edit := node_edit(ctx.cell, node, f"{WRITTEN}.{node.attr}"))]  # fmt: skip
    home = _live_home(ctx, [*imports, *reads], used)
    if WRITTEN not in (ctx.namespace or {}):  # an earlier cell's helpers, in the kernel already
        at = top_level_start(tree, min(e.line for e in edits))
        text = f"from {home.rpartition('.')[0]} import conv_utils as {WRITTEN}" if home else written_in("conv_utils")  # fmt: skip
        edits.insert(0, Edit(at, 0, at, 0, text + "\n"))
    gone = "keras.backend.normalize_data_format" if not imports else "keras.utils.conv_utils"
    module = next((m.group(0) for n in imports for p in _paths(n) if (m := _MODULE.match(p))), gone)  # fmt: skip
    problem = from_entry(
        ENTRY,
        ctx.line or edits[-1].line,
        edits,
        [module, *sorted(used)],
        ctx.shown_versions,
        module=module if not imports else module.split(".conv_utils")[0] + ".conv_utils",
        parts=", ".join(f"`{p}`" for p in sorted(used)),
        written=WRITTEN,
        home=home or "Keras 2.2-2.15's conv_utils",
    )
    problem.certain = True  # Keras 2's own computation
    return [problem]


def _part_of(path: str) -> str | None:
    """``keras.utils.conv_utils.normalize_tuple`` → ``normalize_tuple`` (the module: ``""``);
    ``keras.backend.normalize_data_format`` → ``normalize_data_format``."""
    match = _MODULE.fullmatch(path) or _BACKEND.fullmatch(path)
    return (match.group("part") or "") if match else None


def _fails_here(node: ast.AST) -> bool:
    """Does the import fail here: the conv_utils module it names does not import in the live
    Keras?"""
    path = next(p for p in _paths(node) if _MODULE.match(p))  # a binding import names one
    module = path[: path.index(".conv_utils") + len(".conv_utils")]
    return live.module_status(module)[0] == live.MISSING


def _paths(node: ast.AST) -> list[str]:
    """The dotted paths an import names (``from M import a`` → ``M.a``)."""
    if isinstance(node, ast.ImportFrom):
        return [f"{node.module}.{a.name}" for a in node.names]
    return [a.name for a in getattr(node, "names", ())]


def _backend_read(ctx: CellContext, node: ast.AST) -> bool:
    """Is ``node`` ``K.normalize_data_format`` on a live Keras backend module that lacks it?"""
    if not (isinstance(node, ast.Attribute) and node.attr == BACKEND_HELPER and dotted(node.value)):  # fmt: skip
        return False
    base = live_value(node.value, ctx.namespace or {})
    name = getattr(base, "__name__", "") if isinstance(base, types.ModuleType) else ""
    return "backend" in name.split(".") and not hasattr(base, BACKEND_HELPER)


def _live_home(ctx: CellContext, nodes: list[ast.AST], used: set[str]) -> str | None:
    """``<package>.src.utils.conv_utils`` of the Keras package the code reads (Keras 2.13-2.15),
    when it holds every helper used; None: written in."""
    packages = {m.group("root") for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom)) for p in _paths(n) if (m := _MODULE.match(p) or _BACKEND.match(p))}  # fmt: skip
    packages |= {_package_of(live_value(n.value, ctx.namespace or {})) for n in nodes if isinstance(n, ast.Attribute)}  # fmt: skip
    for package in sorted(p for p in packages if p):
        if package == "tensorflow.keras":
            package = _package_of(live.resolve_path("tensorflow.keras.layers.Layer")[1])
        path = f"{package}.src.utils.conv_utils"
        status, module = live.module_status(path, allow_import=True)
        if status == live.OK and all(hasattr(module, part) for part in used):
            return path
    return None


def _package_of(value: object) -> str:
    """The top package a live module or class comes from (``keras``, ``tf_keras``)."""
    name = getattr(value, "__module__", None) or getattr(value, "__name__", None) or ""
    return name.split(".")[0] if isinstance(name, str) else ""
