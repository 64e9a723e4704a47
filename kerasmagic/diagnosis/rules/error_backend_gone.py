"""Error rule: a notebook that chose a backend Keras no longer has (``KERAS_BACKEND=theano``).

Multi-backend Keras, up to 2.3, ran on Theano or CNTK as well as TensorFlow, and code chose one
with ``os.environ['KERAS_BACKEND'] = 'theano'`` (or ``%env``) before ``import keras``; Keras 2.4
to 2.15 ran on TensorFlow only and ignored the variable. Keras 3 reads it again, at its import,
and refuses a backend it has not got: "Unable to import backend : theano". The evidence is the
message (the backend it names is one the catalogue lists as dropped) and a statement of the cell
that sets the variable to it; that statement goes (the cell that made it: the entry's
``earlier_cell``), so Keras takes the backend it is configured with, as Keras 2 after 2.3 did.
The variable and Keras's configuration, read once at its import, keep the old value in this
process: ``migrate`` runs the cells again in a fresh kernel (``loop._in_fresh_kernel``)."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, statement_removal, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "keras3-backend-dropped"
REFUSED = re.compile(r"Unable to import backend : (\S+)")
VARIABLE = "KERAS_BACKEND"


@rule(ENTRY, when=(ERROR,), family="environment", errors=("ValueError",))
def backend_dropped(ctx: CellContext) -> list[Problem]:
    """Each statement of the cell that sets ``KERAS_BACKEND`` to the dropped backend Keras
    refused, removed."""
    entry = find_entry(ENTRY)
    found = REFUSED.search(ctx.message)
    if entry is None or found is None or ctx.cell.tree is None:
        return []
    backend = found.group(1)
    if backend.lower() not in entry.data.get("dropped", ()):
        return []
    sets = ctx.facts.env_sets
    lines = {line for name, line, value in sets if name == VARIABLE and value in (backend, None)}
    edits = []
    source_lines = ctx.cell.source.splitlines(keepends=True)
    for stmt in walk(ctx.cell.tree):
        if not (isinstance(stmt, (ast.Assign, ast.Expr)) and stmt.lineno in lines):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and len(stmt.value.keywords) > 1:  # fmt: skip
            return []  # ``os.environ.update(KERAS_BACKEND=…, OTHER=…)`` sets more than the backend
        if source_lines[stmt.lineno - 1].lstrip().startswith("%"):  # ``%env``: its whole line
            last = stmt.lineno == len(source_lines)
            end = (stmt.lineno, len(source_lines[-1])) if last else (stmt.lineno + 1, 0)
            edits.append(Edit(stmt.lineno, 0, *end, ""))
            continue
        edit = statement_removal(ctx.cell, stmt, ctx.cell.tree)
        if edit is not None:
            edits.append(edit)
    if not edits:
        return []
    line = ctx.line or edits[0].line
    problem = from_entry(ENTRY, line, edits, [VARIABLE], ctx.shown_versions, backend=backend)
    problem.certain = True  # Keras 3 has no such backend: the setting can only fail
    problem.restart_needed = True
    return [problem]
