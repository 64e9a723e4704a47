"""Error rule: a TensorFlow function applied to a Keras 3 symbolic tensor while a functional
model is built (``x = tf.expand_dims(inputs, -1)`` after ``inputs = keras.Input(…)``).

tf.keras 2 turned such a call into a layer by itself (a ``TFOpLambda``); Keras 3's ``KerasTensor``
is a placeholder TensorFlow cannot take ("A KerasTensor cannot be used as input to a TensorFlow
function … wrap `tf_fn` in a layer"). The repair is the one Keras's message names: the
TensorFlow expression of the failing line that reads the symbolic tensors (the outermost call of
a ``tensorflow`` function holding one) runs inside a ``Lambda`` layer, each symbolic tensor it
reads passed in as the layer's input, the expression itself unchanged (the same TensorFlow ops,
the same numbers). A symbolic tensor is known by the live value of its name (read only).
"""

from __future__ import annotations

import ast
import inspect
import sys

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.bindings import rename_keyword_edit
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

MESSAGE = "A KerasTensor cannot be used as input to a TensorFlow function"
KERAS_PACKAGES = ("keras", "tensorflow.keras", "tf_keras")
# the parameters a Lambda's function gets from the layer when it names them (lambda_layer.py)
LAMBDA_KEYWORDS = ("mask", "training")


@rule("symbolic-tensor-in-tf-function", when=(ERROR,), family="layer-arguments", errors=("ValueError",))  # fmt: skip
def symbolic_tensor_in_tf_function(ctx: CellContext) -> list[Problem]:
    """The failing line's TensorFlow expression on symbolic tensors, and every other one of the
    cell's top-level statements (what the failing one makes is symbolic too: a name assigned from
    an expression that reads a symbolic tensor is one), each in its ``Lambda``."""
    if MESSAGE not in ctx.message or ctx.cell.tree is None or ctx.line is None:
        return []
    layers = lambda_path(ctx)
    if layers is None:
        return []
    path, imports = layers
    symbolic = symbolic_names(ctx)
    edits: list[Edit] = []
    shown: list[str] = []
    failing = False
    ops = _ops_path(ctx)
    for call in _outermost_tf_calls(ctx, symbolic):
        names = [n for n in loaded_names(call) if n in symbolic]
        text = node_text(ctx.cell, call)
        if text is None:
            return [_explained(ctx)]
        as_ops = _as_ops(ctx, call, ops) if ops is not None else None
        if as_ops is not None:  # Keras 3's own ops: nodes of the model, saved and loaded with it
            edits += as_ops
            shown.append(text.split("(", 1)[0])
            failing = failing or call.lineno <= ctx.line <= (call.end_lineno or call.lineno)
            continue
        # Keras infers a Lambda's output by calling it on float placeholders: an expression of
        # integer ids or a boolean mask is wrapped only when its functions compute the same on
        # floats (the entry's float_safe)
        if any(_not_float(ctx.live_names.get(n)) for n in names) and not _float_safe(ctx, call):
            return [_explained(ctx)]
        edit = node_edit(ctx.cell, call, lambda_call(path, names, text))
        if edit is None:
            return [_explained(ctx)]
        edits.append(edit)
        shown.append(text.split("(", 1)[0])
        failing = failing or call.lineno <= ctx.line <= (call.end_lineno or call.lineno)
    if not failing:
        return [_explained(ctx)]
    wrapped = any(path in e.text for e in edits)
    added = [*(imports if wrapped else []), *(ops[1] if ops is not None and not wrapped else [])]
    problem = from_entry(
        "symbolic-tensor-in-tf-function",
        ctx.line,
        [*added, *edits],
        shown,
        ctx.shown_versions,
        function=", ".join(f"`{f}`" for f in dict.fromkeys(shown)),
        tensors="a symbolic tensor",
    )
    problem.certain = True
    return [problem]


def _ops_path(ctx: CellContext) -> tuple[str, list[Edit]] | None:
    """How the cell reaches Keras 3's ops (``keras.ops``), with the import it needs; None when
    the live Keras has none (Keras 2)."""
    root = keras_root(ctx)
    module = sys.modules.get("keras.ops") if root is not None else None
    return (f"{root[0]}.ops", root[1]) if root is not None and module is not None else None  # type: ignore[index]


def _as_ops(ctx: CellContext, call: ast.Call, ops: tuple[str, list[Edit]]) -> list[Edit] | None:
    """The edits that make ``call`` and every TensorFlow call inside it Keras 3's op that the
    catalogue says computes the same (``tf.concat([a, b], axis=-1)`` →
    ``keras.ops.concatenate([a, b], axis=-1)``), each keyword renamed as the op names it; the
    op and its parameters read on the live ``keras.ops``. None when one of them has no such op
    (a ``Lambda`` then)."""
    entry = find_entry("symbolic-tensor-in-tf-function")
    table = entry.data.get("ops", {}) if entry is not None else {}
    module = sys.modules.get("keras.ops")
    edits: list[Edit] = []
    for node in ast.walk(call):
        if not isinstance(node, ast.Call):
            continue
        top, _, path = (ctx.scope.bound_path(node.func) or "").partition(".")
        if top != "tensorflow":
            continue
        known = table.get(path) or table.get(path.removeprefix("math."))
        op = getattr(module, known["op"], None) if known else None
        params = list(inspect.signature(op).parameters) if callable(op) else []
        mapping = known.get("parameters", {}) if known else {}
        if not params or any(kw.arg not in mapping for kw in node.keywords) or len(node.args) > len(mapping):  # fmt: skip
            return None
        if any(params.index(new) != i for i, new in enumerate(mapping.values()) if new in params) or not set(mapping.values()) <= set(params):  # fmt: skip
            return None  # the op's parameters are not where the catalogue says
        head = node_edit(ctx.cell, node.func, f"{ops[0]}.{known['op']}")  # type: ignore[index]
        renames = [rename_keyword_edit(ctx.cell, kw, mapping[kw.arg]) for kw in node.keywords if mapping[kw.arg] != kw.arg]  # fmt: skip
        if head is None or None in renames:
            return None
        edits += [head, *(e for e in renames if e is not None)]
    return edits or None


def _explained(ctx: CellContext) -> Problem:
    """The cause without a rewrite (the expression could not be wrapped safely)."""
    problem = from_entry(
        "symbolic-tensor-in-tf-function", ctx.line or 1, [], [], ctx.shown_versions,
        function="function", tensors="a symbolic tensor",
    )  # fmt: skip
    problem.certain = False
    problem.explanation = True
    return problem


def symbolic_names(ctx: CellContext) -> set[str]:
    """Names holding a symbolic tensor: those whose live value is one, and the names the cell's
    top-level statements assign from an expression that reads one, in order."""
    tree = ctx.cell.tree
    symbolic = {
        name
        for name in {n.id for n in walk(tree) if isinstance(n, ast.Name)}
        if live.is_keras_tensor(ctx.live_names.get(name))
    }
    for stmt in model_statements(ctx):
        if isinstance(stmt, ast.Assign) and set(loaded_names(stmt.value)) & symbolic:
            for target in stmt.targets:
                symbolic |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return symbolic


def _not_float(value: object) -> bool:
    """A live symbolic tensor whose dtype is not a float (``int32`` ids, ``bool`` masks)."""
    dtype = str(getattr(value, "dtype", "") or "") if live.is_keras_tensor(value) else ""
    return bool(dtype) and "float" not in dtype


def _float_safe(ctx: CellContext, call: ast.Call) -> bool:
    """Is every TensorFlow function ``call`` uses one the catalogue lists as computing the same
    on float values (``tf.cast``, ``tf.not_equal``, ``tf.reduce_sum`` …)?"""
    entry = find_entry("symbolic-tensor-in-tf-function")
    safe = set(entry.data.get("float_safe", [])) if entry is not None else set()
    for node in ast.walk(call):
        if not isinstance(node, ast.Call):
            continue
        top, _, path = (ctx.scope.bound_path(node.func) or "").partition(".")
        if top != "tensorflow" or path not in safe:
            return False
    return True


def lambda_call(path: str, names: list[str], text: str, keywords: str = "") -> str:
    """``text`` computed by a ``Lambda`` layer (``path``) on the symbolic tensors ``names`` it
    reads, ``keywords`` (``, name='z'``) given to the layer."""
    if len(names) == 1 and names[0] not in LAMBDA_KEYWORDS:
        return f"{path}(lambda {names[0]}: {text}{keywords})({names[0]})"
    if len(names) == 1:  # the layer would pass its own `mask=` to a parameter so named
        return f"{path}(lambda _input: (lambda {names[0]}: {text})(_input){keywords})({names[0]})"
    listed = ", ".join(names)
    return f"{path}(lambda _inputs: (lambda {listed}: {text})(*_inputs){keywords})([{listed}])"


def loaded_names(node: ast.AST) -> list[str]:
    out: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id not in out:
            out.append(sub.id)
    return out


def _outermost_tf_calls(ctx: CellContext, symbolic: set[str]) -> list[ast.Call]:
    """The outermost calls of a function from the ``tensorflow`` package (not ``tf.keras``'s
    layers) that read a symbolic tensor, in the cell's top-level statements."""
    found: list[ast.Call] = []
    for stmt in model_statements(ctx):
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call) or any(within(node, f) for f in found):
                continue
            head = node.func
            while isinstance(head, ast.Attribute):
                head = head.value
            if not isinstance(head, ast.Name):
                continue
            bound = ctx.scope.bindings.get(head.id, "")
            if bound.split(".")[0] != "tensorflow" or "keras" in bound.split("."):
                continue  # not TensorFlow's, or tf.keras's own (a layer, a Model)
            if _reads_keras_layer(ctx, node) or not set(loaded_names(node)) & symbolic:
                continue
            found.append(node)
    return found


def model_statements(ctx: CellContext) -> list[ast.stmt]:
    """The statements that build the model, in order: the cell's top-level ones, or those of
    the innermost function the failing line is in (a builder, ``def build(): inputs =
    keras.Input(…)``; never a class's method, a layer's ``call`` running on real tensors too),
    without the functions and classes they define."""
    body: list[ast.stmt] = list(getattr(ctx.cell.tree, "body", []))
    line = ctx.line or 0
    while True:  # the innermost such function or block: a builder in a script's main(), a loop
        inner = _block_holding(body, line)
        if inner is None:
            break
        body = inner
    return [
        s for s in body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]


BLOCKS = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)


def _block_holding(body: list[ast.stmt], line: int) -> list[ast.stmt] | None:
    """The statements of the function or compound statement of ``body`` that hold ``line``
    (a function's body; a loop's, a branch's, a ``with``'s, a ``try``'s block); None when
    ``line`` is on a simple statement of ``body`` (or a class: its methods run on real tensors)."""
    for stmt in body:
        if not stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return list(stmt.body)
        if isinstance(stmt, BLOCKS):
            blocks = [stmt.body, getattr(stmt, "orelse", []), getattr(stmt, "finalbody", [])]
            blocks += [h.body for h in getattr(stmt, "handlers", [])]
            return next((list(b) for b in blocks if b and b[0].lineno <= line <= (b[-1].end_lineno or b[-1].lineno)), None)  # fmt: skip
    return None


def statements_on_line(roots: list, line: int, kinds: tuple) -> list[ast.stmt]:
    """The statements of ``kinds`` under ``roots`` whose lines hold ``line``, in ``ast.walk``
    order (root by root)."""
    return [
        node
        for root in roots
        for node in ast.walk(root)
        if isinstance(node, kinds) and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]


def within(inner: ast.AST, outer: ast.AST) -> bool:
    return any(n is inner for n in ast.walk(outer))


def _reads_keras_layer(ctx: CellContext, call: ast.Call) -> bool:
    """The callee goes through ``tf.keras`` (a layer, not a TensorFlow op)."""
    text = node_text(ctx.cell, call.func) or ""
    return ".keras." in f".{text}."


def lambda_path(ctx: CellContext) -> tuple[str, list[Edit]] | None:
    """How the cell reaches the ``Lambda`` layer (``keras.layers.Lambda``, ``layers.Lambda``,
    ``tf.keras.layers.Lambda``), with the import it needs when none is bound."""
    bindings = ctx.scope.bindings
    for name, path in bindings.items():
        if path in KERAS_PACKAGES:
            return f"{name}.layers.Lambda", []
    for name, path in bindings.items():
        if path in (f"{p}.layers" for p in KERAS_PACKAGES):
            return f"{name}.Lambda", []
    for name, path in bindings.items():
        if path == "tensorflow":
            return f"{name}.keras.layers.Lambda", []
    root = keras_root(ctx)
    return (f"{root[0]}.layers.Lambda", root[1]) if root is not None else None
