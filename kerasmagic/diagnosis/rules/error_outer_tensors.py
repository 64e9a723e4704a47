"""Error rule: a Keras layer whose methods read the model's symbolic tensors from module-level
names (Keras 2's VAE loss layer reads ``z_mean`` and ``z_log_var`` beside its inputs).

Keras 2 built the whole model in one TensorFlow graph, where such a tensor could be read from
anywhere; Keras 3 calls a layer with its own inputs only, so a computation that mixes them with
the outer tensors stays symbolic (``add_loss`` refuses it, an op cannot infer its output). The
outer tensors become inputs of the layer: the call that makes the layer gets them appended,
``call`` takes them off its inputs first and keeps them on the layer, and the methods read
them there. A class of an earlier cell is changed in its cell and defined again at the top. A
class a function defines (a script's ``main()``) is read from that function's frame in the
traceback, with the tensors of that frame it reads through its closure."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import cell_function_locals
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.redefine import definition, placed
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-layer-outer-tensors"


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("ValueError", "TypeError", "NotImplementedError"))  # fmt: skip
def layer_outer_tensors(ctx: CellContext) -> list[Problem]:
    """``C()(inputs)`` on a line of the error's traceback, where ``C`` (the live class, a Keras
    layer, defined in this cell or an earlier one) has methods that read module-level names
    holding Keras symbolic tensors: those names become inputs of the layer."""
    tree, namespace = ctx.cell.tree, ctx.namespace or {}
    if tree is None or not ctx.failing_lines:
        return []
    for node in walk(tree):
        made = _layer_call(node, ctx.live_names or {})
        if made is None or not set(range(node.lineno, (node.end_lineno or node.lineno) + 1)) & ctx.failing_lines:  # fmt: skip
            continue
        name, klass = made
        for index, parsed in cells(ctx):
            cdef = definition(parsed, name, index is None, ast.ClassDef)
            if cdef is None:
                continue
            outer = _outer_tensors(cdef, _defining_scope(ctx, name, klass))
            edits = _class_edits(parsed, cdef, outer, isinstance(node.args[0], (ast.List, ast.Tuple))) if outer else None  # fmt: skip
            site = _site_edit(ctx.cell, node.args[0], outer) if edits else None
            if edits is None or site is None:
                return []
            moved = placed(ctx.cell, namespace, parsed, cdef, edits, index)
            if moved is None:  # an earlier cell's class the kernel does not hold as defined
                return []
            edits, across = moved
            if across is not None:  # migrate: the class in its cell, the call here
                across = [*across, site]
            problem = from_entry(
                ENTRY,
                node.lineno,
                [*edits, site],
                [name, *outer],
                ctx.shown_versions,
                layer=name,
                tensors=", ".join(f"`{t}`" for t in outer),
                keras=ctx.versions.get("keras", "3"),
            )
            problem.across = across
            return [problem]
        return []
    return []


def _defining_scope(ctx: CellContext, name: str, klass: type) -> dict:
    """The names the class's methods read from outside: the namespace, under the locals of the
    cell's frame in the traceback that holds the class itself (a class a script's ``main()``
    defines reads ``main``'s tensors through its closure)."""
    scope = dict(ctx.namespace or {})
    for local in cell_function_locals(ctx.exc, ctx.namespace, ctx.filename):
        if local.get(name) is klass:
            scope.update(local)
    return scope


def _layer_call(node: ast.AST, namespace: dict) -> tuple[str, type] | None:
    """``C(...)(one_argument)`` whose ``C`` is bound to a Keras layer class here (the namespace,
    or a function of the cell that raised: ``CellContext.live_names``)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Call)):
        return None
    func = node.func.func
    if not isinstance(func, ast.Name) or len(node.args) != 1 or node.keywords:
        return None
    klass = namespace.get(func.id)
    if not live.is_layer_class(klass):
        return None
    return func.id, klass


def _outer_tensors(cdef: ast.ClassDef, namespace: dict) -> list[str]:
    """The names from outside the class (``_defining_scope``) its methods read that hold Keras
    symbolic tensors."""
    found: list[str] = []
    for method in _methods(cdef):
        local = _local_names(method)
        for n in walk(method):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local:
                if n.id not in found and live.is_keras_tensor(namespace.get(n.id)):
                    found.append(n.id)
    return found


def _methods(cdef: ast.ClassDef) -> list[ast.FunctionDef]:
    return [n for n in cdef.body if isinstance(n, ast.FunctionDef)]


def _local_names(method: ast.FunctionDef) -> set[str]:
    args = method.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    names = {a.arg for a in params if a is not None}
    return names | {n.id for n in walk(method) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}  # fmt: skip


def _class_edits(parsed: ParsedCell, cdef: ast.ClassDef, outer: list[str], listed: bool) -> list[Edit] | None:  # fmt: skip
    """Every read of an outer name in the methods as ``self.NAME``, and ``call``'s first lines
    taking the outer tensors off its inputs onto the layer."""
    if any(isinstance(n, ast.Attribute) and n.attr in outer for n in walk(cdef)):
        return None  # the layer has attributes of those names already
    call = next((m for m in _methods(cdef) if m.name == "call"), None)
    if call is None or len(call.args.args) < 2 or not call.body:
        return None
    edits: list[Edit] = []
    for method in _methods(cdef):
        if not method.args.args:
            return None
        me, local = method.args.args[0].arg, _local_names(method)
        for n in walk(method):
            if isinstance(n, ast.Name) and n.id in outer and n.id not in local:
                edit = node_edit(parsed, n, f"{me}.{n.id}")
                if edit is None:
                    return None
                edits.append(edit)
    me, inputs = call.args.args[0].arg, call.args.args[1].arg
    first = call.body[0]
    line = parsed.lines[first.lineno - 1] if first.lineno <= len(parsed.lines) else ""
    indent = line[: len(line) - len(line.lstrip())]
    if first.col_offset != len(indent):
        return None
    held = ", ".join(f"{me}.{t}" for t in outer)
    k = len(outer)
    text = (
        f"{inputs}, ({held},) = {inputs}[:-{k}], {inputs}[-{k}:]"
        if listed
        else f"{inputs}, {held} = {inputs}"
    )
    edits.append(Edit(first.lineno, 0, first.lineno, 0, f"{indent}{text}\n"))
    return edits


def _site_edit(cell: ParsedCell, argument: ast.expr, outer: list[str]) -> Edit | None:
    """The layer's argument with the outer tensors appended (a list literal gains them)."""
    text = node_text(cell, argument)
    if text is None:
        return None
    if isinstance(argument, (ast.List, ast.Tuple)) and text[-1:] in "])":
        inner = text[1:-1].rstrip().rstrip(",")
        return node_edit(cell, argument, f"{text[0]}{inner}, {', '.join(outer)}{text[-1]}")
    return node_edit(cell, argument, f"[{text}, {', '.join(outer)}]")
