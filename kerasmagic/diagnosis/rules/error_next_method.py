"""Error rule: ``iterator.next()``, the Python 2 spelling Keras 2's iterators still had.

Keras 2's data iterators (``ImageDataGenerator.flow(…)``, ``flow_from_directory``) defined a
``next()`` method beside ``__next__``, so tutorials wrote ``batch = generator.flow(x).next()``.
Keras 3's iterators are plain Python iterators: "'NumpyArrayIterator' object has no attribute
'next'". ``next(iterator)`` is the same call. Evidence: the ``AttributeError`` is about ``next``
and its live object is an iterator (it has ``__next__``).
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "iterator-next-method"


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("AttributeError",), needs=r"\.next\(\)")
def next_method(ctx: CellContext) -> list[Problem]:
    """``X.next()`` on the failing lines, its live object an iterator: ``next(X)``."""
    exc = ctx.exc
    if getattr(exc, "name", None) != "next" or ctx.cell.tree is None:
        return []
    iterator = getattr(exc, "obj", None)
    if not hasattr(type(iterator), "__next__"):
        return []
    lines = ctx.failing_lines
    edits = []
    for call in walk(ctx.cell.tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        if call.func.attr != "next" or call.args or call.keywords or call.lineno not in lines:
            continue
        text = node_text(ctx.cell, call.func.value)
        edit = node_edit(ctx.cell, call, f"next({text})") if text else None
        if edit is not None:
            edits.append(edit)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, ["next"], ctx.shown_versions,
                         klass=type(iterator).__name__)  # fmt: skip
    problem.certain = True  # the iterator's own __next__, which Keras 2's next() was
    return [problem]
