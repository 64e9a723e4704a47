"""Static rule: a TensorFlow 1 optimizer given to Keras's ``compile``
(``model.compile(optimizer=tf.train.AdamOptimizer())``, TensorFlow 1's tutorials).

tf.keras 2 wrapped TensorFlow's own optimizers (``TFOptimizer``); TensorFlow 2 has them only as
``tf.compat.v1.train`` and Keras 3 refuses them. Each such call that reaches ``compile`` (given
there, or bound to a name that this cell's or a later cell's ``compile`` is given, and used for
nothing else) becomes the Keras optimizer of the same algorithm, from the catalogue's table:
its arguments keep their values under Keras's names, and TensorFlow 1's defaults that Keras does
not share are written out, so that training takes the same steps (measured: see the entry). An
optimizer without such a counterpart (RMSProp, whose state starts elsewhere) is explained.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import parsed_source
from kerasmagic.diagnosis.rewrite import node_edit, node_text, parent_map, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "tf1-train-optimizer"
UNMAPPED = "tf1-train-optimizer-unmapped"
TF1_PATH = re.compile(r"^tensorflow(\.compat\.v1)?\.train\.(\w+Optimizer)$")


@rule(ENTRY, when=(STATIC,), family="optimizers", needs=r"Optimizer\(")
def tf1_train_optimizer(ctx: CellContext) -> list[Problem]:
    """``tf.train.AdamOptimizer(0.01)`` given to ``compile`` → ``tf.keras.optimizers.Adam(
    learning_rate=0.01, epsilon=1e-08)``."""
    tree, entry = ctx.cell.tree, find_entry(ENTRY)
    if tree is None or entry is None:
        return []
    table, unmapped = entry.data.get("optimizers", {}), entry.data.get("unmapped", {})
    parents = parent_map(tree)
    problems: list[Problem] = []
    for call in walk(tree):
        name = _refused_tf1_optimizer(ctx, call) if isinstance(call, ast.Call) else None
        if name is None or not _given_to_compile(ctx, tree, call, parents):
            continue
        spec = table.get(name)
        new = _keras_call(ctx, call, spec) if spec else None
        edit = node_edit(ctx.cell, call, new[1]) if new else None
        if new is None or edit is None:
            problem = from_entry(UNMAPPED, call.lineno, [], [name], ctx.shown_versions, old=name, why=unmapped.get(name, ""))  # fmt: skip
            problem.certain = False
            problem.explanation = True
        else:
            problem = from_entry(ENTRY, call.lineno, [edit], [name], ctx.shown_versions, old=name, new=new[0])  # fmt: skip
            problem.certain = True
        problems.append(problem)
    return problems


def _refused_tf1_optimizer(ctx: CellContext, call: ast.Call) -> str | None:
    """The TensorFlow 1 optimizer class a call makes (``AdamOptimizer``), when it cannot serve
    Keras here: gone from ``tf.train`` (TensorFlow 2), or ``tf.compat.v1``'s with a Keras 3."""
    path = ctx.scope.bound_path(call.func) or ""
    found = TF1_PATH.match(path)
    if found is None:
        return None
    if found.group(1):  # tf.compat.v1.train: still here, refused by Keras 3's compile
        roots = ctx.scope.preferred_roots()
        return found.group(2) if roots and (live.root_major(roots[0]) or 0) >= 3 else None
    status, _ = live.resolve_path(path)
    return found.group(2) if status == live.MISSING else None


def _given_to_compile(ctx: CellContext, tree: ast.AST, call: ast.Call, parents: dict[int, ast.AST]) -> bool:  # fmt: skip
    """Is the call's optimizer given to a ``compile``: there, or through the one name it is
    assigned to, which this cell's or a later cell's ``compile`` is given and nothing else uses
    (no ``opt.minimize(…)`` of a TensorFlow 1 graph)?"""
    parent = parents.get(id(call))
    if isinstance(parent, ast.keyword):
        parent = parents.get(id(parent))
    if isinstance(parent, ast.Call) and call in _compile_optimizers(parent):
        return True
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1):
        return False
    target = parent.targets[0]
    if not isinstance(target, ast.Name):
        return False
    trees = [tree] + [parsed_source(source).tree for source in ctx.later]
    given = other = 0
    for each in (t for t in trees if t is not None):
        for node in walk(each):
            if isinstance(node, ast.Call):
                given += sum(isinstance(o, ast.Name) and o.id == target.id for o in _compile_optimizers(node))  # fmt: skip
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                other += node.value.id == target.id
    return given > 0 and other == 0


def _compile_optimizers(call: ast.Call) -> list[ast.expr]:
    """The optimizer a ``….compile(…)`` call is given (its first argument or ``optimizer=``)."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "compile"):
        return []
    given = [kw.value for kw in call.keywords if kw.arg == "optimizer"]
    return given or call.args[:1]


def _keras_call(ctx: CellContext, call: ast.Call, spec: dict) -> tuple[str, str] | None:
    """``(Keras class as the cell reaches it, the call's new text)``: the Keras optimizer of the same algorithm
    with the call's arguments under Keras's names and TensorFlow 1's own defaults written out;
    None when an argument has no counterpart (``use_locking``, ``*args``) or the live class
    does not take them."""
    positional: list[str] = spec.get("positional", [])
    renames: dict[str, str] = spec.get("keywords", {})
    if len(call.args) > len(positional) or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    given: dict[str, ast.expr] = dict(zip(positional, call.args, strict=False))
    for kw in call.keywords:
        if kw.arg is None or (kw.arg not in positional and kw.arg not in renames and kw.arg != "name"):  # fmt: skip
            return None
        given[kw.arg] = kw.value
    parts = {renames.get(k, k): node_text(ctx.cell, v) for k, v in given.items()}
    for key, value in spec.get("defaults", {}).items():
        parts.setdefault(key, value)
    if any(v is None for v in parts.values()):
        return None
    module = _optimizers_module(ctx, spec["keras"], set(parts))
    if module is None:
        return None
    arguments = ", ".join(f"{k}={v}" for k, v in parts.items())
    return f"{module}.{spec['keras']}", f"{module}.{spec['keras']}({arguments})"


def _optimizers_module(ctx: CellContext, name: str, keywords: set[str]) -> str | None:
    """The expression reaching the optimizers module of the Keras the cell uses through the
    cell's bindings (``tf.keras.optimizers``), whose ``name`` class takes ``keywords``."""
    for root in ctx.scope.preferred_roots():
        path = f"{root}.optimizers"
        status, module = live.module_status(path)
        expression = ctx.scope.expr_for(path)
        if status != live.OK or expression is None or not live.has_attr(module, path, name):
            continue
        if live.takes_keywords(getattr(module, name), keywords):
            return expression
    return None
