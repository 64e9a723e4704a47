"""``history.history['acc']`` after ``compile(metrics=['accuracy'])``: since Keras 2.3 the history
key is the metric's name as written (``accuracy``, ``val_accuracy``), so the old ``acc`` key raises
a KeyError after the whole training ran. Provable from the cell's own source."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit, node_text, quoted_like

OLD_KEYS = {"acc": "accuracy", "val_acc": "val_accuracy"}


def _compiled_metrics(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "compile":
            for kw in node.keywords:
                if kw.arg == "metrics" and isinstance(kw.value, (ast.List, ast.Tuple)):
                    names.update(
                        e.value
                        for e in kw.value.elts
                        if isinstance(e, ast.Constant) and isinstance(e.value, str)
                    )
    return names


def history_key_edits(cell: ParsedCell) -> list[tuple[int, str, Edit]]:
    """``(line, old key, edit)`` for every ``….history['acc' | 'val_acc']`` of a cell that
    compiles with ``metrics=['accuracy']`` (and not ``'acc'``, whose key is still ``acc``)."""
    if cell.tree is None:
        return []
    metrics = _compiled_metrics(cell.tree)
    if "accuracy" not in metrics or "acc" in metrics:
        return []
    out = []
    for node in ast.walk(cell.tree):
        if not (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "history"
            and isinstance(node.slice, ast.Constant)
            and node.slice.value in OLD_KEYS
        ):
            continue
        key = node.slice.value
        edit = node_edit(cell, node.slice, quoted_like(node_text(cell, node.slice), OLD_KEYS[key]))
        if edit is not None:
            out.append((node.lineno, key, edit))
    return out
