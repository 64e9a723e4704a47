"""Error rule: the cell imports from TensorFlow's private, frozen ``tensorflow.python.keras``, and
that copy is where the error comes from. Either the copy lacks a name the public
``tensorflow.keras`` has (``keras.__version__`` after ``from tensorflow.python import keras``), or
the error is raised inside the copy's own code: frozen at TF 2.6, it calls into a TensorFlow that
has moved on ("module 'tensorflow.python.distribute.input_lib' has no attribute
'DistributedDatasetInterface'" from its ``fit`` in TF 2.21). The evidence is the live traceback
(the modules of its frames) or the module the name was looked up on. The cell's imports of the
private package become the public one (the trap's edits, ``rules/trap_imports.private_import_edits``),
so ``%%keras_check`` fixes what the trap only warns of."""

from __future__ import annotations

import types

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.trap_imports import private_import_edits
from kerasmagic.knowledge.catalogue import entry as catalogue_entry


@rule("private-tf-python-keras", when=(ERROR,), family="moved-modules", needs=r"python")
def private_module_error(ctx: CellContext) -> list[Problem]:
    """The cell's imports of the private ``tensorflow.python.keras`` become the public
    ``tensorflow.keras``, when the error is the copy's: a name it lacks that the public module
    has, or an error raised in its code."""
    entry = catalogue_entry("private-tf-python-keras-import")
    prefix, public = entry.data["private_prefix"], entry.data["public_prefix"]
    module = getattr(ctx.exc, "obj", None) if ctx.error_type == "AttributeError" else None
    name = getattr(ctx.exc, "name", None)
    private = getattr(module, "__name__", "") if isinstance(module, types.ModuleType) else ""
    if name and _within(private, prefix):
        status, found = live.resolve_path(public + private[len(prefix) :])
        if status != live.OK or not hasattr(found, name):
            return []  # the public module lacks it too: another problem
        args = [private, name]
    elif _raised_in(ctx.exc, prefix):
        args = [prefix, ctx.error_type]
    else:
        return []
    nodes, edits, certain = private_import_edits(ctx, prefix, public)
    if not nodes or not certain or not edits:
        return []
    problem = from_entry("private-tf-python-keras", nodes[0][0].lineno, edits, args)
    problem.raised_it = args[0] == prefix  # the copy's own code raised it, from no line of the cell
    return [problem]


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _raised_in(exc: BaseException | None, prefix: str) -> bool:
    """Does a frame of ``exc``'s traceback run code of the package ``prefix``?"""
    tb = exc.__traceback__ if exc is not None else None
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if isinstance(module, str) and _within(module, prefix):
            return True
        tb = tb.tb_next
    return False
