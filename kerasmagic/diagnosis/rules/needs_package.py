"""Rules on what a Keras class needs at run time that is not here: ``ImageDataGenerator``'s
transforms need SciPy (catalogue entry ``image-transforms-need-scipy``).

What the class needs is read from its live module: tf_keras and Keras 2 import SciPy once, when
the image module is imported (a module without a ``scipy`` global cannot transform at all);
Keras 3's legacy copy holds a lazy module that loads SciPy for the geometric transforms only. A
corrected cell that draws transformed images where that fails is not offered (the problem is
uncertain, which the verification of every corrected cell refuses); the install line is.
"""

from __future__ import annotations

import ast
import re
import sys
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import Entry, find_entry

ENTRY = "image-transforms-need-scipy"
MESSAGE = "keras-needs-scipy"
EAGER, LAZY = "eager", "lazy"
_MISSING = object()


def package_gap(cls: Any, package: str) -> str | None:
    """How ``cls``'s own module lacks ``package``: EAGER (its import-time ``import`` failed: the
    module has no usable global), LAZY (a lazy module that cannot load it), or None (usable)."""
    module = sys.modules.get(getattr(cls, "__module__", "") or "")
    if module is None:
        return None
    held = vars(module).get(package, _MISSING)
    if held is _MISSING or held is None:
        return EAGER
    available = getattr(type(held), "available", None)
    if isinstance(available, property):  # Keras 3's LazyModule: tries the import once
        try:
            return None if held.available else LAZY
        except Exception:
            return LAZY
    return None


def _draws(tree: ast.Module, entry: Entry) -> bool:
    """Does the cell draw transformed images (a batch, a transform) in this very cell?"""
    draws = set(entry.data.get("draws", []))
    iterators = set(entry.data.get("iterators", []))
    made: set[str] = set()  # names bound to `gen.flow…(…)`
    for node in walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr in iterators:
                made.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for node in walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in draws:
                return True
        elif isinstance(node, (ast.For, ast.comprehension)):
            if isinstance(node.iter, ast.Name) and node.iter.id in made:
                return True
        elif isinstance(node, ast.Subscript):
            if isinstance(node.value, ast.Name) and node.value.id in made:
                return True
    return False


def _needs(call: ast.Call, gap: str, entry: Entry) -> bool:
    if gap == EAGER:
        return True
    affine = set(entry.data.get("affine_arguments", []))
    for kw in call.keywords:
        if kw.arg in affine:
            try:
                value = ast.literal_eval(kw.value)
            except Exception:
                return True  # not a literal: may be a transform
            if value not in (0, 0.0, None, (0, 0), [0, 0]):
                return True
    return False


def _problem(ctx: CellContext, entry: Entry, line: int, cls: Any, gap: str) -> Problem:
    """The entry worded for ``cls`` (None: not known) and how its module lacks the package."""
    name = getattr(cls, "__name__", None) or "ImageDataGenerator"
    path = f"{cls.__module__}.{name}" if cls is not None else name
    problem = from_entry(
        entry.id,
        line,
        [],
        [name, entry.data.get("package", "scipy")],
        ctx.shown_versions,
        name=name,
        path=path,
        how=entry.data.get(f"how_{gap}", ""),
        when=entry.data.get(f"when_{gap}", ""),
    )
    return problem


@rule(ENTRY, when=(STATIC,), family="packages", needs=r"ImageDataGenerator")
def image_transforms_need_scipy(ctx: CellContext) -> list[Problem]:
    """``ImageDataGenerator(…)`` whose transforms need SciPy where its module cannot have it;
    uncertain (no corrected cell offered) when the cell itself draws transformed images."""
    entry = find_entry(ENTRY)
    if entry is None or ctx.cell.tree is None:
        return []
    classes = set(entry.data.get("classes", []))
    package = entry.data.get("package", "scipy")
    draws = None
    out: list[Problem] = []
    for node in walk(ctx.cell.tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if ctx.scope.renamed.get(name, name) not in classes:
            continue
        found = ctx.scope.callee(func)
        if not found or not isinstance(found[0], type):
            continue
        gap = package_gap(found[0], package)
        if gap is None or not _needs(node, gap, entry):
            continue
        if draws is None:
            draws = _draws(ctx.cell.tree, entry)
        problem = _problem(ctx, entry, node.lineno, found[0], gap)
        problem.certain = not draws
        out.append(problem)
        break  # one finding says it for every generator of the cell
    return out


@rule(MESSAGE, when=(ERROR,), family="packages")
def scipy_missing_message(ctx: CellContext) -> list[Problem]:
    """Keras's own "needs SciPy" errors (raised inside a Keras module) where no generator of the
    cell was found statically (it was made by an earlier cell): the install line."""
    entry = find_entry(MESSAGE)
    if entry is None:
        return []
    wanted = entry.match.get("exception", [])
    if not ctx.error_is(*wanted) or not re.search(entry.match.get("message", "$^"), ctx.message):
        return []
    if _raising_module(ctx.exc).split(".")[0] not in live.KERAS_TOPS:
        return []  # the cell's own code uses scipy without importing it
    if "ImageDataGenerator" in ctx.source and image_transforms_need_scipy(ctx):
        return []  # the static rule above says it, with the cell's own generator
    problem = from_entry(MESSAGE, ctx.line or 1, [], ["scipy"], ctx.shown_versions)
    problem.certain = False
    problem.explanation = True
    return [problem]


def _raising_module(exc: BaseException | None) -> str:
    tb = getattr(exc, "__traceback__", None)
    name = ""
    while tb is not None:
        name = tb.tb_frame.f_globals.get("__name__", "") or ""
        tb = tb.tb_next
    return name if isinstance(name, str) else ""
