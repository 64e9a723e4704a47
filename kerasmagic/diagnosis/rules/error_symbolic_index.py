"""Error rule: a symbolic tensor indexed with a NumPy integer (``model.output[:, np.argmax(p)]``).

Keras 2 sliced its graph tensors with any integer, so Grad-CAM tutorials took the predicted class
with ``np.argmax`` and indexed the model's output with it. Keras 3's ``KerasTensor`` takes only
Python ``int``s and slices ("Unsupported key type for array slice. Received: `(slice(None, None,
None), np.int64(4))`"). ``int(...)`` is the same index. Evidence: the message, and on the failing
line a subscript whose element is a name holding a NumPy integer (read from the live namespace),
or an expression at a position where the received key shows one (NumPy 2 writes ``np.int64(4)``).
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-symbolic-index-numpy-int"
RECEIVED = re.compile(r"Unsupported key type for array slice\. Received: `(.*)`", re.S)
NUMPY_INT = re.compile(r"^np\.u?int\d+\(")


@rule(ENTRY, when=(ERROR,), family="backend", errors=("ValueError",), needs=r"\[")
def numpy_int_index(ctx: CellContext) -> list[Problem]:
    """Each element of a subscript on the failing lines that is a NumPy integer: ``int(...)``."""
    found = RECEIVED.search(ctx.message)
    if found is None or ctx.cell.tree is None:
        return []
    received = _elements(found.group(1))
    lines = ctx.failing_lines
    edits: list[Edit] = []
    for node in walk(ctx.cell.tree):
        if not isinstance(node, ast.Subscript) or node.lineno not in lines:
            continue
        key = node.slice
        elements = list(key.elts) if isinstance(key, ast.Tuple) else [key]
        shown = received if len(received) == len(elements) else [None] * len(elements)
        for element, text in zip(elements, shown):
            if _numpy_integer(ctx, element, text):
                written = node_text(ctx.cell, element)
                edit = node_edit(ctx.cell, element, f"int({written})") if written else None
                if edit is not None:
                    edits.append(edit)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, ["int"], ctx.shown_versions)
    problem.certain = True  # the same index, as the Python integer Keras 3 takes
    return [problem]


def _numpy_integer(ctx: CellContext, element: ast.expr, shown: str | None) -> bool:
    if isinstance(element, ast.Slice | ast.Constant | ast.Starred):
        return False
    if isinstance(element, ast.Call) and getattr(element.func, "id", None) == "int":
        return False
    if isinstance(element, ast.Name):
        return live.is_numpy_integer((ctx.live_names or {}).get(element.id))
    return shown is not None and NUMPY_INT.match(shown) is not None


def _elements(text: str) -> list[str]:
    """The top-level elements of a key's repr (``(slice(None, None, None), np.int64(4))``)."""
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        return [text]
    parts, depth, start = [], 0, 1
    for index, char in enumerate(text[1:-1], start=1):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
    tail = text[start:-1].strip()
    return parts + [tail] if tail else parts
