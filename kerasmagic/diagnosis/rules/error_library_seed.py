"""Error rule: a Keras function whose own default seed fails on this Python.

Keras 3's ``skipgrams`` (the Keras 2 word2vec helper it keeps in ``keras.src.legacy``, reached as
``tf.keras.preprocessing.sequence.skipgrams``) shuffles its couples with
``seed = random.randint(0, 10e6)`` when no seed is given. ``10e6`` is a float, and Python 3.12
stopped accepting floats in ``random.randint`` ("'float' object cannot be interpreted as an
integer"), so every call without ``seed=`` fails there (Colab's Python among them); Python 3.11
and tf_keras (``int(10e6)``) run it. Passing ``seed=random.randint(0, 10**7)`` is what the
function meant to do: a fresh random seed each call, the global ``random`` seeded with it, the
same couples and labels.

Facts: the error's message; the frame that raised it is inside the function the catalogue names,
in a Keras package (the traceback); the failing line's call reads, live, that same function; the
call gives no seed. The catalogue entry names each function and its seed keyword.
"""

from __future__ import annotations

import ast
import re
import sys

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, closing_insert_edit, insertion_line, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "keras-default-seed-float"
KERAS_PACKAGES = ("keras", "tf_keras")


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("TypeError",))
def default_seed_float(ctx: CellContext) -> list[Problem]:
    """``seed=random.randint(0, 10**7)`` on the failing call of a Keras function whose own
    default seed is the float Python 3.12 refuses."""
    entry = find_entry(ENTRY)
    if entry is None or ctx.cell.tree is None or not re.search(entry.data["message"], ctx.message):
        return []
    seeds: dict[str, str] = entry.data["functions"]
    raised_in = _keras_function_raising(ctx.exc, set(seeds))
    if raised_in is None:
        return []
    keyword = seeds[raised_in]
    for call in walk(ctx.cell.tree):
        if not isinstance(call, ast.Call) or call.lineno not in ctx.failing_lines:
            continue
        function = live_value(call.func, ctx.live_names)
        if getattr(function, "__name__", None) != raised_in or not _in_keras(function):
            continue
        if any(k.arg == keyword or k.arg is None for k in call.keywords) or len(call.args) > _position(function, keyword):  # fmt: skip
            return []  # a seed given (or possibly given through ** / positionally): not this cause
        random_name = _random_module_name(ctx)
        if random_name is None and "random" in ctx.live_names:
            return []  # ``random`` names something else here: importing it would rebind it
        edit = closing_insert_edit(
            ctx.cell, call, f"{keyword}={random_name or 'random'}.randint(0, 10**7)"
        )
        if edit is None:
            return []
        edits = [edit]
        if random_name is None:
            line = insertion_line(ctx.cell)
            edits.insert(0, Edit(line, 0, line, 0, "import random\n"))
        python = ".".join(map(str, sys.version_info[:2]))
        return [from_entry(ENTRY, call.lineno, edits, [raised_in, keyword], ctx.shown_versions,
                           function=raised_in, keyword=keyword, python=python)]  # fmt: skip
    return []


def _keras_function_raising(exc: BaseException | None, names: set[str]) -> str | None:
    """The name among ``names`` of the innermost traceback frame inside a Keras package."""
    tb, found = getattr(exc, "__traceback__", None), None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name in names and _keras_file(code.co_filename):
            found = code.co_name
        tb = tb.tb_next
    return found


def _keras_file(filename: str) -> bool:
    parts = re.split(r"[\\/]", filename)
    return any(p in KERAS_PACKAGES for p in parts[:-1])


def _in_keras(function: object) -> bool:
    return str(getattr(function, "__module__", "")).split(".")[0] in KERAS_PACKAGES


def _position(function: object, keyword: str) -> int:
    """How many positional arguments come before ``keyword`` in ``function``'s signature."""
    code = getattr(function, "__code__", None)
    names = code.co_varnames[: code.co_argcount] if code is not None else ()
    return names.index(keyword) if keyword in names else 1_000


def _random_module_name(ctx: CellContext) -> str | None:
    """The name the cell (or an earlier cell) binds to the standard ``random`` module."""
    for name, path in ctx.scope.bindings.items():
        if path == "random":
            return name
    value = ctx.live_names.get("random")
    return (
        "random"
        if getattr(value, "__name__", None) == "random" and hasattr(value, "randint")
        else None
    )
