"""``tf.train.latest_checkpoint(folder)`` finds no checkpoint Keras 3 wrote.

TF 2's tf.keras saved weights (``save_weights``, ``ModelCheckpoint(save_weights_only=True)``) as
TensorFlow checkpoints, with the ``checkpoint`` index file ``latest_checkpoint`` reads; Keras 3
writes ``.weights.h5`` files, so ``latest_checkpoint`` returns ``None`` and the load that follows
fails on it. In a folder an older TensorFlow also wrote checkpoints to, the index is still there
and ``latest_checkpoint`` returns that older TF checkpoint, which Keras 3 cannot read ("File format
not supported"): the same repair holds. The value is made again where it is made: the newest ``.weights.h5`` of that folder,
listed with the same TensorFlow's ``tf.io.gfile.glob``, dated by ``os.path.getmtime`` (``import os``
added to each cell changed where ``os`` is not bound; not where the name means something else).
"""

from __future__ import annotations

import ast
import glob
import os
import types
from dataclasses import replace

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import origins, parsed_source
from kerasmagic.diagnosis.rewrite import (
    Edit,
    callee_name,
    insertion_line,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import Transform
from kerasmagic.knowledge.catalogue import find_entry

WEIGHTS = "*.weights.h5"
KERAS3_LOADS = (".weights.h5", ".keras", ".h5")


@rule(
    "latest-checkpoint-of-keras3-weights",
    when=(ERROR,),
    family="saving",
    errors=("TypeError", "ValueError", "AttributeError"),
)
def latest_checkpoint(ctx: CellContext) -> list[Problem]:
    """A name of the failing line made by ``latest_checkpoint(d)`` that holds ``None`` (no TF
    checkpoint index in ``d``) or a TF checkpoint an older TensorFlow left there, where the live
    folder ``d`` holds ``.weights.h5`` files: made again as the newest of those files (by
    modification time, ``None`` when there is none)."""
    cell, line, names = ctx.cell, ctx.line, ctx.live_names
    entry = find_entry("latest-checkpoint-of-keras3-weights")
    if cell.tree is None or line is None or entry is None or not _os_usable(names):
        return []
    for node in walk(cell.tree):
        if isinstance(node, ast.Call) and getattr(node, "lineno", 0) == line:
            inline = _inline(ctx, node, entry.id)  # `load_weights(tf.train.latest_checkpoint(d))`
            if inline is not None:
                return [inline]
        if not (isinstance(node, ast.Name) and getattr(node, "lineno", 0) == line):
            continue
        if node.id not in names or not _unreadable_here(names[node.id]):
            continue
        found = origins(ctx, node, terms=False)
        call = found[0].value if len(found) == 1 else None
        if not (isinstance(call, ast.Call) and _is_latest_checkpoint(call) and call.args):
            continue
        if not _tensorflow_root(call, names):
            continue
        folder = _weights_folder(ctx, call, stale_index=names[node.id] is not None)
        if folder is None:
            continue  # no Keras 3 weights, or a TF checkpoint index latest_checkpoint reads
        rewritten = rewrite(ctx, node, NEWEST_WEIGHTS)
        if rewritten is None:
            continue
        edits, across = _with_os(ctx, rewritten.edits), rewritten.across
        problem = from_entry(entry.id, line, edits, [node.id], folder=folder)
        if rewritten.earlier:
            problem.across = _with_os(ctx, across)
        problem.fix = f"{problem.fix} {rewritten.note}".strip()
        problem.certain = True
        return [problem]
    return []


def _inline(ctx: CellContext, call: ast.Call, entry_id: str) -> Problem | None:
    """The failing line's own ``latest_checkpoint(d)`` call (its value passed on at once), where
    ``d`` holds Keras 3 weights files and no TF checkpoint index: the newest of those files."""
    if not (_is_latest_checkpoint(call) and call.args and _tensorflow_root(call, ctx.live_names)):
        return None
    folder = _weights_folder(ctx, call)
    text = node_text(ctx.cell, call)
    new = _newest(text, None) if folder and text else None
    edit = node_edit(ctx.cell, call, new) if new else None
    if edit is None:
        return None
    edits = _with_os(ctx, [edit])
    problem = from_entry(entry_id, call.lineno, edits, ["latest_checkpoint"], folder=folder)
    problem.certain = True
    return problem


def _unreadable_here(value: object) -> bool:
    """What ``latest_checkpoint`` gave is nothing Keras 3 loads: ``None``, or the prefix of a TF
    checkpoint (no ``.weights.h5``, ``.keras`` or ``.h5`` name)."""
    return value is None or (isinstance(value, str) and not value.endswith(KERAS3_LOADS))


def _weights_folder(ctx: CellContext, call: ast.Call, *, stale_index: bool = False) -> str | None:
    """The live folder ``latest_checkpoint`` reads, when it holds ``.weights.h5`` files and no
    TF checkpoint index (where ``latest_checkpoint`` returns ``None``), or, ``stale_index``, an
    index an older TensorFlow left beside them."""
    folder = string_value(ctx, call.args[0])  # a literal, or the live name's string
    if not folder or not os.path.isdir(folder) or not glob.glob(os.path.join(folder, WEIGHTS)):
        return None
    if stale_index:
        return folder
    return None if os.path.exists(os.path.join(folder, "checkpoint")) else folder


def _newest(call_text: str, _tail: str | None) -> str | None:
    """``tf.train.latest_checkpoint(d)`` → the newest ``.weights.h5`` of ``d``, listed by the
    TensorFlow the call names (``tf.io.gfile.glob``)."""
    tree = ast.parse(call_text.strip(), mode="eval").body
    if not (isinstance(tree, ast.Call) and tree.args):
        return None
    root = tree.func
    while isinstance(root, ast.Attribute):
        root = root.value
    if not isinstance(root, ast.Name) or root.id == tree.func:
        return None
    folder = ast.unparse(tree.args[0])
    pattern = f"os.path.join({folder}, {WEIGHTS!r})"
    return f"max({root.id}.io.gfile.glob({pattern}), key=os.path.getmtime, default=None)"


NEWEST_WEIGHTS = Transform("the newest `.weights.h5` of the folder", value=_newest)


def _is_latest_checkpoint(call: ast.Call) -> bool:
    return callee_name(call) == "latest_checkpoint"


def _tensorflow_root(call: ast.Call, names: dict) -> bool:
    """The call is reached from a name bound to TensorFlow (``tf.train.latest_checkpoint``)."""
    root = call.func
    while isinstance(root, ast.Attribute):
        root = root.value
    module = names.get(root.id) if isinstance(root, ast.Name) else None
    return isinstance(module, types.ModuleType) and module.__name__.split(".")[0] == "tensorflow"


def _os_usable(names: dict | None) -> bool:
    """``os`` is bound to the module the new expression names, or to nothing (imported then)."""
    module = (names or {}).get("os", os)
    return isinstance(module, types.ModuleType) and module.__name__ == "os"


def _with_os(ctx: CellContext, edits: list[Edit]) -> list[Edit]:
    """``edits`` and, where ``os`` is not bound yet, ``import os`` at the top of each cell they
    change (the cell at hand: ``Edit.cell`` None; an earlier one: its index)."""
    if "os" in (ctx.live_names or {}):
        return edits
    out = list(edits)
    for index in dict.fromkeys(e.cell for e in edits):
        cell = ctx.cell if index is None else parsed_source(ctx.earlier[index])
        at = insertion_line(cell)
        here = [i for i, e in enumerate(out) if e.cell == index and (e.line, e.col, e.end_line, e.end_col) == (at, 0, at, 0)]  # fmt: skip
        if here:  # a line bound again at the same place: the import goes first in its text
            out[here[0]] = replace(out[here[0]], text="import os\n" + out[here[0]].text)
        else:
            out.insert(0, Edit(at, 0, at, 0, "import os\n", cell=index))
    return out
