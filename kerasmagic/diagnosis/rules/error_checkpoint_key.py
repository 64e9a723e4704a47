"""Error rule: a checkpoint's file name template names a key the training logs do not hold, and
Keras said which: ``KeyError: 'Failed to format this callback filepath: "w-{val_acc:.2f}.keras".
Reason: 'val_acc''`` (Keras 3 and tf.keras 2 word it alike, model_checkpoint.py / callbacks.py).

The message names the template and the key; the frame that raised (``ModelCheckpoint``'s
``_get_file_path``) holds the logs the epoch wrote and the callback, whose model tells what this
Keras logged for the same metric (``history._logged_name``: ``accuracy`` for ``acc``, the name as
compiled for a Keras 2.0 full name). The key is renamed in the string literals its template is
made of, where they are written, followed from the ``ModelCheckpoint`` call of this cell (its file
argument, through names set cells before: ``value_change.rewrite``) or from the callback the cell
passes in ``callbacks=[…]`` to where an earlier cell made it: a literal holding ``{val_acc…}``,
or one that is the key itself (``'…{%s:.2f}.h5' % 'val_acc'``), and the ``monitor=`` beside it.
"""

from __future__ import annotations

import ast
import re
import sys

from kerasmagic.diagnosis.context import ERROR, CellContext, innermost_frame
from kerasmagic.diagnosis.keyword_dicts import expression_of
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, apply_edits, node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.history import _logged_name
from kerasmagic.diagnosis.value_change import Transform, rewrite

ENTRY = "checkpoint-template-key"
MESSAGE = re.compile(r"Failed to format this callback filepath: \"(?P<path>.*)\"\. Reason: '(?P<key>[^']+)'")  # fmt: skip


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("KeyError",), needs=("callback", "Checkpoint"))  # fmt: skip
def checkpoint_template_key(ctx: CellContext) -> list[Problem]:
    """The template's missing key renamed to the logged one where the template is made."""
    raw = ctx.exc.args[0] if ctx.exc is not None and ctx.exc.args else None
    found = MESSAGE.search(raw) if isinstance(raw, str) else None  # str() of a KeyError quotes it
    tree = ctx.cell.tree
    if found is None or tree is None:
        return []
    key = found.group("key")
    new = _logged(ctx.exc, key)
    if new is None:
        return []
    transform = Transform(f"name the logs' key `{new}`", None, lambda text, _tail: _renamed(text, key, new))  # fmt: skip
    edits: list[Edit] = []
    across: list[Edit] = []
    notes: list[str] = []
    for node in _made_from(tree):
        change = rewrite(ctx, node, transform)
        if change is not None:
            edits += change.edits
            across += change.across
            notes.append(change.note)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [key], ctx.shown_versions,
                         key=key, new=new, path=found.group("path"))  # fmt: skip
    if any(e.cell is not None for e in across):
        problem.across = across
    problem.fix = f"{problem.fix} {' '.join(n for n in notes if n)}".strip()
    return [problem]


def _logged(exc: BaseException | None, key: str) -> str | None:
    """What this Keras logged for ``key``: read from the logs and the callback's model in the
    frame that raised."""
    frame = innermost_frame(exc)
    logs = frame.f_locals.get("logs") if frame is not None else None
    callback = frame.f_locals.get("self") if frame is not None else None
    if not isinstance(logs, dict) or callback is None or key in logs:
        return None
    model = getattr(callback, "model", None)
    root = sys.modules.get(type(callback).__module__.split(".")[0])
    return _logged_name(key, logs, getattr(root, "metrics", None), model)


def _made_from(tree: ast.AST) -> list[ast.expr]:
    """The file arguments of the cell's ``ModelCheckpoint`` calls, else the names the cell passes
    in ``callbacks=[…]`` (a callback an earlier cell made)."""
    paths = []
    for call in walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "attr", getattr(call.func, "id", None)) == "ModelCheckpoint":  # fmt: skip
            path = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "filepath"), None)  # fmt: skip
            if path is not None:
                paths.append(path)
    if paths:
        return paths
    names = []
    for kw in (k for c in walk(tree) if isinstance(c, ast.Call) for k in c.keywords if k.arg == "callbacks"):  # fmt: skip
        items = kw.value.elts if isinstance(kw.value, (ast.List, ast.Tuple)) else [kw.value]
        names += [item for item in items if isinstance(item, ast.Name)]
    return names


def _renamed(text: str, key: str, new: str) -> str | None:
    """``text`` (an expression) with the key renamed in its string literals: a template field
    ``{key…}``, a literal that is the key; None when none holds it."""
    found = expression_of(text)
    if found is None:
        return None
    parsed, expr = found
    field = re.compile(r"\{" + re.escape(key) + r"(?=[:!}])")
    edits = []
    for node in walk(expr):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if node.value == key or field.search(node.value):
            value = new if node.value == key else field.sub("{" + new, node.value)
            written = node_text(parsed, node)
            edit = node_edit(parsed, node, quoted_like(written, value)) if written else None
            if edit is None:
                return None
            edits.append(edit)
    return apply_edits(parsed.source, edits).rstrip("\n") if edits else None
