"""Error rule: ``super().__init__(self)`` in a Keras layer or model class (TensorFlow's text
generation tutorial wrote it so): Keras 2's ``Model.__init__(*args, **kwargs)`` took the extra
positional argument and ignored it; Keras 3's ``Layer.__init__`` takes none ("takes 1 positional
argument but 2 were given"). The instance passed again is left out."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-super-init-self"
TOO_MANY = re.compile(r"__init__\(\) takes 1 positional argument but \d+ were given")


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("TypeError",))
def super_init_self(ctx: CellContext) -> list[Problem]:
    """On a line of the traceback, ``super().__init__(self, …)`` (or ``super(C, self)``) in a
    class whose live class is a Keras layer or model: the positional ``self`` is dropped."""
    tree, namespace = ctx.cell.tree, ctx.namespace or {}
    if tree is None or not TOO_MANY.search(ctx.message):
        return []
    for cdef in walk(tree):
        if not isinstance(cdef, ast.ClassDef) or not live.is_layer_class(namespace.get(cdef.name)):
            continue
        for method in cdef.body:
            if not (isinstance(method, ast.FunctionDef) and method.name == "__init__"):
                continue
            me = method.args.args[0].arg if method.args.args else None
            for call in walk(method):
                if not (_is_super_init(call) and call.lineno in ctx.failing_lines):
                    continue
                kept = [a for a in call.args if not (isinstance(a, ast.Name) and a.id == me)]
                if len(kept) == len(call.args):
                    continue
                texts = [node_text(ctx.cell, a) for a in kept] + [node_text(ctx.cell, k) for k in call.keywords]  # fmt: skip
                func = node_text(ctx.cell, call.func)
                if func is None or any(t is None for t in texts):
                    return []
                edit = node_edit(ctx.cell, call, f"{func}({', '.join(texts)})")  # type: ignore[arg-type]
                if edit is None:
                    return []
                return [
                    from_entry(ENTRY, call.lineno, [edit], ["__init__", cdef.name],
                               ctx.shown_versions, cls=cdef.name, keras=ctx.versions.get("keras", "3"))
                ]  # fmt: skip
    return []


def _is_super_init(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "__init__"
        and isinstance(node.func.value, ast.Call)
        and isinstance(node.func.value.func, ast.Name)
        and node.func.value.func.id == "super"
    )
