"""Static rules on how Keras 3 reads a model's data: Python generators that yield lists (Keras 3
reads a list as one structure, it wants tuples: ``yield x, (y1, y2)``), generators given by
position, and a model's ``reset_states``. (A layer's ``batch_input_shape=``:
``rules/keras3_batch_shape.py``.)"""

from __future__ import annotations

import ast
import inspect
import types

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import models_are_keras3, signature
from kerasmagic.diagnosis.keras_paths import is_model_class
from kerasmagic.diagnosis.known_values import bound_in
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

DATA_METHODS = ("fit", "fit_generator", "evaluate", "evaluate_generator", "predict")


def _generator_functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    out = {}
    for node in walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
            isinstance(n, ast.Yield) for n in ast.walk(node)
        ):
            out[node.name] = node
    return out


def _fed_generators(tree: ast.Module, generators: dict[str, ast.FunctionDef]) -> set[str]:
    """Generator functions of the cell whose generator goes to ``fit``/``evaluate``/…, directly
    (``fit(gen(...))``) or through a name assigned from ``gen(...)``."""
    made: dict[str, str] = {}
    for node in walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Name) and func.id in generators:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        made[target.id] = func.id
    fed: set[str] = set()
    for node in walk(tree):
        func = node.func if isinstance(node, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr in DATA_METHODS):
            continue
        values = [*node.args[:1], *(k.value for k in node.keywords if k.arg in ("x", "generator"))]
        values += [k.value for k in node.keywords if k.arg == "validation_data"]
        for value in values:
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
                if value.func.id in generators:
                    fed.add(value.func.id)
            elif isinstance(value, ast.Name) and value.id in made:
                fed.add(made[value.id])
    return fed


def _list_as_tuple(ctx: CellContext, node: ast.List) -> Edit | None:
    texts = [node_text(ctx.cell, e) for e in node.elts]
    if not node.elts or any(
        t is None or isinstance(e, ast.Starred) for t, e in zip(texts, node.elts)
    ):
        return None
    inner = ", ".join(t for t in texts if t is not None) + ("," if len(texts) == 1 else "")
    return node_edit(ctx.cell, node, f"({inner})")


@rule("keras3-generator-yields-list", when=(STATIC,), family="model-methods", needs="yield")
def generator_yields_list(ctx: CellContext) -> list[Problem]:
    """A generator of the cell, given to ``fit``/``fit_generator`` of a Keras 3 model, that
    yields lists (``yield x, [y1, y2]``): the lists of the yielded structure become tuples."""
    tree = ctx.cell.tree
    if tree is None or "yield" not in ctx.source or not models_are_keras3(ctx):
        return []
    generators = _generator_functions(tree)
    out: list[Problem] = []
    for name in sorted(_fed_generators(tree, generators)):
        edits: list[Edit] = []
        for node in ast.walk(generators[name]):
            if not isinstance(node, ast.Yield) or node.value is None:
                continue
            value = node.value
            parts = value.elts if isinstance(value, ast.Tuple) else [value]
            for part in parts:
                if isinstance(part, ast.List):
                    edit = _list_as_tuple(ctx, part)
                    if edit is None:
                        edits = []
                        break
                    edits.append(edit)
        if edits:
            out.append(
                from_entry(
                    "keras3-generator-yields-list",
                    edits[0].line,
                    edits,
                    [name, "fit_generator", "fit"],
                    ctx.shown_versions,
                    generator=name,
                    keras=ctx.versions.get("keras", "3"),
                )
            )
    return out


@rule("fit-generator-positional", when=(STATIC,), family="model-methods", needs="fit")
def fit_generator_positional(ctx: CellContext) -> list[Problem]:
    """``model.fit(gen(...), steps, epochs)``: the positional arguments of the old
    ``fit_generator`` given to ``fit``, whose second parameter is ``y`` (refused with a
    generator): written as the ``fit_generator`` keywords they were, where the live ``fit``
    takes them. The generator function is the cell's, or one the kernel holds (an earlier
    cell's); a name the cell does not bind may hold the generator itself."""
    tree = ctx.cell.tree
    entry = find_entry("fit-generator-positional")
    if tree is None or entry is None:
        return []
    order = list(entry.data.get("positional", []))
    generators = _generator_functions(tree)
    out: list[Problem] = []
    for call in walk(tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == "fit") or len(call.args) < 2:
            continue
        first = _generator_made(ctx, tree, call.args[0], generators)
        if first is None:
            continue
        sigs = [signature(getattr(m, "fit", None)) for m in ctx.scope.model_classes()]
        if not sigs or any(s is None for s in sigs):
            continue
        given = {k.arg for k in call.keywords}
        edits: list[Edit] = []
        for value, name in zip(call.args[1:], order):
            if name in given or not all(name in s.parameters for s in sigs if s is not None):
                edits = []
                break
            at = node_edit(ctx.cell, value, "")
            if at is None or isinstance(value, ast.Starred):
                edits = []
                break
            edits.append(Edit(at.line, at.col, at.line, at.col, f"{name}="))
        if edits and len(edits) == len(call.args) - 1:
            out.append(
                from_entry(
                    "fit-generator-positional",
                    call.lineno,
                    edits,
                    ["fit", "y", first],
                    ctx.shown_versions,
                    generator=f"{first}(...)" if isinstance(call.args[0], ast.Call) else first,
                )
            )
    return out


def _generator_made(ctx: CellContext, tree: ast.AST, first: ast.expr, generators: dict) -> str | None:
    """The name of the generator function ``first`` calls (defined in the cell, or a generator
    function the kernel holds), or of the live generator a name the cell does not bind holds;
    None for anything else."""
    names = ctx.live_names or {}
    if isinstance(first, ast.Call) and isinstance(first.func, ast.Name):
        name = first.func.id
        live_function = names.get(name) if not bound_in(tree, name) else None
        return name if name in generators or inspect.isgeneratorfunction(live_function) else None
    if isinstance(first, ast.Name) and not bound_in(tree, first.id):
        return first.id if isinstance(names.get(first.id), types.GeneratorType) else None
    return None


def _model_names(ctx: CellContext, tree: ast.Module) -> set[str]:
    """Names the cell binds to a Keras model it builds (``model = Sequential()``), or that name a
    live model an earlier cell made."""
    namespace = ctx.namespace or {}
    names: set[str] = {
        n.id
        for n in walk(tree)
        if isinstance(n, ast.Name) and is_model_class(type(namespace.get(n.id)))
    }
    for node in walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            callee = ctx.scope.callee(node.value.func)
            if callee is not None and is_model_class(callee[0]):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


@rule("keras3-model-reset-states", when=(STATIC,), family="model-methods", needs="reset_states")
def model_reset_states(ctx: CellContext) -> list[Problem]:
    """``model.reset_states()`` on a Keras 3 model (which has none): the loop Keras 2's method
    ran, resetting each stateful layer, where the live RNN layer class has ``reset_states``. The
    model is a name the cell assigns a model to, or, after the call raised, any expression on the
    failing line whose object the AttributeError names (``self.model`` in a callback)."""
    tree = ctx.cell.tree
    if tree is None or "reset_states" not in ctx.source:
        return []
    proved = any(_raised_here(ctx, stmt) for stmt in walk(tree) if isinstance(stmt, (ast.Expr, ast.Assign)))  # fmt: skip
    if not proved and not models_are_keras3(ctx):
        return []
    models = ctx.scope.model_classes()
    status, rnn = live.resolve_path("keras.layers.RNN")
    if any(hasattr(m, "reset_states") for m in models) or status != live.OK:
        return []
    if not hasattr(rnn, "reset_states"):
        return []
    names = _model_names(ctx, tree)
    out: list[Problem] = []
    for stmt in walk(tree):
        call = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == "reset_states"):
            continue
        # ``hidden = model.reset_states()``: Keras 2's method returned None, kept in the name
        kept = stmt.targets if isinstance(stmt, ast.Assign) else []
        if kept and (len(kept) != 1 or not isinstance(kept[0], ast.Name)):
            continue
        named = isinstance(func.value, ast.Name) and func.value.id in names
        if not (named or _raised_here(ctx, stmt)) or call.args:
            continue
        at = node_edit(ctx.cell, stmt, "")
        if at is None or at.line != at.end_line:
            continue
        line = ctx.cell.source.splitlines()[at.line - 1]
        indent = line[: at.col]
        if indent.strip() or line[at.end_col :].strip():
            continue
        model = node_text(ctx.cell, func.value) or ""
        text = (
            f"for _layer in {model}.layers:\n"
            f'{indent}    if getattr(_layer, "stateful", False) and hasattr(_layer, "reset_states"):\n'
            f"{indent}        _layer.reset_states()"
        )
        if kept:
            text += f"\n{indent}{kept[0].id} = None"  # type: ignore[attr-defined]
        out.append(
            from_entry(
                "keras3-model-reset-states",
                stmt.lineno,
                [Edit(at.line, at.col, at.end_line, at.end_col, text)],
                ["reset_states", model],
                ctx.shown_versions,
                keras=ctx.versions.get("keras", "3"),
            )
        )
    return out


def _raised_here(ctx: CellContext, stmt: ast.stmt) -> bool:
    """Did ``stmt`` (on the failing line) raise ``AttributeError: … 'reset_states'`` on a live
    Keras model (``AttributeError.obj``, read only)?"""
    exc = ctx.exc
    if not isinstance(exc, AttributeError) or getattr(exc, "name", None) != "reset_states":
        return False
    if ctx.line != stmt.lineno:
        return False
    try:
        return is_model_class(type(getattr(exc, "obj", None)))
    except Exception:
        return False
