"""Error rule: a key read from a Keras object's config under the argument's old name.

``model.optimizer.get_config()['lr']``, ``layer.get_config()['output_dim']``: a ``get_config()``
dict holds an object's arguments under the names of the Keras that made it. Keras renamed
arguments (``lr`` -> ``learning_rate`` in Keras 2.3, Keras 1's layer arguments in Keras 2.0: the
catalogue's keyword-rename entries, each with its source), so the read raises ``KeyError: 'lr'``.

Evidence, read from the live objects: the expression subscripted on a failing line (a name, a
constant-key or index subscript of one, or ``X.get_config()`` of a live Keras object, which only
reports the object's arguments) is a Keras config (a dict naming its object: ``name``) without
the key read and with exactly one of its new names. The failing read, the reads of the same
expression, and each read of the cell whose own live config holds that new name in place of the
key are renamed: the same value under the name this Keras gives it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live import from_keras, is_keras_object
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import entries_with_rule

ENTRY = "config-key-renamed"
_UNREAD = object()


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("KeyError",))
def config_key_read(ctx: CellContext) -> list[Problem]:
    """``D['old']`` on a failing line where the live ``D`` holds one new name of ``old``."""
    key = ctx.exc.args[0] if isinstance(ctx.exc, KeyError) and ctx.exc.args else None
    tree = ctx.cell.tree
    if not isinstance(key, str) or tree is None:
        return []
    reads = [n for n in walk(tree) if _reads(n, key)]
    names = ctx.live_names or {}
    for node in (n for n in reads if n.lineno in ctx.failing_lines):
        new = _renamed(config_value(names, node.value), key)
        if new is None:
            continue
        text = node_text(ctx.cell, node.value)
        # the failing read, the reads of the same expression, and each read whose own live dict
        # holds the same new name in place of the key
        same = [n for n in reads if node_text(ctx.cell, n.value) == text or _renamed(config_value(names, n.value), key) == new]  # fmt: skip
        edits = [node_edit(ctx.cell, n.slice, quoted_like(node_text(ctx.cell, n.slice) or "''", new)) for n in same]  # fmt: skip
        edits = [e for e in edits if e is not None]
        if not edits:
            return []
        problem = from_entry(ENTRY, ctx.line or node.lineno, edits, [key], ctx.shown_versions,
                             old=key, new=new, config=text)  # fmt: skip
        problem.certain = True  # the live dict holds the value under the new name only
        return [problem]
    return []


def _renamed(config: Any, key: str) -> str | None:
    """The one new name of ``key`` the mapping ``config`` holds in its place; ``config`` is a
    Keras object's config (every one names its object: ``name``), not any dict of the user's."""
    if not isinstance(config, Mapping) or key in config or "name" not in config:
        return None
    new = [name for name in new_names(key) if name in config]
    return new[0] if len(new) == 1 else None


def new_names(old: str) -> list[str]:
    """The names the catalogue's keyword renames give the argument ``old``."""
    out: list[str] = []
    for entry in entries_with_rule("keyword-rename"):
        new = entry.data.get("renames", {}).get(old)
        out += [new] if isinstance(new, str) else list(new or ())
    return list(dict.fromkeys(out))


def _reads(node: ast.AST, key: str) -> bool:
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Constant)
        and node.slice.value == key
    )


def config_value(names: dict, node: ast.expr) -> Any:
    """The live value of ``node`` read without running the user's code: a name, a constant-key
    subscript of a mapping, an attribute of a Keras object, ``get_config()`` of a Keras object."""
    if isinstance(node, ast.Name):
        return names.get(node.id, _UNREAD)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        outer, index = config_value(names, node.value), node.slice.value
        if isinstance(outer, Mapping):
            return outer.get(index, _UNREAD)
        if isinstance(outer, (list, tuple)) and isinstance(index, int) and -len(outer) <= index < len(outer):  # fmt: skip
            return outer[index]  # a model's `layers`
        return _UNREAD
    if isinstance(node, ast.Attribute):
        owner = config_value(names, node.value)
        return getattr(owner, node.attr, _UNREAD) if from_keras(owner) else _UNREAD
    if isinstance(node, ast.Call) and not (node.args or node.keywords):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get_config":
            owner = config_value(names, func.value)
            if from_keras(owner) and is_keras_object(getattr(type(owner), "get_config", None)):
                try:
                    return owner.get_config()
                except Exception:
                    return _UNREAD
    return _UNREAD
