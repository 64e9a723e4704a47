"""Error rule: a name TensorFlow's private, frozen ``tensorflow.python.keras`` lacks and the public
``tensorflow.keras`` has (``keras.__version__`` after ``from tensorflow.python import keras``):
the cell's imports of the private package become the public one (the trap's edits,
``rules/trap_imports.private_import_edits``), so ``%%keras_check`` fixes what the trap only
warns of."""

from __future__ import annotations

import types

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.trap_imports import private_import_edits
from kerasmagic.knowledge.catalogue import entry as catalogue_entry


@rule("private-tf-python-keras", when=(ERROR,), family="moved-modules", errors=("AttributeError",))  # fmt: skip
def private_module_attribute(ctx: CellContext) -> list[Problem]:
    """A name the private, frozen ``tensorflow.python.keras`` (or a module of it) lacks
    (``keras.__version__`` of ``from tensorflow.python import keras``): the cell's imports of it
    become the public ``tensorflow.keras``, which has it."""
    module = getattr(ctx.exc, "obj", None)
    name = getattr(ctx.exc, "name", None)
    entry = catalogue_entry("private-tf-python-keras-import")
    prefix, public = entry.data["private_prefix"], entry.data["public_prefix"]
    private = getattr(module, "__name__", "") if isinstance(module, types.ModuleType) else ""
    if not name or not (private == prefix or private.startswith(prefix + ".")):
        return []
    status, found = live.resolve_path(public + private[len(prefix) :])
    if status != live.OK or not hasattr(found, name):
        return []  # the public module lacks it too: another problem
    nodes, edits, certain = private_import_edits(ctx, prefix, public)
    if not nodes or not certain or not edits:
        return []
    return [from_entry("private-tf-python-keras", nodes[0][0].lineno, edits, [private, name])]
