"""TensorFlow 1 names TensorFlow 2 moved (``tf.log`` → ``tf.math.log``, ``tf.random_normal`` →
``tf.random.normal``): read from the rename table of TensorFlow's own upgrade tool, which the
installed TensorFlow ships (``tensorflow.tools.compatibility.all_renames_v2``). Only renames to a
TF 2 name are made; a name the table sends to ``tf.compat.v1`` (sessions, placeholders) is the
TF 1 explanation's, not a rewrite, unless TensorFlow's API page names its TF 2 replacement (the
catalogue's ``native``: ``tf.set_random_seed`` → ``tf.random.set_seed``) or it only turns on what
TensorFlow 2 does anyway (``compat_functions``: ``tf.enable_eager_execution``) or is a
configuration message, which runs nothing until a session reads it (``compat_messages``:
``tf.ConfigProto``), or a handle that runs nothing when got (``compat_handles``:
``tf.get_default_graph``; a ``with`` block entering that graph is ``keras3-graph-block``'s)."""

from __future__ import annotations

import ast
import re
import sys
import types

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

MISSING = re.compile(r"module 'tensorflow' has no attribute '(\w+)'")
TABLE = "tensorflow.tools.compatibility.all_renames_v2"


@rule("tf2-renamed-symbol", when=(ERROR,), family="removed-apis", errors=("AttributeError",))
def tf2_renamed_symbol(ctx: CellContext) -> list[Problem]:
    """``tf.NAME`` missing in TF 2 that TensorFlow's upgrade table renames to a TF 2 name that
    resolves here: it and every other such TF 1 name of the cell spelt with the new path."""
    found = MISSING.search(ctx.message or "")
    tf = sys.modules.get("tensorflow")
    if found is None or tf is None or ctx.cell.tree is None:
        return []
    target = _renamed(found.group(1))
    if target is None:
        return []
    edits = []
    for node in walk(ctx.cell.tree):  # every TF 1 name of the cell the table renames, at once
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            continue
        if ctx.live_names.get(node.value.id) is not tf or hasattr(tf, node.attr):
            continue
        new = target if node.attr == found.group(1) else _renamed(node.attr)
        edit = node_edit(ctx.cell, node, f"{node.value.id}.{new}") if new else None
        if edit is not None:
            edits.append(edit)
    if not edits:
        return []
    problem = from_entry(
        "tf2-renamed-symbol",
        ctx.line or edits[0].line,
        edits,
        [found.group(1)],
        old=f"tf.{found.group(1)}",
        new=f"tf.{target}",
    )
    problem.certain = True
    return [problem]


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
    inert = [n for key in ("compat_functions", "compat_messages", "compat_handles") for n in data.get(key, [])]
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
