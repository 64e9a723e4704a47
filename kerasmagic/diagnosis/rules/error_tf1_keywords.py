"""TensorFlow 1 keyword names TensorFlow 2 renamed (``tf.reduce_sum(x, reduction_indices=1,
keep_dims=True)`` → ``axis=1, keepdims=True``; ``tf.nn.softmax(b, dim=1)`` → ``axis=1``;
``tf.argmax(y, dimension=1)``), read from the keyword table of TensorFlow's own upgrade tool,
which the installed TensorFlow ships (``tensorflow.tools.compatibility.tf_upgrade_v2``). Keras-2-era
custom losses and layers called TensorFlow so. Evidence: the call fails on the keyword; the live
function takes the new name and not the old. Every such keyword of the cell's TensorFlow calls is
renamed (each checked against its live function's signature); a keyword the table drops rather
than renames (``align_corners``: the result changes) is left to the explanation."""

from __future__ import annotations

import ast
import importlib
import re
import sys

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.bindings import rename_keyword_edit
from kerasmagic.diagnosis.cell_facts import dotted, resolve
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "tf1-keyword-renamed"
UNEXPECTED = re.compile(r"(?i)got an unexpected keyword argument '(\w+)'")
UPGRADE_TOOL = "tensorflow.tools.compatibility.tf_upgrade_v2"


@rule(ENTRY, when=(ERROR,), family="renamed-names", errors=("TypeError",), needs="=")
def tf1_keyword_renamed(ctx: CellContext) -> list[Problem]:
    """Each TensorFlow 1 keyword of the cell's TensorFlow calls, by its TensorFlow 2 name."""
    # the message, or the error Keras hid (a Lambda's function failing in its shape inference)
    found = UNEXPECTED.search(f"{ctx.message}\n{ctx.wrapped if ctx.wrapped is not None else ''}")
    table = _keyword_table() if found is not None and ctx.cell.tree is not None else None
    if not table:
        return []
    renamed: list[tuple[str, str, str]] = []  # (function, old, new)
    edits: list[Edit] = []
    for call in (n for n in walk(ctx.cell.tree) if isinstance(n, ast.Call) and n.keywords):
        function = _tf1_name(ctx, call.func)
        renames = table.get(function or "", {})
        accepted = live.parameters(live_value(call.func, ctx.namespace or {})) if renames else None  # fmt: skip
        given = {k.arg for k in call.keywords}
        for kw in call.keywords:
            new = renames.get(kw.arg)
            if not new or accepted is None or kw.arg in accepted[0] or new not in accepted[0] or new in given:  # fmt: skip
                continue
            edit = rename_keyword_edit(ctx.cell, kw, new)
            if edit is not None:
                edits.append(edit)
                renamed.append((function or "", kw.arg or "", new))
    if found.group(1) not in {old for _, old, _ in renamed}:
        return []  # not the keyword that failed: another cause
    listed = ", ".join(f"`{f}({old}=…)` → `{new}=`" for f, old, new in dict.fromkeys(renamed))
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [found.group(1)], ctx.shown_versions, renamed=listed)  # fmt: skip
    problem.certain = True  # the same argument under TensorFlow 2's name
    return [problem]


def _keyword_table() -> dict[str, dict[str, str | None]] | None:
    """TensorFlow's upgrade tool's keyword renames (``{"tf.argmax": {"dimension": "axis"}}``),
    from the installed TensorFlow, once it is imported; None without it."""
    if "tensorflow" not in sys.modules:
        return None
    try:
        tool = importlib.import_module(UPGRADE_TOOL)
        return dict(tool.TFAPIChangeSpec().function_keyword_renames)
    except Exception:  # an install without the tool, or a tool of another shape
        return None


def _tf1_name(ctx: CellContext, func: ast.expr) -> str | None:
    """``tf.nn.softmax`` for a call of TensorFlow's ``nn.softmax`` however the cell reaches it
    (``tf.``, ``tensorflow.``, an alias bound cells earlier), else None."""
    text = dotted(func)
    if text is None or "." not in text:
        return None
    head, _, rest = text.partition(".")
    if (ctx.namespace or {}).get(head) is sys.modules.get("tensorflow"):
        return f"tf.{rest}"
    path = resolve(text, ctx.scope.bindings)
    return "tf." + path.partition(".")[2] if path.startswith("tensorflow.") else None
