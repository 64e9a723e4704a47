"""``KeyError: 'acc'`` raised outside the cells, in the user's own module (a plotting helper,
``plot_history(history)`` whose ``acc='acc'`` default reads the key), after the cell compiled
the metric as ``'accuracy'``: Keras 2.3+ logs it under the name as written, so the cell names the
metric ``'acc'`` (and every other place it names the logged key), which keeps Keras 2.2's keys and
trains the same."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import innermost_frame, is_cell_frame
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.history import OLD_KEYS, any_key_reads, metric_literals

NEW_TO_OLD = {new: old for old, new in OLD_KEYS.items()}  # accuracy → acc, val_accuracy → val_acc


@rule("history-key-read-elsewhere", when=(ERROR,), family="model-methods", errors=("KeyError",))
def history_key_read_elsewhere(ctx: CellContext) -> list[Problem]:
    """``KeyError: 'acc'`` raised in code no cell holds (the user's module) after a ``compile``
    of this cell named the metric ``'accuracy'``: that literal becomes ``'acc'``, and so does
    every other place the cell names the logged key (a ``monitor=``, a key read, a checkpoint's
    file name template), which the new name would otherwise break."""
    tree = ctx.cell.tree
    key = ctx.exc.args[0] if ctx.exc is not None and ctx.exc.args else None
    if tree is None or key not in OLD_KEYS or not _raised_outside_the_cell(ctx):
        return []
    literals = [n for n in metric_literals(tree) if n.value == "accuracy"]
    if not literals:
        return []
    # every place the cell names the logged key goes with it, so the cell stays consistent: a
    # `monitor=`, a key read, a file name template's field (prose that says "accuracy" is not a key)
    keys = {id(n): n for n in [*literals, *_logged_key_literals(tree)]}
    edits = []
    for n in keys.values():
        new = _old_key_text(n.value)
        edit = node_edit(ctx.cell, n, quoted_like(node_text(ctx.cell, n), new)) if new else None
        if edit is None:
            return []
        edits.append(edit)
    where = _reader(ctx)
    return [
        from_entry(
            "history-key-read-elsewhere",
            literals[0].lineno,
            edits,
            [key],
            ctx.shown_versions,
            key=key,
            new=OLD_KEYS[key],
            where=where,
        )
    ]


def _logged_key_literals(tree: ast.AST) -> list[ast.Constant]:
    """The string literals of ``tree`` that name a logged key with ``accuracy``: a ``monitor=``
    value, the key of a read (``logs['val_accuracy']``, ``.get(…)``) and a format field of a file
    name template (``'w-{val_accuracy:.2f}.h5'``)."""
    found = [k for _, _, k in any_key_reads(tree)]
    found += [kw.value for n in walk(tree) if isinstance(n, ast.Call) for kw in n.keywords if kw.arg == "monitor"]  # fmt: skip
    formatted = {id(n.value) for n in walk(tree) if isinstance(n, ast.Attribute) and n.attr == "format"}
    # a template Keras fills from the logs, not one the code fills itself with `.format(…)`
    found += [n for n in walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and "{" in n.value and id(n) not in formatted]  # fmt: skip
    return [n for n in found if isinstance(n, ast.Constant) and isinstance(n.value, str) and _old_key_text(n.value)]  # fmt: skip


def _old_key_text(text: str) -> str | None:
    """``text`` with the new accuracy keys spelled as Keras 2.2 logged them (``val_accuracy`` →
    ``val_acc``, a template's ``{accuracy:…}`` field → ``{acc:…}``), None when it names none."""
    if text in NEW_TO_OLD:
        return NEW_TO_OLD[text]
    if "{" not in text:
        return None
    new = text
    for key in sorted(NEW_TO_OLD, key=len, reverse=True):  # `{val_accuracy` before `{accuracy`
        new = new.replace("{" + key, "{" + NEW_TO_OLD[key])
    return new if new != text else None


def _raised_outside_the_cell(ctx: CellContext) -> bool:
    """Was the key read by code of another file than the cell (and not of Python or a library)?"""
    last = innermost_frame(ctx.exc)
    if last is None or is_cell_frame(last, ctx.namespace, ctx.filename):
        return False
    module = str(last.f_globals.get("__name__", ""))
    return module.split(".")[0] not in ("keras", "tensorflow", "tf_keras")


def _reader(ctx: CellContext) -> str:
    frame = innermost_frame(ctx.exc)
    return f"{frame.f_code.co_name} ({frame.f_code.co_filename.rsplit('/', 1)[-1]})"
