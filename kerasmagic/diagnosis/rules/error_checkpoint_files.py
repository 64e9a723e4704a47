"""Error rule: code that finds a checkpoint's files by the extension Keras 2 gave them.

``ModelCheckpoint('cps/w-{epoch:02d}.hdf5')`` was renamed (Keras 3 writes a whole model only as
``….keras``, weights only as ``….weights.h5``: ``checkpoint-model-extension``,
``save-weights-extension``), and a later line looks the files up the old way:
``glob.glob('cps/*.hdf5')`` or ``[f for f in os.listdir('cps') if f.endswith('.hdf5')]``. It
finds nothing, and the code fails on the empty list ("list index out of range", "max() arg is an
empty sequence"). Evidence, from the live kernel and the disk: a live ``ModelCheckpoint`` whose
file name ends with another extension than the cell's literal; the literal, a glob pattern ending
with the old extension (or the extension itself) that matches no file of the checkpoint's folder,
while the same literal with the checkpoint's extension matches files there. The literal gets the
checkpoint's extension.
"""

from __future__ import annotations

import ast
import fnmatch
import glob
import os
import string
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.value_change import Rewrite, rewrite
from kerasmagic.diagnosis.value_transforms import Transform
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "checkpoint-files-found-by-old-extension"


@rule(ENTRY, when=(ERROR,), family="saving", errors=("IndexError", "ValueError", "StopIteration"), needs=("Checkpoint",))  # fmt: skip
def checkpoint_files(ctx: CellContext) -> list[Problem]:
    """Each literal of the cell that looks a live checkpoint's files up by Keras 2's extension
    (found nothing; finds them with the checkpoint's), given the checkpoint's extension."""
    if ctx.cell.tree is None:
        return []
    old_extensions = _renamed_extensions()
    edits, seen = [], []
    for path in _checkpoint_paths(ctx.namespace or {}):
        for node in walk(ctx.cell.tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            found = _looked_up_the_old_way(node.value, old_extensions, path)
            if found is None:
                continue
            swapped = found[1]
            edit = node_edit(ctx.cell, node, quoted_like(node_text(ctx.cell, node), swapped))
            if edit is not None and (node.lineno, node.col_offset) not in seen:
                seen.append((node.lineno, node.col_offset))
                edits.append((edit, node.value, swapped))
    change = None if edits else _held_pattern(ctx, old_extensions)
    if change is not None:
        rewritten, old_text, new_text = change
        problem = from_entry(ENTRY, ctx.line or 1, list(rewritten.edits), [old_text],
                             ctx.shown_versions, old=old_text, new=new_text)  # fmt: skip
        problem.fix += " " + rewritten.note
        problem.across = rewritten.across if rewritten.earlier else None
        return [problem]
    if not edits:
        return []
    _, old_text, new_text = edits[0]
    problem = from_entry(ENTRY, ctx.line or edits[0][0].line, [e for e, _, _ in edits], [old_text],
                         ctx.shown_versions, old=old_text, new=new_text)  # fmt: skip
    problem.certain = True
    return [problem]


def _held_pattern(ctx: CellContext, old_extensions: list[str]) -> tuple[Rewrite, str, str] | None:
    """A name the cell reads whose value (made here or cells before, followed by provenance)
    looks a live checkpoint's files up by Keras 2's extension, finding none where the
    checkpoint's extension finds them: the value changed where it is made, with (the old value,
    the new one)."""
    for path in _checkpoint_paths(ctx.namespace or {}):
        new = _extension(path)
        for node in walk(ctx.cell.tree):
            if not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)):
                continue
            value = string_value(ctx, node)
            found = _looked_up_the_old_way(value, old_extensions, path) if value else None
            if found is None:
                continue
            old, swapped = found
            renamed = Transform(f"end in `{new}`", literal=lambda t, o=old, n=new: t[: -len(o)] + n if t.endswith(o) else None)  # fmt: skip
            change = rewrite(ctx, node, renamed)
            if change is not None:
                return change, value, swapped  # type: ignore[return-value]
    return None


def _looked_up_the_old_way(value: str, old_extensions: list[str], path: str) -> tuple[str, str] | None:  # fmt: skip
    """(Keras 2's extension ``value`` ends with, ``value`` with the checkpoint's instead) when
    ``value`` misses the files of the checkpoint whose name template is ``path`` and the swapped
    value finds them (``_found_by``); None otherwise."""
    new = _extension(path)
    old = next((e for e in old_extensions if value.endswith(e) and e != new), None)
    if old is None:
        return None
    swapped = value[: -len(old)] + new
    return (old, swapped) if _found_by(value, swapped, os.path.dirname(path) or ".", path) else None


def _checkpoint_paths(namespace: dict[str, Any]) -> list[str]:
    """The file name templates of the live Keras ``ModelCheckpoint`` callbacks of the namespace
    (given by name or in a list of callbacks)."""
    found: list[str] = []
    for value in namespace.values():
        # a list of callbacks, not one of data
        listed = isinstance(value, (list, tuple)) and len(value) <= 64
        for item in value if listed else (value,):
            if type(item).__name__ == "ModelCheckpoint" and live.from_keras(item):
                path = getattr(item, "filepath", None)
                if isinstance(path, str) and path not in found:
                    found.append(path)
    return found


def _renamed_extensions() -> list[str]:
    """The extensions Keras 2 wrote checkpoints under that Keras 3 renames (the catalogue's)."""
    entry = find_entry("checkpoint-model-extension")
    replaced = entry.data.get("replaces", []) if entry is not None else []
    return sorted({*replaced, ".h5"}, key=len, reverse=True)


def _extension(path: str) -> str:
    """``.weights.h5`` or ``.keras``: the part of the name Keras 3 checks."""
    return ".weights.h5" if path.endswith(".weights.h5") else os.path.splitext(path)[1]


def _found_by(literal: str, swapped: str, folder: str, template: str) -> bool:
    """Does the literal miss the checkpoint's files that it finds with the new extension? A
    pattern (``*``, ``?``) is globbed; the extension alone is compared with the folder's files."""
    if literal.startswith("."):  # `.endswith('.hdf5')` over a listing of the folder
        names = os.listdir(folder) if os.path.isdir(folder) else []
        return not any(n.endswith(literal) for n in names) and any(n.endswith(swapped) for n in names)  # fmt: skip
    if not any(c in literal for c in "*?"):
        return False
    now, then = glob.glob(literal), glob.glob(swapped)
    shaped = fnmatch.fnmatch(_any_fields(template), swapped)  # the checkpoint's files, by name
    return not now and bool(then) and shaped


def _any_fields(template: str) -> str:
    """The template with each ``{field}`` as ``x``: a name the checkpoint writes, in shape."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:  # not a format string Keras could fill either
        return template
    return "".join(text + ("x" if field is not None else "") for text, field, _, _ in parts)
