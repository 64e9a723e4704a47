"""Error rule: a model written for channels-first images (Keras 1's default image ordering, or a
``keras.json`` that said ``"th"`` / ``"channels_first"``) run where Keras reads images channels
last.

Keras 1's built-in image ordering was ``'th'``: an image is (channels, rows, columns), and its
code wrote ``input_shape=(3, 150, 150)`` and ``reshape(n, 1, 28, 28)``; the setting lived outside
the code, in ``~/.keras/keras.json``, and Keras's data loaders (``cifar10.load_data``,
``ImageDataGenerator``) followed it too. Since Keras 2 the default is ``channels_last``: the same
code reads 3 rows of 150 columns, and a convolution or pooling a few layers on has nothing left
("Computed output size would be zero or negative", TensorFlow's "Negative dimension size"); code
that sets the ordering itself after its data is loaded gives its channels-first layers arrays the
loaders made channels last ("expected axis 1 of input shape to have value 3, but received input
with shape (None, 32, 32, 3)").

Evidence, all of it required: the message (a size computed negative, or an axis of an image
input that does not match); a channels-first image shape in the code that ran (a 3-element input
shape whose first number is a channel count, 1, 3 or 4, and whose two image sides, at least 8,
follow; or a 4-element ``reshape`` the same way, the numbers literal or live integers), read in
the cells so far, the kernel's input history and the user's modules the traceback passes
through, or the input of a live model of the namespace (one a module of the user's built);
no ``channels_last`` written anywhere. The fix is the author's setting, made where
``keras.json`` made it, before anything Keras reads it: ``set_image_data_format('channels_first')``
right after the first Keras import of the notebook, in the first cell that imports Keras (the
entry's ``earlier_cell``: ``migrate`` runs the notebook again from there), verified by running.
Layers and loaders then read images as the author's Keras did: the same model trains.

Where TensorFlow's CPU gradient kernels refuse channels first (``image_layout``: measured with one
gradient step) and the notebook does not set ``TF_ENABLE_ONEDNN_OPTS`` itself, the same cell also
switches oneDNN's operations on just before its first Keras import (TensorFlow reads the variable
at its import, so the fix runs after a restart: ``migrate`` runs the notebook again in a fresh
kernel). The same switch is the fix of ``channels-first-cpu-training``: code that sets the
ordering itself (``K.set_image_dim_ordering('th')``, ``data_format='channels_first'``) builds its
model, and its ``fit`` fails in TensorFlow's gradient op ("Detected at node
…/Conv2DBackpropFilter"). Evidence: that message, a live model of the namespace with a layer set
to channels first, and the failing gradient step measured in the kernel.
"""

from __future__ import annotations

import ast
import linecache
import os
import re
import sys
from collections.abc import Iterator

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import is_cell_frame
from kerasmagic.diagnosis.image_layout import (
    ONEDNN,
    channels_first_trains,
    first_keras_import,
    is_keras,
    onednn_edit,
    onednn_on,
    sets_onednn,
)
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, parse_cell, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import fill, find_entry

ENTRY = "keras1-channels-first"
NEGATIVE = re.compile(
    r"Computed output size would be (?:zero or )?negative|Negative dimension size"
    r"|output is <= 0 due to downsampling"  # Keras 3 (3.13: "would be negative"); TensorFlow's ops; Keras 2's convolutions
)
AXIS = re.compile(
    r"expected axis (-?\d+) of input shape to have value (\d+), "
    r"but received input with shape \(([^)]*)\)"
)
# Keras 3's refusal of a functional model's input: the shape it declared and the one it was given
EXPECTED_FOUND = re.compile(r"expected shape=\(([^)]*)\), found shape=\(([^)]*)\)")
CHANNELS = (1, 3, 4)  # grey, colour, colour with alpha
SIDE = 8  # an image side; a channels-last reading of the shape would have as many channels
SHAPE_KEYWORDS = ("input_shape", "shape", "batch_input_shape", "batch_shape")
CHANNELS_LAST = re.compile(
    r"channels_last|image_dim_ordering\(\s*['\"]tf['\"]|dim_ordering\s*=\s*['\"]tf['\"]"
)
# TensorFlow's messages when a channels-first convolution meets its CPU kernels: the gradient ops
# named in "Detected at node …/Conv2DBackpropFilter" (fit), or the op's own refusal
CONV_GRADIENT = re.compile(r"Conv\dD(?:Backprop(?:Filter|Input))|only supports (?:the )?NHWC")
TRAINING = "channels-first-cpu-training"


@rule(ENTRY, when=(ERROR,), family="renamed-names", needs=live.KERAS_TOPS, errors=("ValueError",))
def channels_first(ctx: CellContext) -> list[Problem]:
    """The setting the author's ``keras.json`` made, at the top of the first cell that imports
    Keras, when the error is an image ordering's and the code's images are channels first."""
    if ctx.cell.tree is None or not _ordering_error(ctx.message):
        return []
    if any(first_keras_import(parse_cell(cell).tree) for cell in ctx.earlier):
        return []  # not the first Keras cell: the fix is made there (``earlier_cell``)
    if _set_at_the_top(ctx.cell.tree):
        return []  # made already (this fix, or the author's): the error has another cause
    first = first_keras_import(ctx.cell.tree)
    root = _root(first) if first is not None else _raising_root(ctx)
    if root is None:
        return []
    called = _traceback_sources(ctx.exc, ctx.namespace)
    sources = [*ctx.earlier, ctx.source, *called, *_history(ctx.namespace)]
    if any(CHANNELS_LAST.search(s) for s in sources):
        return []
    written = any(_channels_first_shape(s, ctx.namespace or {}) for s in sources)
    if not written and not _live_channels_first(ctx.live_names):
        return []
    switch = None  # oneDNN's operations, where TensorFlow's CPU kernels need them to train it
    if not channels_first_trains(root):
        if first is None or onednn_on() or any(ONEDNN in s for s in sources):
            return [_cannot_train_here(ctx, root)]
        switch = onednn_edit(first, ctx.cell.tree)
    text = (
        f"from {root}.backend import set_image_data_format\n"
        'set_image_data_format("channels_first")  # as Keras 1 and its keras.json read images\n'
    )
    at = (first.end_lineno or first.lineno) + 1 if first is not None else insertion_line(ctx.cell)
    edits = [e for e in (switch, Edit(at, 0, at, 0, text)) if e is not None]
    # an earlier cell's finding is shown at the failing line (the failing cell's frame), as the
    # finding of the error that line raised
    line = ctx.line if ctx.line is not None else at
    names = ["set_image_data_format", *([ONEDNN] if switch else [])]
    problem = from_entry(ENTRY, line, edits, names, ctx.shown_versions, root=root)
    if switch is not None:
        _switched_on(problem, ENTRY, root)
    return [problem]


@rule(TRAINING, when=(ERROR,), family="environment", errors=("InvalidArgumentError", "UnimplementedError"))
def channels_first_training(ctx: CellContext) -> list[Problem]:
    """oneDNN's operations switched on before the first import of TensorFlow, when training a
    live model with channels-first convolutions failed in TensorFlow's CPU gradient kernels and
    one such gradient step, measured here, fails too."""
    if ctx.cell.tree is None or not CONV_GRADIENT.search(ctx.message) or onednn_on():
        return []
    if any(ONEDNN in s for s in (*ctx.earlier, ctx.source)):
        return []  # the author sets the switch: left as it is
    first = first_keras_import(ctx.cell.tree)
    earlier = any(first_keras_import(parse_cell(cell).tree) for cell in ctx.earlier)
    root = _root(first) if first is not None else "keras"
    if not _live_channels_first_layer(ctx.live_names) or channels_first_trains(root):
        return []
    if earlier or first is None:
        # not the first Keras cell: the switch goes there (``earlier_cell``, ``migrate``); here,
        # what to do, with no corrected cell (``%%keras_check`` on the failing cell)
        if ctx.line is None:
            return []  # an earlier cell diagnosed for the error: only the first Keras cell fixes
        problem = from_entry(TRAINING, ctx.line, [], [ONEDNN], ctx.shown_versions, variable=ONEDNN)
        problem.certain, problem.explanation, problem.restart_needed = False, True, True
        return [problem]
    line = ctx.line if ctx.line is not None else first.lineno
    problem = from_entry(TRAINING, line, [onednn_edit(first, ctx.cell.tree)], [ONEDNN], ctx.shown_versions, variable=ONEDNN)  # fmt: skip
    _switched_on(problem, TRAINING, root)
    return [problem]


def _switched_on(problem: Problem, entry_id: str, root: str) -> None:
    """A fix whose switch TensorFlow reads at its import: it runs after a restart."""
    entry = find_entry(entry_id)
    if entry is not None and entry.data.get("fix_onednn"):
        problem.fix = fill(entry.data["fix_onednn"], {"root": root, "variable": ONEDNN})
    problem.restart_needed = True  # ``migrate`` runs the notebook again in a fresh kernel


def _cannot_train_here(ctx: CellContext, root: str) -> Problem:
    """The cause stands, but the setting would only move the error to training here (TensorFlow's
    CPU gradient kernels take channels first only with oneDNN's operations on, see
    ``image_layout``): the finding explains, says what makes it train, and corrects nothing."""
    entry = find_entry(ENTRY)
    line = ctx.line if ctx.line is not None else insertion_line(ctx.cell)
    problem = from_entry(ENTRY, line, [], ["set_image_data_format"], ctx.shown_versions, root=root)
    if entry is not None and entry.data.get("fix_untrainable"):
        problem.fix = fill(entry.data["fix_untrainable"], {**ctx.shown_versions, "root": root})
    problem.certain = False
    problem.explanation = True
    return problem


def _ordering_error(message: str) -> bool:
    """A size computed negative, or an image input whose channel count sits on the other side."""
    if NEGATIVE.search(message):
        return True
    if _channels_first_input_refused(message):
        return True
    found = AXIS.search(message)
    if found is None:
        return False
    axis, value = int(found.group(1)), found.group(2)
    dims = [d.strip() for d in found.group(3).split(",") if d.strip()]
    if len(dims) != 4:
        return False
    first_side = axis == 1 and dims[3] == value  # channels-first layer, channels-last array
    last_side = axis in (-1, 3) and dims[1] == value  # and the other way round
    return first_side or last_side


def _channels_first_input_refused(message: str) -> bool:
    """Keras 3 refused a model's input that it declared as a channels-first image (``expected
    shape=(None, 1, 28, 28)``) and was given another shape: what channels-last layers made of the
    same channels-first code upstream (a generator's ``Reshape((128, 7, 7))`` upsampled as 128
    rows), or channels-last arrays."""
    found = EXPECTED_FOUND.search(message)
    if found is None:
        return False
    expected = [d.strip() for d in found.group(1).split(",") if d.strip()]
    given = [d.strip() for d in found.group(2).split(",") if d.strip()]
    if len(expected) != 4 or not all(d.isdigit() for d in expected[1:]) or given == expected:
        return False
    channels, rows, cols = (int(d) for d in expected[1:])
    return channels in CHANNELS and min(rows, cols) >= SIDE


def _raising_root(ctx: CellContext) -> str | None:
    """A cell that imports no Keras but ran into it (through a module of the user's), first of
    the notebook to do so: the Keras package whose code raised the error."""
    if ctx.line is None:
        return None
    tb, root = getattr(ctx.exc, "__traceback__", None), None
    while tb is not None:
        parts = tb.tb_frame.f_code.co_filename.replace(os.sep, "/").split("/")
        root = next((p for p in ("tf_keras", "keras") if p in parts), root)
        tb = tb.tb_next
    return root


def _set_at_the_top(tree: ast.Module) -> bool:
    """Does the cell set the channels-first ordering among its first statements, its imports?"""
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)) or sets_onednn(stmt):
            continue
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not isinstance(call, ast.Call) or not call.args:
            return False
        name = getattr(call.func, "attr", None) or getattr(call.func, "id", None)
        value = getattr(call.args[0], "value", None)
        return name == "set_image_data_format" and value == "channels_first"
    return False


def _root(stmt: ast.stmt) -> str:
    """The module the cell reaches Keras through: ``keras``, ``tensorflow.keras`` or
    ``tf_keras``, as the import spells it."""
    names = [a.name for a in stmt.names] if isinstance(stmt, ast.Import) else [stmt.module or ""]  # type: ignore[attr-defined]
    top = next(n.split(".")[0] for n in names if is_keras(n))
    return "tensorflow.keras" if top == "tensorflow" else top


def _traceback_sources(exc: BaseException | None, namespace: dict | None) -> Iterator[str]:
    """The text of each file of the user's (cells, modules) the error's traceback passes through,
    from the notebook's first frame inward (not the code that ran the notebook)."""
    tb, seen = getattr(exc, "__traceback__", None), set()
    while tb is not None and not is_cell_frame(tb.tb_frame, namespace, None):
        tb = tb.tb_next
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
        if name in seen or _installed(name):
            continue
        seen.add(name)
        lines = linecache.getlines(name)
        if lines:
            yield "".join(lines)


def _installed(name: str) -> bool:
    return (
        "site-packages" in name
        or "dist-packages" in name
        or name.startswith((sys.base_prefix + os.sep, sys.prefix + os.sep))
    )


def _history(namespace: dict | None) -> list[str]:
    """The kernel's input history (IPython's ``In``): the cells that built the model."""
    cells = (namespace or {}).get("In")
    return [c for c in cells if isinstance(c, str)] if isinstance(cells, list) else []


def _channels_first_shape(source: str, namespace: dict) -> bool:
    tree = parse_cell(source).tree
    for node in walk(tree) if tree is not None else ():
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg in SHAPE_KEYWORDS:
                dims = _ints(kw.value, namespace)
                if dims and kw.arg.startswith("batch"):
                    dims = dims[1:]
                if dims and _image_first(dims):
                    return True
        if getattr(node.func, "attr", None) == "reshape":
            args = node.args[0] if len(node.args) == 1 else ast.Tuple(elts=node.args)
            dims = _ints(args, namespace)
            if dims and len(dims) == 4 and _image_first(dims[1:]):
                return True
    return False


def _live_channels_first(names: dict) -> bool:
    """Does a live Keras model of the namespace take a channels-first image (a model built in a
    module of the user's, whose source the error's traceback does not pass through)? Read only."""
    for value in list(names.values()):
        if not live.is_keras_instance(value):
            continue
        try:
            inputs = value.inputs if getattr(value, "built", False) else None
            shapes = [tuple(i.shape)[1:] for i in inputs or ()]
        except Exception:  # a model with no inputs yet
            continue
        if any(_image_first([d if isinstance(d, int) else None for d in s]) for s in shapes):
            return True
    return False


def _live_channels_first_layer(names: dict) -> bool:
    """Does a live Keras model of the namespace hold a layer set to channels first (its
    ``data_format``, nested models searched)? Read only."""
    seen: set[int] = set()
    stack = [v for v in list(names.values()) if live.is_keras_instance(v) and hasattr(v, "layers")]
    while stack:
        model = stack.pop()
        if id(model) in seen:
            continue
        seen.add(id(model))
        try:
            layers = list(model.layers)
        except Exception:
            continue
        for layer in layers:
            if getattr(layer, "data_format", None) == "channels_first":
                return True
            if hasattr(layer, "layers"):
                stack.append(layer)
    return False


def _image_first(dims: list[int | None]) -> bool:
    if len(dims) != 3 or None in dims[1:]:
        return False
    return dims[0] in CHANNELS and dims[1] >= SIDE and dims[2] >= SIDE  # type: ignore[operator]


def _ints(node: ast.AST, namespace: dict) -> list[int | None] | None:
    """A tuple or list of integers (literal, or names bound to integers in the namespace); an
    element that is neither is None."""
    if not isinstance(node, (ast.Tuple, ast.List)):
        return None
    out: list[int | None] = []
    for elt in node.elts:
        value = elt.value if isinstance(elt, ast.Constant) else None
        if isinstance(elt, ast.Name):
            value = namespace.get(elt.id)
        out.append(value if isinstance(value, int) and not isinstance(value, bool) else None)
    return out
