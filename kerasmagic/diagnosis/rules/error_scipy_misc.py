"""Error rule: SciPy's image functions (``scipy.misc.imsave``, ``imread``), which Keras-2-era
notebooks used to write generated images (deep dream, style transfer, GAN samples) and to read
pictures; SciPy 1.2 removed them (they were Pillow wrappers), so a SciPy of today raises
"module 'scipy.misc' has no attribute 'imsave'" or "cannot import name 'imsave' from
'scipy.misc'".

The corrected cell defines each function it uses as SciPy did it, over Pillow (read live: Pillow
must be importable here): ``imsave`` scales an array that is not of bytes from its own minimum
and maximum to 0-255 (SciPy's ``bytescale``; bytes are written as they are), ``imread`` converts
to the ``mode`` asked for and palette images to RGB(A), and ``flatten`` gives grey floats. An
import ``from scipy.misc import imsave`` becomes the definition, under the name it bound; a use
of ``scipy.misc.imsave`` calls the definition, written before the statement that first uses it.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.helper_definitions import defined_before
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "scipy-misc-image-removed"
MODULE = "scipy.misc"
CANNOT_IMPORT = re.compile(r"cannot import name '(?P<name>\w+)' from 'scipy\.misc'")
# each function as SciPy <= 1.1 did it, over Pillow ({name}: the name the cell binds it to)
DEFINITIONS = {
    "imsave": '''def {name}(name, arr, format=None):
    """scipy.misc.imsave (SciPy < 1.2): an array not of bytes is scaled to 0-255 from its own
    minimum and maximum, as SciPy's bytescale did; then Pillow writes it."""
    import numpy
    from PIL import Image
    arr = numpy.asarray(arr)
    if arr.dtype != numpy.uint8:
        low, high = float(arr.min()), float(arr.max())
        arr = ((arr - low) * (255.0 / ((high - low) or 1.0)) + 0.5).clip(0, 255).astype(numpy.uint8)
    Image.fromarray(arr).save(name, format)
''',
    "imread": '''def {name}(name, flatten=False, mode=None):
    """scipy.misc.imread (SciPy < 1.2): Pillow reads the image; converted to ``mode``, a palette
    image to RGB(A), ``flatten`` to grey floats, as SciPy's fromimage did."""
    import numpy
    from PIL import Image
    image = Image.open(name)
    if mode is not None and mode != image.mode:
        image = image.convert(mode)
    elif image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if flatten:
        image = image.convert("F")
    return numpy.array(image)
''',
    "imresize": '''def {name}(arr, size, interp="bilinear", mode=None):
    """scipy.misc.imresize (SciPy < 1.3): the array as bytes (scaled from its own minimum and
    maximum unless already bytes), resized by Pillow to ``size`` (rows, columns), a fraction
    (float) or a percentage (int); returns bytes, as SciPy did."""
    import numpy
    from PIL import Image
    arr = numpy.asarray(arr)
    if arr.dtype != numpy.uint8:
        low, high = float(arr.min()), float(arr.max())
        arr = ((arr - low) * (255.0 / ((high - low) or 1.0)) + 0.5).clip(0, 255).astype(numpy.uint8)
    image = Image.fromarray(arr, mode=mode)
    if isinstance(size, (int, numpy.integer)):
        size = tuple(int(n * size / 100.0) for n in arr.shape[:2])
    elif isinstance(size, (float, numpy.floating)):
        size = tuple(int(n * size) for n in arr.shape[:2])
    resample = {{"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "cubic": 3}}[interp]
    return numpy.array(image.resize((size[1], size[0]), resample=resample))
''',
}


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("AttributeError", "ImportError"), needs=r"\bmisc\b")  # fmt: skip
def scipy_misc_image(ctx: CellContext) -> list[Problem]:
    """The cell's imports and uses of SciPy's removed image functions: each defined in the cell
    as SciPy did it, over Pillow."""
    tree = ctx.cell.tree
    missing = _missing_name(ctx)
    if tree is None or missing not in DEFINITIONS or importlib.util.find_spec("PIL") is None:
        return []
    edits: list[Edit] = []
    names: list[str] = []
    for node in tree.body:  # `from scipy.misc import imsave`: the definition in its place
        if isinstance(node, ast.ImportFrom) and node.module == MODULE and node.level == 0:
            edit = _import_replaced(ctx, node)
            if edit is not None:
                edits.append(edit)
                names += [a.name for a in node.names if a.name in DEFINITIONS]
    defined: set[str] = set()
    for statement in tree.body:  # `scipy.misc.imsave(…)`: a definition before its first use
        for node in walk(statement):
            function = _removed_function(ctx, node)
            if function is None:
                continue
            helper = f"scipy_misc_{function}"
            edit = node_edit(ctx.cell, node, helper)
            if edit is None:
                continue
            edits.append(edit)
            if function not in defined:
                defined.add(function)
                names.append(function)
                edits.append(defined_before(statement, DEFINITIONS[function].format(name=helper)))
    if not edits:
        return []
    entry = find_entry(ENTRY)
    removed_in = (entry.data.get("removed_in", {}) if entry is not None else {}).get(missing, "1.2")
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [MODULE, *names], ctx.shown_versions,
                         name=missing, removed_in=removed_in, scipy=_scipy_version())  # fmt: skip
    problem.certain = True
    return [problem]


def _scipy_version() -> str:
    """The kernel's SciPy (it raised the error, so it is imported)."""
    return str(getattr(sys.modules.get("scipy"), "__version__", "")) or "here"


def _missing_name(ctx: CellContext) -> str | None:
    """The function of ``scipy.misc`` the error says is missing."""
    if ctx.error_type == "AttributeError":
        obj = getattr(ctx.exc, "obj", None)
        return getattr(ctx.exc, "name", None) if getattr(obj, "__name__", None) == MODULE else None
    found = CANNOT_IMPORT.search(ctx.message or "")
    return found.group("name") if found else None


def _removed_function(ctx: CellContext, node: ast.AST) -> str | None:
    """``imsave`` of an expression naming ``scipy.misc.imsave`` (``scipy.misc.imsave``,
    ``misc.imsave`` after ``from scipy import misc``), read, not assigned."""
    if not (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)):
        return None
    if node.attr not in DEFINITIONS:
        return None
    return node.attr if ctx.scope.bound_path(node) == f"{MODULE}.{node.attr}" else None


def _import_replaced(ctx: CellContext, node: ast.ImportFrom) -> Edit | None:
    """``from scipy.misc import imsave, face`` → ``from scipy.misc import face`` and the
    definition of ``imsave`` under the name the import bound."""
    kept = [a for a in node.names if a.name not in DEFINITIONS]
    gone = [a for a in node.names if a.name in DEFINITIONS]
    if not gone or node.col_offset != 0:
        return None
    parts = []
    if kept:
        listed = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in kept)
        parts.append(f"from {MODULE} import {listed}\n")
    parts += [DEFINITIONS[a.name].format(name=a.asname or a.name) for a in gone]
    return node_edit(ctx.cell, node, "\n".join(parts).rstrip("\n"))
