"""Error rule: a callback reads ``self.params['metrics']``, which Keras filled until TF 2.1 / Keras
2.3 and no longer does (``KeyError: 'metrics'``).

Keras 2's ``Callback.params`` held the names of the metrics the progress bar showed (``loss``,
``acc``, ``val_loss``, ``val_acc``); callbacks added their own names there in ``on_train_begin``
to have the values they put in ``logs`` shown, and read the names to find the values in
``logs``. TF 2.2 (tensorflow/tensorflow#38512) and Keras 3 give ``params`` only ``verbose``,
``epochs`` and ``steps``, and show whatever the callbacks put in ``logs``. The repair, per use:

- a registration (``name not in self.params['metrics']``, ``self.params['metrics'].append(name)``)
  gets the list it expects, ``self.params.setdefault('metrics', [])``: nothing reads it any more,
  and the values still reach ``History`` and the progress bar through ``logs``;
- a read in a hook that ends a batch or an epoch (a method named ``…_end`` with a ``logs``
  parameter) becomes ``list(logs)``, the names of the values Keras has at that point, which is
  what those names were for.

Any other read (before training, where Keras 3 knows no metric names yet) is left as it is, and
the finding says so. The evidence: the ``KeyError`` names ``metrics`` and the class is a Keras
callback (the live class in the kernel, or its base in the source)."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, parent_map, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "callback-params-metrics"
KEY = "metrics"
REGISTERING = ("append", "extend", "insert", "remove")


@rule(ENTRY, when=(ERROR,), family="callbacks", errors=("KeyError",), needs=r"\bparams")
def callback_params_metrics(ctx: CellContext) -> list[Problem]:
    """Each ``self.params['metrics']`` of the cell's Keras callbacks: a registration gets the
    list, a read where ``logs`` holds the values reads their names."""
    tree = ctx.cell.tree
    if tree is None or getattr(ctx.exc, "args", (None,))[:1] != (KEY,):
        return []
    edits: list[Edit] = []
    left: list[int] = []
    for klass in walk(tree):
        if not isinstance(klass, ast.ClassDef) or not _a_keras_callback(ctx, klass):
            continue
        for method in klass.body:
            if not isinstance(method, ast.FunctionDef):
                continue
            parents = parent_map(method)
            for node in walk(method):
                if not _metrics_of_params(node):
                    continue
                text = _replacement(node, parents, method)
                edit = node_edit(ctx.cell, node, text) if text else None
                if edit is None:
                    left.append(node.lineno)
                else:
                    edits.append(edit)
    if not edits and not left:
        return []
    problem = from_entry(ENTRY, ctx.line or (edits[0].line if edits else left[0]), edits, [KEY],
                         ctx.shown_versions, tensorflow=ctx.versions.get("tensorflow", ""))  # fmt: skip
    problem.certain = not left
    if left:
        problem.edits = []  # a read before training has no names to give: nothing half-done
        problem.fix += f" Line(s) {', '.join(map(str, sorted(set(left))))} read the names before any value is in `logs`: no list of Keras's stands in for them there."  # fmt: skip
    return [problem]


def _a_keras_callback(ctx: CellContext, klass: ast.ClassDef) -> bool:
    """Is ``klass`` a Keras callback: the kernel's class of that name derives from a Keras
    ``Callback``, or (no such class in the kernel yet) a base in the source is one."""
    live = (ctx.namespace or {}).get(klass.name)
    if isinstance(live, type):
        return any(
            base.__name__ == "Callback"
            and base.__module__.split(".")[0] in ("keras", "tf_keras", "tensorflow")  # fmt: skip
            for base in live.__mro__
        )
    return any(
        (ctx.scope.bound_path(base) or "").rpartition(".")[2] == "Callback"
        and ctx.scope.refers_to_keras(base)
        for base in klass.bases
    )


def _metrics_of_params(node: ast.AST) -> bool:
    """Is ``node`` ``self.params['metrics']``?"""
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "params"
        and isinstance(node.value.value, ast.Name)
        and node.value.value.id == "self"
        and isinstance(node.slice, ast.Constant)
        and node.slice.value == KEY
    )


def _replacement(node: ast.Subscript, parents: dict[int, ast.AST], method: ast.FunctionDef) -> str | None:  # fmt: skip
    """The text that stands for ``node`` in Keras 3, or None where none does."""
    parent = parents.get(id(node))
    if isinstance(node.ctx, ast.Load):
        if isinstance(parent, ast.Compare) and node in parent.comparators and all(isinstance(op, (ast.In, ast.NotIn)) for op in parent.ops):  # fmt: skip
            return f"self.params.setdefault({KEY!r}, [])"
        if isinstance(parent, ast.Attribute) and parent.attr in REGISTERING:
            return f"self.params.setdefault({KEY!r}, [])"
        arguments = [a.arg for a in (*method.args.posonlyargs, *method.args.args)]
        if method.name.endswith("_end") and "logs" in arguments:
            return "list(logs)"
    return None
