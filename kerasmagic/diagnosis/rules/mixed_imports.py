"""Static rule: a cell whose model is ``tf.keras`` importing from ``keras`` where the two are
different Keras packages (``TF_USE_LEGACY_KERAS=1`` with tf_keras: ``tf.keras`` is tf_keras 2,
``keras`` is Keras 3).

Fixing a wrong name inside ``keras`` would hand the model an object of the other package (its
``compile`` then fails with "Could not interpret optimizer identifier"): every ``from keras…``
import of such a cell is taken from ``tensorflow.keras`` instead, where the live ``tf.keras`` has
the name. It runs before the import rule, which leaves the statements it rewrote alone.
"""

from __future__ import annotations

import ast
import sys
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras_paths import root_of
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.probes.which_keras import tf_keras_words

ENTRY = "mixed-keras-imports"
TF_KERAS = "tensorflow.keras"


def tf_keras_model_class(ctx: CellContext) -> Any:
    """``tf.keras.Model`` when the cell builds its model with ``tf.keras`` and that is another
    Keras package than ``keras`` here; else None."""
    if "tensorflow" not in sys.modules or "keras" not in sys.modules:
        return None
    status, tf_model = live.resolve_path(f"{TF_KERAS}.Model")
    other, keras_model = live.resolve_path("keras.Model")
    if status != live.OK or other != live.OK or tf_model is keras_model:
        return None
    if not isinstance(tf_model, type):
        return None
    for node in walk(ctx.cell.tree):
        exprs: list[ast.AST] = []
        if isinstance(node, ast.Call):
            exprs = [node.func]
        elif isinstance(node, ast.ClassDef):
            exprs = list(node.bases)
        for expr in exprs:
            found = ctx.scope.callee(expr)
            if found and isinstance(found[0], type) and _subclass(found[0], tf_model):
                return tf_model
    return None


def _subclass(cls: type, base: type) -> bool:
    try:
        return issubclass(cls, base)
    except Exception:
        return False


def _keras_imports(tree: ast.Module) -> list[ast.ImportFrom]:
    return [
        n
        for n in walk(tree)
        if isinstance(n, ast.ImportFrom)
        and n.module
        and not n.level
        and root_of(n.module) == "keras"
    ]


def _resolves(node: ast.ImportFrom) -> bool:
    status, mod = live.module_status(node.module or "")
    if status == live.UNKNOWN:
        return True  # not provable here
    return status == live.OK and all(
        a.name == "*" or live.has_attr(mod, node.module or "", a.name) for a in node.names
    )


@rule(ENTRY, when=(STATIC,), family="mixed-keras", needs=r"keras")
def mixed_keras_imports(ctx: CellContext) -> list[Problem]:
    """``from keras… import X`` (a name that does not resolve there) in a cell whose model is a
    ``tf.keras`` model of another Keras package: every ``keras`` import moves to ``tf.keras``."""
    if ctx.cell.tree is None:
        return []
    nodes = _keras_imports(ctx.cell.tree)
    if not nodes or all(_resolves(n) for n in nodes):
        return []  # nothing to fix in the imports: a mix is explained when compile fails
    if tf_keras_model_class(ctx) is None:
        return []
    from kerasmagic.diagnosis.rules.imports import locate

    edits = []
    moved_names: list[str] = []
    certain = True
    for node in nodes:
        statements = _moved(ctx, node, locate, moved_names)
        edit = node_edit(ctx.cell, node, statements) if statements else None
        if edit is None:
            certain = False
        else:
            edits.append(edit)
        ctx.handled_imports.add(id(node))
    tf = sys.modules["tensorflow"]
    keras = sys.modules["keras"]
    model = tf_keras_model_class(ctx)
    tf_keras = sys.modules.get(getattr(model, "__module__", "").split(".")[0])
    first = next(n for n in nodes if not _resolves(n))
    moved = ", ".join(f"`{n}`" for n in moved_names) or "these names"
    problem = from_entry(
        ENTRY,
        first.lineno,
        edits if certain else [],
        [n.module or "" for n in nodes] + [a.name for n in nodes for a in n.names],
        ctx.shown_versions,
        tf_keras_kind=tf_keras_words(tf_keras or getattr(tf, "keras", None), tf),
        keras=getattr(keras, "__version__", "?"),
        moved=moved,
    )
    problem.certain = certain
    return [problem]


def _moved(ctx: CellContext, node: ast.ImportFrom, locate: Any, moved_names: list[str]) -> str:
    """The ``tensorflow.keras`` statement(s) replacing ``node``, or "" when one of its names has
    no home in the live ``tf.keras``."""
    module = node.module or ""
    new_module = TF_KERAS + module[len("keras") :]
    status, mod = live.module_status(new_module)
    groups: dict[str, list[str]] = {}
    for alias in node.names:
        name, asname = alias.name, alias.asname
        if name == "*" or (status == live.OK and live.has_attr(mod, new_module, name)):
            target, new_name = new_module, name
        else:
            found = locate(ctx, new_module, name)
            if found is None or root_of(found[0]) != TF_KERAS:
                return ""
            target, new_name = found[0], found[1]
        from kerasmagic.diagnosis.rules.imports import imported_as  # (imported with locate)

        text = imported_as(ctx, name, new_name, asname)
        groups.setdefault(target, []).append(text)
        if name != "*":
            bind = ctx.renamed_names.get(asname or name, asname or name)
            ctx.scope.bindings[bind] = f"{target}.{new_name}"
            moved_names.append(new_name)
    indent = "\n" + " " * node.col_offset
    return indent.join(f"from {m} import {', '.join(n)}" for m, n in groups.items())
