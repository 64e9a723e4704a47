"""Error rule: a flag or number given to a layer positionally after its input (``cell(x, states,
training)``, ``dropout(x, True)``), which Keras 3 refuses.

Keras 2 handed a layer call's arguments to its ``call`` as they were given, so ``training`` could
follow the inputs by position. Keras 3 takes only tensors by position: "Only input tensors may be
passed as positional arguments. The following argument value should be passed as a keyword
argument: True (of type <class 'bool'>)". The message names the value and its type; the layer is
the live object the call's callee names (``self.rnn_cell0`` in the frame of the user's ``call``),
and the keyword is the name its own ``call`` gives that position (read from the live signature),
so the argument reaches the parameter it reached in Keras 2. Besides the failing line, the other
calls of the same function that pass a value of such a type by position to a live layer change
too: they run with the same values and would fail next (``self.rnn_cell1(out0, state1,
training)`` on the line after).
"""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.keras3_support import signature
from kerasmagic.diagnosis.keyword_sites import keyword_edits
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-positional-flag"
MESSAGE = re.compile(r"Only input tensors may be passed as positional arguments\. The following argument value "
                     r"should be passed as a keyword argument: (?P<value>.+?) \(of type <class '(?P<type>\w+)'>\)")  # fmt: skip
SCALARS = {"bool": bool, "int": int, "float": float, "str": str}
NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD,)


@rule(ENTRY, when=(ERROR,), family="keras3-messages", errors=("ValueError",))
def positional_flag(ctx: CellContext) -> list[Problem]:
    """``self.rnn_cell0(word, state0, training)`` → ``self.rnn_cell0(word, state0, training=training)``."""
    found = MESSAGE.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or tree is None or found.group("type") not in SCALARS:
        return []
    scopes = _functions_of(tree, ctx.failing_lines)
    edits: list[Edit] = []
    names: list[str] = []
    for call in walk(tree):
        if not isinstance(call, ast.Call) or len(call.args) < 2:
            continue
        line = getattr(call, "lineno", None)
        if line not in ctx.failing_lines and not any(
            start <= (line or 0) <= end for start, end in scopes
        ):
            continue
        layer = value_in(ctx.live_names, call.func)
        if layer is None or not live.is_layer_class(type(layer)):
            continue
        named = _named_arguments(ctx, call, layer)
        if named is None:
            continue
        written = keyword_edits(ctx.cell, named)
        if written is not None:
            edits.extend(written)
            names.extend(keyword for _, keyword in named)
    if not edits:
        return []
    keywords = sorted(set(names))
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, keywords, ctx.shown_versions,
                         value=found.group("value"), keywords=", ".join(f"`{k}=`" for k in keywords))  # fmt: skip
    problem.certain = True
    return [problem]


def _functions_of(tree: ast.AST, lines: set[int]) -> list[tuple[int, int]]:
    """The line spans of the innermost functions of the cell holding a failing line: their
    calls run with the values the failing one ran with."""
    spans = [
        (node.lineno, node.end_lineno or node.lineno)
        for node in walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and any(node.lineno <= line <= (node.end_lineno or node.lineno) for line in lines)
    ]
    return [s for s in spans if not any(o != s and s[0] <= o[0] and o[1] <= s[1] for o in spans)]


def _named_arguments(
    ctx: CellContext, call: ast.Call, layer: Any
) -> list[tuple[ast.expr, str]] | None:
    """``[(argument, keyword)]`` from the first argument after the input whose value is a Python
    scalar to the last positional one, each with the name the layer's ``call`` gives its
    position; None when no such argument is passed or a position has no keyword to take it."""
    if any(isinstance(a, ast.Starred) for a in call.args):
        return None
    first = next((i for i, arg in enumerate(call.args) if i > 0 and _scalar(ctx, arg)), None)
    sig = signature(getattr(type(layer), "call", None))
    if first is None or sig is None:
        return None
    params = [p for p in sig.parameters.values() if p.name != "self"]
    given = {k.arg for k in call.keywords}
    named: list[tuple[ast.expr, str]] = []
    for index in range(first, len(call.args)):
        if index >= len(params) or params[index].kind not in NAMED or params[index].name in given:
            return None
        named.append((call.args[index], params[index].name))
    return named


def _scalar(ctx: CellContext, node: ast.expr) -> bool:
    """Is ``node`` a Python bool, number or string, written there or held by a name?"""
    value = node.value if isinstance(node, ast.Constant) else value_in(ctx.live_names, node)
    return type(value) in SCALARS.values()
