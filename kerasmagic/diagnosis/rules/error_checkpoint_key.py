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

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import innermost_frame
from kerasmagic.diagnosis.keyword_dicts import expression_of, string_edit
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, apply_edits, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.callback_keys import checkpoint_path
from kerasmagic.diagnosis.rules.history import _logged_name, keras_metrics_of
from kerasmagic.diagnosis.rules.trap_monitor_key import callback_names, fit_calls
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import Transform

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
    return _logged_name(key, logs, keras_metrics_of(callback), getattr(callback, "model", None))


def _made_from(tree: ast.AST) -> list[ast.expr]:
    """The file arguments of the cell's ``ModelCheckpoint`` calls, else the names the cell passes
    in ``callbacks=[…]`` (a callback an earlier cell made)."""
    paths = [path for call in walk(tree) if isinstance(call, ast.Call) and (path := checkpoint_path(call)) is not None]  # fmt: skip
    return paths or list(callback_names(fit_calls(tree)))


def _renamed(text: str, key: str, new: str) -> str | None:
    """``text`` (an expression) with the key renamed in its string literals: a template field
    ``{key…}``, a literal that is the key; None when none holds it."""
    found = expression_of(text)
    if found is None:
        return None
    parsed, expr = found
    field = re.compile(r"\{" + re.escape(key) + r"(?=[:!}])")

    def renamed(value: str) -> str | None:
        return new if value == key else field.sub("{" + new, value) if field.search(value) else None

    literals = [n for n in walk(expr) if isinstance(n, ast.Constant) and isinstance(n.value, str) and renamed(n.value)]  # fmt: skip
    edits = [string_edit(parsed, node, renamed) for node in literals]
    if not edits or any(e is None for e in edits):
        return None
    return apply_edits(parsed.source, [e for e in edits if e is not None]).rstrip("\n")
