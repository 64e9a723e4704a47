"""Static rule: Keras 1's initializer functions, ``initializations.normal(shape, scale=0.01,
name=name)``, the custom initializer Keras 1's own documentation taught. They made a variable of
``shape`` at once; Keras 2 turned them into classes configured first and called with the shape
(``RandomNormal(stddev=0.01)(shape)``), and a function given as ``kernel_initializer`` now returns
that tensor. Each call is rewritten to the class of the catalogue's table with the same numbers
(Keras 1's ``scale`` → the class's argument, its default written out where Keras 2 changed it,
``glorot_normal``/``he_normal`` as the untruncated ``VarianceScaling`` Keras 1 drew from); the
class must exist in the live Keras. ``name=`` and ``dim_ordering=`` have no counterpart (the layer
names its weight; the kernel's layout is Keras's own)."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "keras1-initializer-function"
DROPPED = ("name", "dim_ordering")


@rule(ENTRY, when=(STATIC,), family="renamed-names", needs=("initializations", "initializers"))
def keras1_initializer_function(ctx: CellContext) -> list[Problem]:
    """``M.normal(shape, …)`` with ``M`` Keras's initializers module (Keras 1's name
    ``initializations``, or ``initializers`` called the Keras 1 way) → ``M.Class(…)(shape)``."""
    entry = find_entry(ENTRY)
    tree = ctx.cell.tree
    if entry is None or tree is None:
        return []
    table: dict[str, dict] = entry.data.get("functions", {})
    edits: list[Edit] = []
    shown: list[str] = []
    for call in walk(tree):
        old = _keras1_call(ctx, call, table)
        if old is None:
            continue
        root, function = old
        new = _new_call(ctx.cell, call, table[function], root)  # type: ignore[arg-type]
        if new is None:
            return []
        text, edit = new
        edits.append(edit)
        shown.append(f"`{function}(…)` → `{text}`")
    if not edits:
        return []
    problem = from_entry(
        ENTRY, edits[0].line, edits, ["initializations"], ctx.shown_versions, calls="; ".join(shown)
    )
    problem.certain = True  # the same distribution and numbers; verified by running
    return [problem]


def _keras1_call(ctx: CellContext, call: ast.AST, table: dict) -> tuple[str, str] | None:
    """``(Keras root, function)`` of a Keras 1-style call of an initializer function: the module
    is Keras's (``keras.initializations`` / ``….initializers``) and the call passes the shape
    first, with Keras 1's keywords only."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
        return None
    module, function = call.func.value, call.func.attr
    if not isinstance(module, ast.Name) or function not in table or not call.args:
        return None
    path = ctx.scope.bindings.get(module.id, "")
    root, _, last = path.rpartition(".")
    if last not in ("initializations", "initializers") or root.split(".")[0] not in live.KERAS_TOPS:
        return None
    keywords = {k.arg for k in call.keywords}
    if None in keywords or keywords - {"scale", *DROPPED}:
        return None
    if _number(call.args[0]):  # ``uniform(-0.05, 0.05)``: Keras 2.0's class alias, given no shape
        return None
    keras1 = last == "initializations" or "scale" in keywords or keywords & set(DROPPED)
    if not keras1 and live.resolve_path(f"{root}.initializers.{function}")[0] == live.OK:
        return None  # the name exists here (a class alias): a call of today's API
    return root, function


def _new_call(cell: ParsedCell, call: ast.Call, spec: dict, root: str) -> tuple[str, Edit] | None:
    """The text from the function's name to the call's end, and its edit."""
    klass = spec["class"]
    if live.resolve_path(f"{root}.initializers.{klass}")[0] != live.OK:
        return None
    shape = node_text(cell, call.args[0])
    given = call.args[1] if len(call.args) > 1 else None
    given = next((k.value for k in call.keywords if k.arg == "scale"), given)
    if shape is None or len(call.args) > 2:
        return None
    scale = node_text(cell, given) if given is not None else spec.get("default")
    arguments = spec.get("fixed", "")
    if "scale" in spec and scale is not None:
        arguments = f"{spec['scale']}={scale}"
    elif spec.get("range") and scale is not None:
        low = scale if _atomic(scale) else f"({scale})"
        arguments = f"minval=-{low}, maxval={scale}"
    text = f"{klass}({arguments})({shape})"
    whole = node_edit(cell, call, "")
    if whole is None:
        return None
    name_col = whole.col + len(node_text(cell, call.func) or "") - len(call.func.attr)  # type: ignore[attr-defined]
    if call.func.lineno != call.lineno or "\n" in (node_text(cell, call.func) or "\n"):
        return None
    return text, Edit(whole.line, name_col, whole.end_line, whole.end_col, text)


def _number(node: ast.expr) -> bool:
    """A number written out (``0.05``, ``-0.05``): never a shape."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _atomic(text: str) -> bool:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return False
    return isinstance(node, (ast.Name, ast.Constant, ast.Attribute))
