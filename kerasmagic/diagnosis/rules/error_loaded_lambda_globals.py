"""Error rule: a ``Lambda`` layer's function, loaded from a file, reads a name of the notebook.

Keras 2 rebuilt a ``Lambda``'s Python function from the bytecode saved in the file with the
globals of the module the function was written in (the notebook's, the script's), so a loaded
``Lambda(lambda x: K.l2_normalize(x, axis=1))`` found ``K``. Keras 3 gives the rebuilt function
the globals of its own loading code, and the first call stops on "name 'K' is not defined".
Evidence, from the live traceback and kernel: the frame that raised runs code written in the
user's file whose globals are a Keras module's; the missing name is bound in the user's
namespace; a live model of the failing line holds a ``Lambda`` with that very code, bound by
``load_model`` in this cell or an earlier one. The repair: right after that load, each loaded
``Lambda``'s function gets the notebook's globals, as in Keras 2 (a helper written into the cell,
``knowledge/written_in/keras2_lambda_globals.py``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.rewrite import Edit, after_statement, called_name, insertion_line
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.source_bindings import bindings
from kerasmagic.knowledge.written_in import written_in

ENTRY = "keras3-loaded-lambda-globals"
HELPER = "_keras2_lambda_globals"
MISSING = re.compile(r"name '(?P<name>\w+)' is not defined")


@rule(ENTRY, when=(ERROR,), family="saving", errors=("NameError",))
def loaded_lambda_globals(ctx: CellContext) -> list[Problem]:
    """A loaded ``Lambda``'s function stopped on a name the notebook binds: its globals are
    Keras's. The model it belongs to, where ``load_model`` bound it, gets the notebook's."""
    hidden = loaded_name_error(ctx.exc, ctx.namespace, ctx.message)
    if hidden is None:
        return []
    code, name = hidden
    model = next((n for n, v in ctx.live_names.items() if _holds(v, code)), None)
    load = _load_of(ctx, model) if model is not None else None
    if load is None:
        return []
    index, parsed, statement = load
    helper = written_in("keras2_lambda_globals") + "\n\n"
    call = f"{HELPER}({model}, globals())"
    line = insertion_line(ctx.cell)
    problem = from_entry(ENTRY, ctx.line, [], [name, model], ctx.shown_versions,
                         name=name, model=model, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    if index is None:
        problem.edits = [Edit(line, 0, line, 0, helper), after_statement(parsed, statement, call)]
        return [problem]
    earlier_line = insertion_line(parsed)
    problem.edits = [Edit(line, 0, line, 0, helper + call + "\n")]
    problem.across = [
        Edit(earlier_line, 0, earlier_line, 0, helper, cell=index),
        replace(after_statement(parsed, statement, call), cell=index),
    ]
    return [problem]


def loaded_name_error(exc: BaseException | None, namespace: dict | None, message: str) -> tuple[Any, str] | None:  # fmt: skip
    """(the code of the loaded function, the missing name) when ``exc``'s ``message`` says a name
    the namespace binds is not defined and a frame of its traceback runs loaded code; None
    otherwise."""
    found = MISSING.search(message)
    if found is None or namespace is None or found["name"] not in namespace:
        return None
    code = next((f.f_code for f in reversed(traceback_frames(exc)) if loaded_code(f)), None)
    return (code, found["name"]) if code is not None else None


def loaded_code(frame: Any) -> bool:
    """A frame running code written outside Keras with a Keras module's globals (a function
    Keras rebuilt from saved bytecode)."""
    module = str(frame.f_globals.get("__name__", ""))
    filename = frame.f_code.co_filename.replace("\\", "/")
    return module.split(".")[0] == "keras" and "/keras/" not in filename


def _holds(value: Any, code: Any) -> bool:
    """``value`` is a Keras model one of whose ``Lambda`` layers (nested models too) runs
    ``code``."""
    return any(made is code for _, made in layer_functions(value))


def layer_functions(value: Any) -> Iterator[tuple[Any, Any]]:
    """(layer, the code of its ``function``) for each layer inside the live model ``value`` (an
    instance, not a class; nested models too, at most 10,000 layers) that holds a function."""
    layers, seen = _sublayers(value), 0
    while layers and seen < 10_000:
        layer, seen = layers.pop(), seen + 1
        made = getattr(getattr(layer, "function", None), "__code__", None)
        if made is not None:
            yield layer, made
        layers.extend(_sublayers(layer))


def _sublayers(value: Any) -> list:
    """The layers a live model (an instance, not a class) holds."""
    layers = None if isinstance(value, type) else getattr(value, "layers", None)
    return list(layers) if isinstance(layers, (list, tuple)) else []


def _load_of(ctx: CellContext, name: str) -> tuple[int | None, Any, ast.stmt] | None:
    """Where ``name = load_model(…)`` ran, newest first: (cell index or None, cell, statement)."""
    for index, parsed in cells(ctx):
        if parsed.tree is None:
            continue
        loads = [s for s, v in bindings(parsed.tree, name) if isinstance(v, ast.Call) and called_name(v.func) == "load_model"]  # fmt: skip
        if loads and isinstance(loads[-1], ast.Assign):
            return index, parsed, loads[-1]
    return None
