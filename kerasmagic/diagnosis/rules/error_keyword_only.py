"""Error rule: positional arguments a library beside Keras later made keyword-only.

scikit-learn 1.0 (SLEP009), pandas 2.0 and Matplotlib made many parameters keyword-only by
putting a ``*`` before them in the signature, in the order they had: old notebooks' calls
(``compute_class_weight('balanced', np.unique(y), y)``, ``df.drop('Date', 1)``,
``plt.ylim(0, top, True)``) now give too many positional arguments ("takes from 1 to 3
positional arguments but 4 were given"; scikit-learn's checked functions: "too many positional
arguments"). The extra positional values name, in order, the
keyword-only parameters that follow: each becomes ``name=value``, the call Keras-era code made.

Evidence: the message; the catalogue's ``keyword-only-in-order`` entry lists the libraries whose
keyword-only conversions kept the order (with their sources); the callee, read live (a name or
attribute chain on the failing line), belongs to one of them, takes fewer positional arguments
than the call gives, has at least as many keyword-only parameters as the extra values, and the
call gives none of them already. A pass-through wrapper (``plt.ylim(*args)``) is looked through
to the function the message names, found in the innermost frame's locals.
"""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "keyword-only-in-order"
LIBRARIES = {"sklearn": "scikit-learn", "pandas": "pandas", "matplotlib": "Matplotlib"}
MESSAGE = re.compile(
    r"(?P<name>[\w.]+)\(\) takes (?:from \d+ to )?\d+ positional arguments? but \d+ (?:were|was) given"
    r"|^too many positional arguments$"  # inspect's Signature.bind, in scikit-learn's validate_params
)


@rule(ENTRY, when=(ERROR,), family="keyword-arguments", errors=("TypeError",))
def keyword_only_in_order(ctx: CellContext) -> list[Problem]:
    """The extra positional values of the failing call, as the keyword-only parameters they
    were before."""
    found = MESSAGE.search(ctx.message)
    entry = find_entry(ENTRY)
    tree, names = ctx.cell.tree, ctx.live_names or {}
    if found is None or entry is None or tree is None:
        return []
    libraries = set(entry.data.get("libraries", []))
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and call.lineno in ctx.failing_lines):
            continue
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):  # fmt: skip
            continue
        callee = _through_wrapper(ctx, live_value(call.func, names), found["name"] or "")
        top = str(getattr(callee, "__module__", "") or "").split(".")[0]
        if callee is None or top not in libraries:
            continue
        keywords = _keyword_names(callee, call)
        if keywords is None:
            continue
        extra = call.args[len(call.args) - len(keywords) :]
        edits: list[Edit] = []
        for name, value in zip(keywords, extra):
            text = node_text(ctx.cell, value)
            edit = node_edit(ctx.cell, value, f"{name}={text}") if text is not None else None
            edits += [edit] if edit is not None else []
        if len(edits) == len(extra):
            shown = ", ".join(f"`{n}`" for n in keywords)
            return [from_entry(ENTRY, call.lineno, edits, list(keywords), ctx.shown_versions,
                               callable=found["name"] or node_text(ctx.cell, call.func), parameters=shown, library=LIBRARIES.get(top, top))]  # fmt: skip
    return []


def _through_wrapper(ctx: CellContext, callee: Any, named: str) -> Any:
    """``callee``, or, when it passes any positional arguments on (``*args``), the function the
    message names, held by the innermost frame that called it (a bound method among its locals)."""
    try:
        parameters = inspect.signature(callee).parameters.values() if callable(callee) else []
    except (TypeError, ValueError):
        return None
    if not any(p.kind is p.VAR_POSITIONAL for p in parameters) or not named:
        return callee
    frames = traceback_frames(ctx.exc)
    for value in frames[-1].f_locals.values() if frames else ():
        method = getattr(value, named.rsplit(".", 1)[-1], None)
        if getattr(method, "__qualname__", None) == named:
            return method
    return None


def _keyword_names(callee: Any, call: ast.Call) -> list[str] | None:
    """The keyword-only parameters the call's extra positional values stand for, in order; None
    when the call does not give more positional values than the callee takes, or they cannot
    all be named, or the call names one of them already."""
    try:
        parameters = list(inspect.signature(callee).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    keyword_only = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY]
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return None
    count = len(call.args) - len(positional)
    given = {k.arg for k in call.keywords}
    if count <= 0 or count > len(keyword_only) or given & set(keyword_only[:count]):
        return None
    return keyword_only[:count]
