"""Error rule: an argument given by keyword that the installed function takes by position only.

Libraries mark parameters positional-only (``/`` in the signature) in later releases: NumPy 2
made ``np.reshape(a, /, shape)``'s array one, so ``np.reshape(a=x, newshape=…)``, which NumPy 1
took, stops with "reshape() got some positional-only arguments passed as keyword arguments:
'a'". The message names the parameters; the live signature says where each one goes. When the
call's positional arguments end just before them, their values move there, in the signature's
order, and the call is the same call.
"""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import call_sources, live_callable, signature
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "positional-only-by-keyword"
MESSAGE = re.compile(
    r"(?P<function>\w+)\(\) got some positional-only arguments passed as keyword arguments: "
    r"'(?P<names>\w+(?:, \w+)*)'"
)


@rule(ENTRY, when=(ERROR,), family="keyword-arguments", errors=("TypeError",))
def positional_only(ctx: CellContext) -> list[Problem]:
    """``np.reshape(a=x, shape=s)`` → ``np.reshape(x, shape=s)``."""
    found = MESSAGE.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or tree is None:
        return []
    names = found.group("names").split(", ")
    for call in walk(tree):
        if not isinstance(call, ast.Call) or getattr(call, "lineno", None) not in ctx.failing_lines:
            continue
        given = {k.arg: k for k in call.keywords if k.arg in names}
        if set(given) != set(names):
            continue
        fn = live_callable(ctx, call.func)
        if getattr(fn, "__name__", None) != found.group("function"):
            continue
        text = _moved(ctx, call, fn, names)
        edit = node_edit(ctx.cell, call, text) if text else None
        if edit is None:
            continue
        return [from_entry(ENTRY, call.lineno, [edit], names, ctx.shown_versions,
                           function=found.group("function"), given=", ".join(f"`{n}`" for n in names))]  # fmt: skip
    return []


def _moved(ctx: CellContext, call: ast.Call, fn: Any, names: list[str]) -> str | None:
    """The call with the keywords ``names`` given by position, where the live signature puts
    them right after the call's positional arguments; None otherwise."""
    sig = signature(fn)
    sources = call_sources(ctx, call)  # None with ``*``/``**``
    func = node_text(ctx.cell, call.func)
    if sig is None or sources is None or func is None:
        return None
    params = list(sig.parameters.values())
    args, keywords = sources
    at = [i for i, p in enumerate(params) if p.name in names]  # in the signature's order
    start = len(args)
    if len(at) != len(names) or at != list(range(start, start + len(at))):
        return None
    if any(params[i].kind is not inspect.Parameter.POSITIONAL_ONLY for i in at):
        return None
    pieces = args + [keywords[params[i].name] for i in at]
    pieces += [f"{name}={text}" for name, text in keywords.items() if name not in names]
    return f"{func}({', '.join(pieces)})"
