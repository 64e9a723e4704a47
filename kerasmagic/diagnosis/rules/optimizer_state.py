"""Error rule: an optimizer handed a variable it was not built for ("Unknown variable … This
optimizer can only be called for the variables it was originally built with").

A cause is named only when the cell shows it: one optimizer object passed to the ``compile`` of
two models (``optimizer-reused-across-models``). Otherwise the error is explained for what it
means, with the known ways in and what this cell does not tell (``optimizer-unknown-variable``).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.known_values import MISSING, known_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

REUSED, UNKNOWN = "optimizer-reused-across-models", "optimizer-unknown-variable"
# Keras 3's words for a variable an optimizer was not built for (the path of that variable)
UNKNOWN_VARIABLE = re.compile(r"Unknown variable: <Variable path=([^,>\s]+)")


def _optimizer_arg(call: ast.Call) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == "optimizer":
            return kw.value
    return call.args[0] if call.args else None


def _compiles_with_a_name(tree: ast.AST) -> list[tuple[ast.Call, ast.Name]]:
    """Each ``….compile(…)`` call whose optimizer is a variable, with that variable."""
    found = []
    for node in walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "compile"
        ):
            arg = _optimizer_arg(node)
            if isinstance(arg, ast.Name):
                found.append((node, arg))
    return found


def shared_optimizer(ctx: CellContext) -> tuple[str, list[int], list[str]] | None:
    """``(name, compile lines, models)`` when one optimizer variable goes to the ``compile`` of
    two different models, or to a ``compile`` inside a loop (a model per iteration)."""
    tree = ctx.cell.tree
    if tree is None:
        return None
    uses: dict[str, list[tuple[int, str]]] = {}
    looped: set[int] = set()
    for node in walk(tree):
        if isinstance(node, (ast.For, ast.While, ast.comprehension)):
            for inner in ast.walk(node if not isinstance(node, ast.comprehension) else node.iter):
                looped.add(id(inner))
    # a function that builds and compiles a model, called more than once: a new model each call
    calls = [
        n.func.id for n in walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    ]
    for node in walk(tree):
        if isinstance(node, ast.FunctionDef) and calls.count(node.name) >= 2:
            looped.update(id(inner) for inner in ast.walk(node))
    builders = _model_builders(ctx, tree)
    for node, arg in _compiles_with_a_name(tree):
        if not _may_hold_an_optimizer(ctx, arg):
            continue  # a name for `'adam'` (a loop's setting): each compile makes its own
        model = node_text(ctx.cell, node.func.value) or "?"
        uses.setdefault(arg.id, []).append((node.lineno, model))
        if id(node) in looped:
            uses[arg.id].append((node.lineno, f"{model} (a new model each time it runs)"))
        elif (id(node), arg.id) in builders:
            function = builders[(id(node), arg.id)]
            uses[arg.id].append((node.lineno, f"{model} (a new model each time `{function}` is called)"))  # fmt: skip
    for name, found in uses.items():
        models = list(dict.fromkeys(m for _, m in found))
        live_models = [(ctx.live_names or {}).get(m) for _, m in found]
        if len(models) == 1 and _built_for_others(ctx, name, live_models):
            models.append("a model trained with it before this cell")
        if len(models) >= 2:
            lines = sorted({line for line, _ in found})
            return name, lines, models
    return None


def _built_for_others(ctx: CellContext, name: str, models: list[Any]) -> bool:
    """Is the live optimizer under ``name`` already built, for variables that do not include the
    one the message names (a model an earlier cell compiled and trained with the same object)?
    The message names a variable by its path, which a copy of the model shares
    (``clone_model`` makes layers of the same names): a variable of that path among the live
    ``models`` this cell compiles with it that the optimizer does not hold counts too."""
    found = UNKNOWN_VARIABLE.search(ctx.message)
    optimizer = (ctx.live_names or {}).get(name)
    if found is None or not is_optimizer(optimizer):
        return False
    if built_without(optimizer, found.group(1)):
        return True
    held = {id(v) for v in getattr(optimizer, "_trainable_variables", None) or ()}
    return bool(held) and any(
        getattr(v, "path", None) == found.group(1) and id(v) not in held
        for model in models
        for v in getattr(model, "trainable_variables", None) or ()
    )


def _may_hold_an_optimizer(ctx: CellContext, name: ast.Name) -> bool:
    """Can the name hold an optimizer object: not when the kernel holds something else under it,
    nor when the source says it holds a plain value (``for opt in ['adam', 'sgd']``)."""
    held = (ctx.live_names or {}).get(name.id)
    if held is not None and not is_optimizer(held):
        return False
    return known_value(ctx, name) is MISSING


def _model_builders(ctx: CellContext, tree: ast.AST) -> dict[tuple[int, str], str]:
    """``compile`` calls inside a top-level function given an optimizer the function does not
    make (a global of the notebook) that holds a live Keras optimizer: the function builds a new
    model each time it is called (another cell calls it: ``define_model()`` twice), and they all
    share that one object. ``{(id of the call, optimizer name): function name}``."""
    found: dict[tuple[int, str], str] = {}
    for function in getattr(tree, "body", []):
        if not isinstance(function, ast.FunctionDef):
            continue
        local = {a.arg for a in function.args.args + function.args.kwonlyargs}
        local |= {n.id for n in walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}  # fmt: skip
        for node, arg in _compiles_with_a_name(function):
            if arg.id not in local and is_optimizer(ctx.live_names.get(arg.id)):
                found[(id(node), arg.id)] = function.name
    return found


def built_without(value: Any, path: str) -> bool:
    """A built Keras optimizer whose variables do not include the one at ``path``."""
    if not is_optimizer(value):
        return False
    built = getattr(value, "_trainable_variables", None)
    if not built:
        return False
    try:
        return all(getattr(v, "path", None) != path for v in built)
    except Exception:
        return False


def is_optimizer(value: object) -> bool:
    """A Keras optimizer object (its class from a Keras package's ``optimizers``)."""
    module = getattr(type(value), "__module__", "") or ""
    return value is not None and module.split(".")[0] in live.KERAS_TOPS and ".optimizers" in module


@rule(REUSED, when=(ERROR,), family="optimizers", needs=(r"\.compile\s*\(", r"optimizer"))
def optimizer_variables(ctx: CellContext) -> list[Problem]:
    """The optimizer met a variable it was not built for: the cause when the cell shows it."""
    entry = find_entry(REUSED)
    if entry is None or not ctx.error_is(*entry.match.get("exception", [])):
        return []
    if not re.search(entry.match.get("message", "$^"), ctx.message):
        return []
    shared = shared_optimizer(ctx)
    if shared is not None:
        name, lines, models = shared
        edits = _fresh_copies(ctx, name)
        problem = from_entry(
            REUSED,
            ctx.line or lines[-1],  # where it fails (a later `fit`): the fix answers that error
            edits,
            [name],
            ctx.shown_versions,
            name=name,
            lines=", ".join(str(n) for n in lines),
            models=" and ".join(f"`{m}`" for m in models),
        )
        problem.confidence = 0.8
        problem.certain = bool(edits)  # verified by running the corrected cell
        problem.explanation = not edits
        return [problem]
    problem = from_entry(UNKNOWN, ctx.line or 1, [], [], ctx.shown_versions)
    problem.confidence = 0.5
    problem.certain = False
    problem.explanation = True
    return [problem]


def _fresh_copies(ctx: CellContext, name: str) -> list[Edit]:
    """``optimizer=name`` of every ``compile`` → a new optimizer of the same class and settings
    (``type(name).from_config(name.get_config())``): each model gets its own."""
    edits: list[Edit] = []
    for _, arg in _compiles_with_a_name(ctx.cell.tree):
        if arg.id == name:
            edit = node_edit(ctx.cell, arg, f"type({name}).from_config({name}.get_config())")
            if edit is None:
                return []
            edits.append(edit)
    return edits
