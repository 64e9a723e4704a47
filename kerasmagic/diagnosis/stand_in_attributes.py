"""What a stand-in callback must still answer: the attributes later code reads from it.

A ``TensorBoard`` that waits for its package (``rules/error_optional_output.py``) stands in as a
plain ``Callback`` while ``tensorboard`` is missing; code that then reads the object
(``print("tensorboard --logdir=" + board.log_dir)``) would stop on the stand-in. Each attribute
the cell (after the call) or a later cell reads from the name the call is bound to, and that
the call gave as a keyword of the same name, is kept on the stand-in with that keyword's value
(``type('TensorBoard', (keras.callbacks.Callback,), {'log_dir': …})()``), the value the callback
itself would have held. Only values that compute nothing but themselves may be written twice: a
literal, a name, an f-string, or ``str.format``/``os.path.join`` of such.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.path_terms import recomputable
from kerasmagic.diagnosis.rewrite import node_text, parse_cell, walk

PURE_CALLS = ("format", "join")


def kept_attributes(ctx: CellContext, call: ast.Call, parent: ast.AST | None) -> dict[str, str]:
    """``{attribute: the keyword's text}`` the stand-in for ``call`` must hold."""
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):  # fmt: skip
        return {}
    name = parent.targets[0].id
    given = {k.arg: k.value for k in call.keywords if k.arg}
    trees = [ctx.cell.tree, *(parse_cell(source).tree for source in ctx.later)]
    read: list[str] = []
    for index, tree in enumerate(trees):
        for node in walk(tree) if tree is not None else ():
            after = index > 0 or getattr(node, "lineno", 0) > (call.end_lineno or call.lineno)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == name and after:  # fmt: skip
                read.append(node.attr)
    kept = {}
    for attribute in dict.fromkeys(read):
        value = given.get(attribute)
        text = node_text(ctx.cell, value) if value is not None and recomputable(value, PURE_CALLS) else None
        if text is not None:
            kept[attribute] = text
    return kept


def stand_in_text(base: str, name: str, kept: dict[str, str]) -> str:
    """The stand-in's expression: ``base()``, or a subclass holding the kept attributes."""
    if not kept:
        return f"{base}()"
    items = ", ".join(f"{attribute!r}: {text}" for attribute, text in kept.items())
    return f"type({name!r}, ({base},), {{{items}}})()"
