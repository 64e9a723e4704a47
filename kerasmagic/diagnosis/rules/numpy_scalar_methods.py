"""Error rule: a NumPy scalar's method called on a Python number (``score[1].round(4)``,
``history.history['acc'][-1].item()``).

Code written when a library handed back NumPy scalars (``numpy.float32`` from a Keras function, a
metric computed with NumPy) calls their methods, which a Python ``float`` does not have: "'float'
object has no attribute 'round'". The message names the receiver's type; the value is the same
number. The repair makes the receiver the NumPy scalar the code expected, ``np.float64(x)``, so the
method computes what it computed then. Evidence: the message, a method NumPy's ``float64`` has and
``float`` has not, exactly one such call on the statement that raised, and, where the receiver is
a name, its live value a Python ``float``.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.array_inputs import numpy_name, with_numpy_import
from kerasmagic.diagnosis.context import ERROR, CellContext, statement_lines
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "python-float-numpy-method"
MESSAGE = re.compile(r"^'float' object has no attribute '(\w+)'")


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("AttributeError",))
def numpy_method_on_a_float(ctx: CellContext) -> list[Problem]:
    """The one receiver of the method on the raising statement, as ``np.float64(…)``."""
    found = MESSAGE.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or tree is None or ctx.line is None:
        return []
    method = found.group(1)
    try:
        import numpy
    except ImportError:  # no NumPy here: nothing returned one, nothing to make
        return []
    if hasattr(float, method) or not hasattr(numpy.float64, method):
        return []
    lines = statement_lines(tree, ctx.line)
    calls = [
        n
        for n in walk(tree)
        if isinstance(n, ast.Attribute) and n.attr == method and n.lineno in lines
    ]
    if len(calls) != 1:
        return []
    receiver = calls[0].value
    if isinstance(receiver, ast.Name) and not isinstance((ctx.live_names or {}).get(receiver.id), float):  # fmt: skip
        return []
    text = node_text(ctx.cell, receiver)
    if text is None:
        return []
    numpy_here = numpy_name(ctx.cell, ctx.namespace)
    edit = node_edit(ctx.cell, receiver, f"{numpy_here[0]}.float64({text})") if numpy_here else None
    if numpy_here is None or edit is None:
        return []
    edits = with_numpy_import(ctx.cell, [edit], numpy_here[1])
    problem = from_entry(ENTRY, ctx.line, edits, [method], ctx.shown_versions,
                         method=method, value=text, numpy=getattr(numpy, "__version__", "2"))  # fmt: skip
    problem.certain = True  # the same number, as the scalar type whose method the code calls
    return [problem]
