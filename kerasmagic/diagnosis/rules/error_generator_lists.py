"""Error rule: a Python generator (or a ``keras.utils.Sequence``) of a multi-input model that gives
its batches as lists: ``yield [x_image, x_text], y`` (photo captioning, siamese networks), ``return
[x1, x2], y`` from ``__getitem__``, ``yield [[x1, x2], y]``.

Keras 2 read a list as the model's inputs. Keras 3 on TensorFlow feeds a generator through
``tf.data.Dataset.from_generator``, whose signature, built from the first batch, takes tuples and
dicts but no list ("`output_signature` must contain objects that are subclass of `tf.TypeSpec` but
found <class 'list'>"); JAX and Keras 2 take either. The batch's structure is the same as a tuple:
each list display that forms the yielded (or returned) batch becomes a tuple display, the arrays in
it untouched. Evidence: the message, and a generator function (or a ``__getitem__``) of the cell
whose batch is written with such a list, or holds a name the function binds once to a list
(``inputs = []``, appended to): that name is yielded as ``tuple(inputs)``."""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, single_assignment, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-generator-list-batch"
MESSAGE = "must contain objects that are subclass of `tf.TypeSpec` but found <class 'list'>"


@rule(ENTRY, when=(ERROR,), family="model-methods", errors=("TypeError",))
def generator_list_batches(ctx: CellContext) -> list[Problem]:
    """The list displays forming the batches the cell's generators yield (and its sequences'
    ``__getitem__`` return) become tuple displays."""
    tree = ctx.cell.tree
    if MESSAGE not in ctx.message or tree is None:
        return []
    edits: list[Edit] = []
    named: list[str] = []
    for function in walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        getitem = function.name == "__getitem__"
        for node in _own_nodes(function):
            value = node.value if isinstance(node, (ast.Yield, ast.Return)) and (getitem or isinstance(node, ast.Yield)) else None  # fmt: skip
            found = [e for lst in _batch_lists(value) if (e := _as_tuple(ctx, lst)) is not None]
            found += [(e,) for name in _named_lists(function, value) if (e := _tuple_of(ctx, name))]
            if found:
                edits += [edit for pair in found for edit in pair]
                named.append(function.name)
    if not edits:
        return []
    names = ["list", *dict.fromkeys(named)]  # the type the message names, and where it is made
    problem = from_entry(ENTRY, edits[0].line, edits, names, ctx.shown_versions, name=named[0])
    problem.certain = True  # the same batch, as a tuple
    return [problem]


def _own_nodes(function: ast.AST) -> list[Any]:
    """The nodes of ``function``'s body, not of the functions or classes defined in it."""
    out, todo = [], list(ast.iter_child_nodes(function))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        out.append(node)
        todo += list(ast.iter_child_nodes(node))
    return out


def _batch_lists(value: Any) -> list[ast.List]:
    """The list displays that form the batch ``value`` (it, and the displays in it, at any
    depth of tuple and list displays)."""
    if isinstance(value, ast.List):
        return [value, *(lst for e in value.elts for lst in _batch_lists(e))]
    if isinstance(value, ast.Tuple):
        return [lst for e in value.elts for lst in _batch_lists(e)]
    return []


def _named_lists(function: ast.AST, value: Any) -> list[ast.Name]:
    """The names in the batch ``value`` (its tuple display's elements, or it) that ``function``
    binds once, to a list (a display, a comprehension or ``list(…)``): ``inputs = []``, appended
    to, then ``yield inputs, y``."""
    names = [e for e in value.elts if isinstance(e, ast.Name)] if isinstance(value, ast.Tuple) else []
    if isinstance(value, ast.Name):
        names = [value]
    out = []
    for name in names:
        bound = single_assignment(function, name.id)
        called = getattr(getattr(bound, "func", None), "id", None)
        if isinstance(bound, (ast.List, ast.ListComp)) or called == "list":
            out.append(name)
    return out


def _tuple_of(ctx: CellContext, name: ast.Name) -> Edit | None:
    """``name`` → ``tuple(name)``, the same arrays in the structure Keras 3 reads as inputs."""
    return node_edit(ctx.cell, name, f"tuple({name.id})")


def _as_tuple(ctx: CellContext, display: ast.List) -> tuple[Edit, Edit] | None:
    """Two edits turning the list display's brackets into a tuple's (``(x,)`` for one element)."""
    if not display.elts or any(isinstance(e, ast.Starred) for e in display.elts):
        return None
    whole = node_edit(ctx.cell, display, "")
    if whole is None:
        return None
    close = ",)" if len(display.elts) == 1 else ")"
    return (
        Edit(whole.line, whole.col, whole.line, whole.col + 1, "("),
        Edit(whole.end_line, whole.end_col - 1, whole.end_line, whole.end_col, close),
    )
