"""Error rule: an iterator object of the user's (a class with ``__next__``, fast.ai's
``MixIterator`` mixing two ``flow`` iterators) given to ``fit`` as its data.

Keras 2's ``fit_generator`` took anything ``next()`` works on, and tf.keras 2.x's ``fit`` a
Python iterator too. Keras 3's data adapters take arrays, tensors, ``tf.data``, a ``PyDataset``
(``Sequence``) or a Python generator, and refuse other iterators: "Unrecognized data type:
x=<__main__.MixIterator object at …> (of type <class '__main__.MixIterator'>)".

Evidence: the message names the argument and the class of the value refused; the failing line's
call gets, for that argument (or for ``validation_data``), a live object of that class with
``__next__`` that is no generator, sequence or mapping. The argument becomes a generator over it,
``(batch for batch in mi)``: the same batches in the same order, drawn as Keras 2 drew them.
"""

from __future__ import annotations

import ast
import re
import types
from typing import Any

from kerasmagic.diagnosis.array_inputs import DATA_METHODS
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-iterator-data"
REFUSED = re.compile(r"Unrecognized data type: (\w+)=.* \(of type <class '([\w.<>]+)'>\)", re.S)  # a class of a function: main.<locals>.C
METHODS = ("fit", "evaluate", "predict")


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("ValueError",), needs=METHODS)
def iterator_data(ctx: CellContext) -> list[Problem]:
    """Each data argument of the failing ``fit``/``evaluate``/``predict`` that holds an iterator
    of the class Keras refused, as a generator over it."""
    found = REFUSED.search(ctx.message)
    if found is None or ctx.cell.tree is None:
        return []
    argument, klass = found.group(1), found.group(2).rsplit(".", 1)[-1]
    names = ctx.live_names or {}
    edits, shown = [], []
    for call in walk(ctx.cell.tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        if call.func.attr not in METHODS or call.lineno not in ctx.failing_lines:
            continue
        for node in _data_arguments(call, argument):
            value = live_value(node, names)
            text = node_text(ctx.cell, node)
            if not _plain_iterator(value, klass) or text is None:
                continue
            edit = node_edit(ctx.cell, node, f"(batch for batch in {text})")
            if edit is not None:
                edits.append(edit)
                shown.append(text)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or 1, edits, shown, ctx.shown_versions,
                         value=shown[0], klass=klass, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    problem.certain = True  # the same batches, drawn the same way
    return [problem]


def _data_arguments(call: ast.Call, argument: str) -> list[ast.expr]:
    """The argument Keras named (by position or keyword) and ``validation_data``."""
    wanted = DATA_METHODS.get(call.func.attr, ())  # type: ignore[attr-defined]
    out = [v for name, v in zip(wanted, call.args) if name == argument]
    out += [k.value for k in call.keywords if k.arg in (argument, "validation_data")]
    return out


def _plain_iterator(value: Any, klass: str) -> bool:
    """An object of the class ``klass`` with ``__next__``: no generator, sequence or mapping
    (what Keras 3 takes or refuses for other reasons)."""
    kind = type(value)
    if value is None or kind.__name__ != klass or isinstance(value, types.GeneratorType):
        return False
    if isinstance(value, (list, tuple, dict, str, bytes)) or hasattr(value, "__getitem__"):
        return False
    return callable(getattr(kind, "__next__", None))
