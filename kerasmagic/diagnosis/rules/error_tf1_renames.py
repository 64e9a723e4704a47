"""TensorFlow 1 names TensorFlow 2 moved (``tf.log`` → ``tf.math.log``, ``tf.random_normal`` →
``tf.random.normal``, ``tf.image.resize_images`` → ``tf.image.resize``): read from the rename
table of TensorFlow's own upgrade tool, which the installed TensorFlow ships
(``tensorflow.tools.compatibility.all_renames_v2``); also through a ``Lambda``, whose shape
inference hides the error (``CellContext.wrapped``). Only renames to a
TF 2 name are made; a name the table sends to ``tf.compat.v1`` (sessions, placeholders) is the
TF 1 explanation's, not a rewrite, unless TensorFlow's API page names its TF 2 replacement (the
catalogue's ``native``: ``tf.set_random_seed`` → ``tf.random.set_seed``) or it only turns on what
TensorFlow 2 does anyway (``compat_functions``: ``tf.enable_eager_execution``) or is an op
that computes a tensor from tensors as it did (``compat_ops``: ``tf.to_float``, the resize ops
keeping ``align_corners``) or a configuration message, which runs nothing until a session reads
it (``compat_messages``: ``tf.ConfigProto``), or a handle that runs nothing when got (``compat_handles``:
``tf.get_default_graph``; a ``with`` block entering that graph is ``keras3-graph-block``'s)."""

from __future__ import annotations

import ast
import re
import sys
import types

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

# `tf.NAME`, or `tf.image.NAME` (the submodule as TensorFlow 2 names it: tensorflow._api.v2.image)
MISSING = re.compile(r"module 'tensorflow(?:\._api\.v2)?((?:\.\w+)*)' has no attribute '(\w+)'")
TABLE = "tensorflow.tools.compatibility.all_renames_v2"


@rule("tf2-renamed-symbol", when=(ERROR,), family="removed-apis", errors=("AttributeError",))
def tf2_renamed_symbol(ctx: CellContext) -> list[Problem]:
    """``tf.NAME`` missing in TF 2 that TensorFlow's upgrade table renames to a TF 2 name that
    resolves here: it and every other such TF 1 name of the cell spelt with the new path."""
    # the message, or the error Keras hid (a Lambda's function failing in its shape inference)
    found = MISSING.search(f"{ctx.message}\n{ctx.wrapped if ctx.wrapped is not None else ''}")
    tf = sys.modules.get("tensorflow")
    if found is None or tf is None or ctx.cell.tree is None:
        return []
    missing = f"{found.group(1)}.{found.group(2)}".lstrip(".")  # image.resize_images
    target = _renamed(missing)
    if target is None:
        return []
    edits = []
    for node in walk(ctx.cell.tree):  # every TF 1 name of the cell the table renames, at once
        path = _tf_path(ctx, node, tf)
        if path is None:
            continue
        new = target if path == missing else _renamed(path)
        edit = node_edit(ctx.cell, node, f"{dotted(node).split('.')[0]}.{new}") if new else None
        if edit is not None:
            edits.append(edit)
    if not edits:
        return []
    problem = from_entry(
        "tf2-renamed-symbol",
        ctx.line or edits[0].line,
        edits,
        [missing],
        old=f"tf.{missing}",
        new=f"tf.{target}",
    )
    problem.certain = True
    return [problem]


def _tf_path(ctx: CellContext, node: ast.AST, tf: types.ModuleType) -> str | None:
    """``image.resize_images`` for ``tf.image.resize_images`` read on the live TensorFlow when
    that path is missing there and the chain before its last name resolves (the outermost
    missing name: ``tf.image`` of it is not one)."""
    text = dotted(node) if isinstance(node, ast.Attribute) else None
    head, _, path = (text or "").partition(".")
    if not path or ctx.live_names.get(head) is not tf:
        return None
    parent = path.rpartition(".")[0]
    if parent and live.resolve_path(f"tensorflow.{parent}")[0] != live.OK:
        return None
    return path if live.resolve_path(f"tensorflow.{path}")[0] != live.OK else None


def _renamed(name: str) -> str | None:
    """The TF 2 path (without ``tf.``) TensorFlow's table gives ``tf.NAME``, when it is not under
    ``compat`` and resolves in the live TensorFlow."""
    entry = find_entry("tf2-renamed-symbol")
    native = entry.data.get("native", {}).get(name) if entry is not None else None
    if native:  # the TF 2 function TensorFlow's own API page names for a compat.v1 one
        return native if live.resolve_path(f"tensorflow.{native}")[0] == live.OK else None
    table = sys.modules.get(TABLE)
    if table is None:
        status, table = live.module_status(TABLE)
        if status != live.OK:
            return None
    renames = (
        getattr(table, "symbol_renames", None) if isinstance(table, types.ModuleType) else None
    )
    if not isinstance(renames, dict):
        return None
    new = renames.get(f"tf.{name}")
    data = entry.data if entry is not None else {}
    inert = [n for key in ("compat_functions", "compat_messages", "compat_handles", "compat_ops") for n in data.get(key, [])]
    switch = new == f"tf.compat.v1.{name}" and name in inert  # what TF 2 does anyway; a message
    if not switch and (not isinstance(new, str) or not new.startswith("tf.") or ".compat." in new):
        new = _module_renamed(renames, name, entry.data.get("compat_modules", []) if entry else [])
    if new is None:
        return None
    path = new[len("tf.") :]
    return path if live.resolve_path(f"tensorflow.{path}")[0] == live.OK else None


def _module_renamed(renames: dict, name: str, compat_ok: list[str]) -> str | None:
    """``tf.NAME`` a TF 1 module every name of which the table moves under one new module
    (``tf.logging.*`` → ``tf.compat.v1.logging.*``): that module. One under ``tf.compat.v1`` is
    taken only when the catalogue lists it as working in TensorFlow 2 as it did (``logging``:
    messages, no graph or session)."""
    homes = {v.rsplit(".", 1)[0] for k, v in renames.items() if k.startswith(f"tf.{name}.")}
    if len(homes) != 1:
        return None
    home = homes.pop()
    if ".compat." in home and not (home == f"tf.compat.v1.{name}" and name in compat_ok):
        return None
    return home
