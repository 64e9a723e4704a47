"""Static rule: ``model_from_yaml`` (removed in TensorFlow 2.6 / Keras 2.6, absent in Keras 3).

Keras 2's ``model_from_yaml(text, custom_objects=None)`` was ``model_from_config`` of the YAML
text's mapping, the configuration ``model_from_json`` reads as JSON. Where PyYAML is installed,
each call whose ``model_from_yaml`` is Keras's and missing here (imported from a Keras models
module that lacks it, or whose copy only raises: Keras 2.6-2.15's; read as that module's
attribute; or a name nothing binds any more because an earlier cell's import of it was
corrected) becomes
``model_from_json(json.dumps(yaml.safe_load(text)), …)``: the same configuration, the same
keyword arguments. ``yaml.safe_load`` reads every file ``yaml.dump`` of a JSON configuration wrote
(``keras2-to-yaml``'s rewrite); a file Keras 2.5 wrote with Python tags (``!!python/tuple``) it
refuses, loudly, rather than run what the file says. The import of ``model_from_yaml`` imports
``model_from_json`` from the same module. Without PyYAML the finding explains it, no rewrite.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext, safe_str
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_to_yaml import json_yaml_imports

ENTRY = "keras2-model-from-yaml"
OLD, NEW = "model_from_yaml", "model_from_json"
# Keras 2.6-2.15's `model_from_yaml` only raises (measured tf215-k2: RuntimeError "Method
# `model_from_yaml()` has been removed due to security risk of arbitrary code execution. …")
REMOVED_STUB = "`model_from_yaml()` has been removed"


@rule(ENTRY, when=(STATIC,), family="removed-apis", needs=OLD)
def model_from_yaml(ctx: CellContext) -> list[Problem]:
    """``model_from_yaml(text)`` → ``model_from_json(json.dumps(yaml.safe_load(text)))``."""
    tree = ctx.cell.tree
    if tree is None:
        return []
    edits: list[Edit] = []
    need_new: str | None = None  # a models module to import model_from_json from, if unbound
    found = calls = False
    for node in walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == OLD and not alias.asname and _missing(node.module or "", ctx):
                    found = True
                    edits.append(node_edit(ctx.cell, alias, NEW))
        elif isinstance(node, ast.Call):
            module = _called_module(ctx, node.func)
            if module is None:
                continue
            found = calls = True
            call = _new_call(ctx, node)
            if call is None:
                return [_explained(ctx, node.lineno)]
            edits.append(call)
            if isinstance(node.func, ast.Name) and module == "":
                need_new = _models_module(ctx)
    if not found:
        return []
    line = min((e.line for e in edits if e is not None), default=1)
    if None in edits or not live.top_exists("yaml"):
        return [_explained(ctx, line)]
    imports = json_yaml_imports(ctx) if calls else []  # the calls read JSON and YAML
    if imports is None:
        return [_explained(ctx, line)]
    if need_new and NEW not in (ctx.namespace or {}) and NEW not in ctx.scope.bindings:
        at = insertion_line(ctx.cell)
        imports.append(Edit(at, 0, at, 0, f"from {need_new} import {NEW}\n"))
    problem = from_entry(ENTRY, line, imports + edits, [OLD], ctx.shown_versions)
    problem.certain = True
    return [problem]


def _missing(module: str, ctx: CellContext) -> bool:
    """Is ``module`` a Keras models module here that has ``model_from_json`` and no working
    ``model_from_yaml`` (none at all, or Keras 2.6-2.15's, which the cell's error shows only
    raises)?"""
    if module.split(".")[0] not in live.KERAS_TOPS or not module.endswith("models"):
        return False
    status, obj = live.module_status(module)
    if status != live.OK or not live.has_attr(obj, module, NEW):
        return False
    return not live.has_attr(obj, module, OLD) or REMOVED_STUB in safe_str(ctx.exc or "")


def _called_module(ctx: CellContext, func: ast.expr) -> str | None:
    """The Keras models module a call of ``model_from_yaml`` reads it from when that module
    lacks it (``""``: a name nothing binds any more, in a kernel), else None."""
    if isinstance(func, ast.Attribute) and func.attr == OLD:
        path = ctx.scope.bound_path(func)
        module = path.rpartition(".")[0] if path else ""
        return module if module and _missing(module, ctx) else None
    if not (isinstance(func, ast.Name) and func.id == OLD):
        return None
    path = ctx.scope.bindings.get(OLD)
    if path:
        module = path.rpartition(".")[0]
        return module if _missing(module, ctx) else None
    unbound = ctx.namespace is not None and OLD not in ctx.namespace
    return "" if unbound and OLD not in ctx.scope.user_bound else None


def _models_module(ctx: CellContext) -> str | None:
    """The models module of the Keras the cell uses, when it has ``model_from_json``."""
    for root in ctx.scope.preferred_roots():
        module = f"{root}.models"
        status, obj = live.module_status(module)
        if status == live.OK and live.has_attr(obj, module, NEW):
            return module
    return None


def _new_call(ctx: CellContext, call: ast.Call) -> Edit | None:
    if not call.args or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    text = node_text(ctx.cell, call.args[0])
    func = node_text(ctx.cell, call.func)
    rest = [node_text(ctx.cell, a) for a in call.args[1:]] + [
        node_text(ctx.cell, kw) if kw.arg is None else f"{kw.arg}={node_text(ctx.cell, kw.value)}"
        for kw in call.keywords
    ]
    if text is None or func is None or any(r is None for r in rest):
        return None
    head = func[: -len(OLD)] + NEW
    args = ", ".join([f"json.dumps(yaml.safe_load({text}))", *rest])  # type: ignore[list-item]
    return node_edit(ctx.cell, call, f"{head}({args})")


def _explained(ctx: CellContext, line: int) -> Problem:
    problem = from_entry(ENTRY, line, [], [OLD], ctx.shown_versions)
    problem.certain = False
    problem.explanation = True
    return problem
