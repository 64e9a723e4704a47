"""Error rule: a callback's own code reads a key the logs Keras passed it no longer hold.

``def on_epoch_end(self, epoch, logs=None): print(logs['acc'])`` (a custom ``Callback``, a
``LambdaCallback``'s function), or ``if logs.get('acc') > 0.99:`` failing on the ``None`` it read:
since Keras 2.3 the logs name a metric as ``compile`` was given it
(``accuracy``, ``val_accuracy``), and Keras 3's learning-rate callbacks log ``learning_rate``, not
``lr``. The evidence is the dict itself: the frame that raised holds it, without the key read and
with the key this Keras logs for the same thing. The key is renamed where the function reads it
(and the function's other reads of the same dict that the same change concerns), in the cell that
defines the function; ``migrate`` finds that cell from the traceback and runs it again.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import innermost_frame, is_cell_frame
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.history import CALLBACK_KEYS, OLD_KEYS, key_reads

RENAMED = {
    **OLD_KEYS,
    **CALLBACK_KEYS,
    **{f"val_{k}": f"val_{v}" for k, v in CALLBACK_KEYS.items()},
}


@rule("callback-logs-key", when=(ERROR,), family="model-methods", errors=("KeyError", "TypeError"))  # fmt: skip
def callback_logs_key(ctx: CellContext) -> list[Problem]:
    """``logs['acc']`` in a function of the cell, raised with the live ``logs`` holding
    ``accuracy``, or ``logs.get('acc') > 0.9`` raising on the ``None`` it read: each key of that
    function's reads of the dict that the dict lacks and whose new name it holds is renamed."""
    tree = ctx.cell.tree
    frame = innermost_frame(ctx.exc)
    if tree is None or frame is None or not is_cell_frame(frame, ctx.namespace, ctx.filename):
        return []
    lines = {frame.f_lineno, frame.f_lineno + ctx.stripped_lines}  # the line that raised
    function = _function(tree, frame.f_code.co_name, lines)
    if function is None:
        return []
    edits, names = _renames(ctx, function, frame.f_locals)
    if isinstance(ctx.exc, KeyError):
        key = ctx.exc.args[0] if ctx.exc.args else None
        if not any(old == key for old, _, _ in names):
            return []
    else:  # a None read with .get on the line that raised, used as a number or a string
        gets = [old for old, line, by_get in names if by_get and line in lines]
        if "NoneType" not in ctx.message or not gets:
            return []
        key = gets[0]
    return [
        from_entry(
            "callback-logs-key",
            ctx.line or edits[0].line,
            edits,
            [key],
            ctx.shown_versions,
            old=key,
            new=RENAMED[key],
            function=function.name,
        )
    ]


def _function(tree: ast.AST, name: str, lines: set[int]) -> ast.FunctionDef | None:
    """The cell's function ``name`` whose body holds one of ``lines``."""
    for node in walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            if any(node.lineno <= n <= (node.end_lineno or node.lineno) for n in lines):
                return node  # type: ignore[return-value]
    return None


def _renames(ctx: CellContext, function: ast.AST, local: dict) -> tuple[list[Edit], list[tuple[str, int, bool]]]:  # fmt: skip
    """Edits renaming ``D['old']`` and ``D.get('old', …)`` in ``function`` where the frame's
    ``D`` is a dict without ``old`` and with its new name; with each read's (old, line, by
    ``get``)."""
    edits: list[Edit] = []
    names: list[tuple[str, int, bool]] = []
    for node, name, old in key_reads(function):
        logs = local.get(name)
        if not (isinstance(logs, dict) and isinstance(old, ast.Constant)):
            continue
        new = RENAMED.get(old.value) if isinstance(old.value, str) else None
        if new is None or old.value in logs or new not in logs:
            continue
        text = node_text(ctx.cell, old)
        edit = node_edit(ctx.cell, old, quoted_like(text, new)) if text else None
        if edit is not None:
            edits.append(edit)
            names.append((old.value, node.lineno, isinstance(node, ast.Call)))
    return edits, names

