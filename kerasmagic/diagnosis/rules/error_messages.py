"""General repairs of the argument a Keras 3 error message names (``keras_messages.parse``): keyed
on the fact's kind, checked against the live signature and objects (read only), never on the
words or values of one example.

- ``integer``: a whole number given as a float (``Dense(46.0)``, ``units=n / 2``) → ``int``;
- ``shape``: a bare number where a shape is wanted (``Input(shape=3)``) → a one-tuple, and float
  dimensions that are whole numbers → ints;
- ``count``: one loss for a model with several outputs (with ``loss_weights``), which Keras 2
  applied to each output → repeated per output (``rules/error_loss_per_output.py``; a metrics
  list: ``rules/keras3_models.py``, from the same fact);
- ``required``: an argument Keras resolves itself (``training``) declared without a default in
  a layer's ``call`` → ``=None``, so Keras fills it as Keras 2 did.

A literal in the failing call is rewritten in place; any other expression (a name bound cells
earlier, an arithmetic) is wrapped where the call uses it (``int(n)``, ``(n,)``), which holds
whatever the value's origin. The suffix of a file name is ``rules/error_saving.py``'s.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.frames import innermost_cell_frame
from kerasmagic.diagnosis.keras3_support import call_argument, signature
from kerasmagic.diagnosis.keras_messages import MessageFact, integral, parse
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.source_bindings import made_before
from kerasmagic.knowledge.catalogue import entries_with_rule

FAMILY = "keras3-messages"
# written shapes, never the bare number a shape message received
DISPLAYS = (ast.Tuple, ast.List, ast.Set, ast.Dict, ast.ListComp, ast.Constant, ast.JoinedStr)


def _fact(ctx: CellContext, *kinds: str) -> MessageFact | None:
    fact = parse(ctx.error_type, ctx.message)
    return fact if fact is not None and fact.kind in kinds else None


def _value(ctx: CellContext, node: ast.expr) -> tuple[bool, Any]:
    """``(known, value)`` of an argument: a literal, a name the namespace holds, or a name or
    attribute chain the failing frame holds (``self.units`` in a layer's ``build``), read."""
    if isinstance(node, ast.Constant):
        return True, node.value
    if isinstance(node, (ast.Tuple, ast.List)) and all(
        isinstance(e, ast.Constant) for e in node.elts
    ):
        return True, tuple(e.value for e in node.elts)  # type: ignore[attr-defined]
    if isinstance(node, ast.Name) and ctx.namespace is not None and node.id in ctx.namespace:
        return True, ctx.namespace[node.id]
    if isinstance(node, (ast.Name, ast.Attribute)):
        value = value_in(_frame_locals(ctx), node)
        if value is not None:
            return True, value
    if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:  # `n_features / 4`
        (left_known, left), (right_known, right) = _value(ctx, node.left), _value(ctx, node.right)
        if left_known and right_known and _number(left) and _number(right):
            try:
                return True, ARITHMETIC[type(node.op)](left, right)
            except ArithmeticError:
                return False, None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "shape":  # fmt: skip
        (array_known, array), (index_known, index) = _value(ctx, node.value.value), _value(ctx, node.slice)  # fmt: skip
        shape = getattr(array, "shape", None) if array_known and type(array).__module__ == "numpy" else None  # fmt: skip
        if isinstance(shape, tuple) and index_known and type(index) is int and -len(shape) <= index < len(shape):  # fmt: skip
            return True, shape[index]  # `X.shape[1]` of a NumPy array: a plain attribute, read
    return False, None


# arithmetic an argument is written with, computed on the numbers read (no code of the user's runs)
ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
              ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv}  # fmt: skip


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _frame_locals(ctx: CellContext) -> dict[str, Any]:
    """The locals of the innermost frames of the cell's code the error (and the error Keras
    wrapped) went through: a layer's ``build`` under the ``call`` Keras re-raised."""
    names: dict[str, Any] = {}
    for exc in (ctx.exc, ctx.wrapped):
        frame = innermost_cell_frame(exc, ctx.namespace, ctx.filename)
        names.update(frame.f_locals if frame is not None else {})
    return names


def _failing_calls(ctx: CellContext) -> Iterator[tuple[ast.Call, Any, str]]:
    """The calls of live Keras classes and functions (``keras.Input``) on the lines the error
    went through: ``(call, the live callable, its path)``; a method of an object the cell's
    frame holds (``self.add_weight`` in a layer's ``build``) is read from that frame. Then the
    calls that made the objects those lines name (``conv = Conv1D(filters=n / 4)`` above
    ``Sequential([inp, conv])``, whose layer is built, and fails, where it is used)."""
    lines = ctx.failing_lines
    tree = ctx.cell.tree
    frames = _frame_locals(ctx)
    for call in [*_calls_on(tree, lines), *_makers(tree, lines)]:
        callee = ctx.scope.callee(call.func)
        if callee is None and isinstance(call.func, ast.Attribute) and frames:
            method = value_in(frames, call.func)
            function = getattr(method, "__func__", None)
            if function is not None and live.is_keras_object(function):
                callee = (function, f"{type(method.__self__).__name__}.{call.func.attr}")
        if callee is not None and callable(callee[0]) and live.is_keras_object(callee[0]):
            yield call, callee[0], callee[1]


def _calls_on(tree: ast.AST | None, lines: set[int]) -> list[ast.Call]:
    return [c for c in walk(tree) if isinstance(c, ast.Call) and c.lineno in lines] if tree is not None else []  # fmt: skip


def _makers(tree: ast.AST | None, lines: set[int]) -> list[ast.Call]:
    """For each name the failing lines read, the call the cell last bound it to before the use
    (``dense = Dense(units)``): in the function holding the use when it binds the name (a
    builder's local), else at the cell's top level."""
    out: list[ast.Call] = []
    for use in walk(tree) if tree is not None else ():
        if not (isinstance(use, ast.Name) and isinstance(use.ctx, ast.Load) and use.lineno in lines):
            continue
        made = made_before(tree, use)  # type: ignore[arg-type]
        if made and isinstance(made[-1], ast.Call) and made[-1].lineno not in lines and made[-1] not in out:
            out.append(made[-1])
    return out


def _accepts(klass: type, name: str) -> bool:
    """Does the live class's constructor take ``name`` (by name, or through ``**kwargs``)?"""
    sig = signature(klass)
    if sig is None:
        return False
    params = sig.parameters
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _problem(
    ctx: CellContext, entry_id: str, edits: list[Edit], fact: MessageFact, **values: Any
) -> Problem:
    names = [n for n in (fact.argument, *values.pop("names", ())) if n]
    words = {"argument": fact.argument or "", "received": fact.received or "", **values}
    return from_entry(entry_id, ctx.line or 1, edits, names, ctx.shown_versions, **words)


INVALID_DIMENSION = re.compile(r"Found invalid dimension '(?P<value>[^']*)' of type '<class '(?:float|str)'>'")  # fmt: skip


@rule("message-integer-argument", when=(ERROR,), family=FAMILY, errors=("ValueError",))
def integer_argument(ctx: CellContext) -> list[Problem]:
    """A whole number given as a float where Keras 3 wants an int (Keras 2 converted it)."""
    fact = _fact(ctx, "integer", "shape")
    if fact is None or ctx.cell.tree is None:
        return []
    received = fact.received_value()
    if fact.kind == "shape":  # a weight's shape built from a float count: the value, no argument
        found = INVALID_DIMENSION.search(ctx.message)
        if found is None:
            return []
        received, fact = found["value"], replace(fact, argument=None, received=found["value"])
        if fact.kind == "shape" and received.replace(".", "", 1).isdigit():
            received = float(received)
    if isinstance(received, str) and received.strip().isdigit():
        received = float(received)  # a dimension given as the string '3'
    fraction = integral(received) is None  # 46.5: Keras 2 kept int(46.5) in some layers only
    if fraction and not (isinstance(received, float) and fact.argument):
        return []
    for call, klass, path in _failing_calls(ctx):
        argument = fact.argument
        if fraction and not _keras2_truncated(klass, argument):
            continue  # no Keras 2 model to keep: no certain int
        if argument is None:  # the message names the value only: the argument that holds it
            node, argument = _holding(ctx, call, klass, received)
        else:
            node = call_argument(call, klass, fact.argument)
            if node is not None and not _accepts(klass, fact.argument):
                node = None
        if node is None:
            continue
        known, value = _value(ctx, node)
        whole = isinstance(value, float) or (isinstance(value, str) and value.strip().isdigit())
        if known and not (whole and float(value) == float(received)):
            continue
        if isinstance(node, ast.Constant):
            text = str(int(float(node.value)))
        else:
            text = f"int({node_text(ctx.cell, node)})"
        edit = node_edit(ctx.cell, node, text)
        if edit is not None:
            entry_id = "message-truncated-count" if fraction else "message-integer-argument"
            return [
                _problem(
                    ctx,
                    entry_id,
                    [edit],
                    fact,
                    klass=getattr(klass, "__name__", path),
                    argument=argument,
                    names=[argument],
                    kept=int(received),
                )
            ]
    return []


def _keras2_truncated(klass: Any, argument: str | None) -> bool:
    """Did Keras 2's counterpart of the live class convert a float ``argument`` with ``int()``
    (``Dense(6.5)`` built 6 units)? The catalogue's measured classes, matched on the live class's
    bases (``Conv2D`` is a ``BaseConv``)."""
    truncated: dict[str, str] = {}
    for entry in entries_with_rule("message-integer-argument"):
        truncated.update(entry.data.get("truncated", {}))
    bases = [base.__name__ for base in getattr(klass, "__mro__", ())]
    return argument is not None and any(truncated.get(base) == argument for base in bases)


@rule("message-float-argument", when=(ERROR,), family=FAMILY, errors=("ValueError",))
def float_argument(ctx: CellContext) -> list[Problem]:
    """An int given where Keras 3 wants a float (``SGD(learning_rate=1)``; Keras 2 took it): the
    argument of the failing Keras call that holds that int becomes a float (``1.0``; any other
    expression in ``float(...)``)."""
    fact = _fact(ctx, "float")
    received = fact.received_value() if fact is not None else None
    if fact is None or ctx.cell.tree is None or type(received) is not int or not fact.argument:
        return []
    for call, klass, path in _failing_calls(ctx):
        node = call_argument(call, klass, fact.argument)
        known, value = _value(ctx, node) if node is not None else (False, None)
        if node is None or not known or type(value) is not int or value != received:
            continue
        constant = isinstance(node, ast.Constant)
        text = repr(float(value)) if constant else f"float({node_text(ctx.cell, node)})"
        edit = node_edit(ctx.cell, node, text)
        if edit is not None:
            klass_name = getattr(klass, "__name__", path)
            return [_problem(ctx, "message-float-argument", [edit], fact, klass=klass_name)]
    return []


def _holding(ctx: CellContext, call: ast.Call, klass: Any, received: Any) -> tuple[ast.expr | None, str | None]:  # fmt: skip
    """The one argument of ``call`` whose value (a literal, or a name's live value) is the
    float or digit string the message received, with its parameter's name; ``(None, None)``
    when none or several are."""
    sig = signature(klass)
    names = [n for n in (sig.parameters if sig is not None else ()) if n != "self"]
    given = [(n, names[i] if i < len(names) else None) for i, n in enumerate(call.args)]
    given += [(k.value, k.arg) for k in call.keywords]
    found = []
    for node, name in given:
        known, value = _value(ctx, node)
        if isinstance(value, str) and value.strip().isdigit():
            value = float(value)
        if known and isinstance(value, float) and value == float(received) and name:
            found.append((node, name))
    return found[0] if len(found) == 1 else (None, None)


@rule("message-shape-argument", when=(ERROR,), family=FAMILY, errors=("ValueError",))
def shape_argument(ctx: CellContext) -> list[Problem]:
    """A bare number given as a shape (``shape=3``): Keras 3 wants a tuple, ``(3,)``; whole
    float dimensions (``(3.0,)``) become ints. An argument whose value cannot be read
    (``shape=(len(columns))``) is the number the message shows when it is the call's only such
    shape argument."""
    fact = _fact(ctx, "shape")
    if fact is None or ctx.cell.tree is None:
        return []
    received = fact.received_value()
    for call, klass, path in _failing_calls(ctx):
        arguments = list(_shape_arguments(call, klass))
        unread = [a for a in arguments if not isinstance(a[1], DISPLAYS) and not _value(ctx, a[1])[0]]
        for name, node in arguments:
            edit = _shape_edit(ctx, node, received)
            if edit is None and [(name, node)] == unread:
                edit = _count_edit(ctx, node, received)
            if edit is not None:
                return [
                    _problem(
                        ctx, "message-shape-argument", [edit], fact, klass=getattr(klass, '__name__', path),
                        argument=name, names=[name],
                    )
                ]  # fmt: skip
    return []


def _shape_arguments(call: ast.Call, klass: type) -> Iterator[tuple[str, ast.expr]]:
    """The arguments of ``call`` that are shapes: keywords and live parameters named ``*shape``."""
    seen: set[int] = set()
    for kw in call.keywords:
        if kw.arg and kw.arg.endswith("shape"):
            seen.add(id(kw.value))
            yield kw.arg, kw.value
    sig = signature(klass)
    for name in sig.parameters if sig is not None else ():
        if name.endswith("shape"):
            node = call_argument(call, klass, name)
            if node is not None and id(node) not in seen:
                yield name, node


def _count_edit(ctx: CellContext, node: ast.expr, received: Any) -> Edit | None:
    """The failing call's one shape argument whose value cannot be read (``len(columns)``) is
    the number Keras received: a one-tuple of it (``int`` of a whole float)."""
    text = node_text(ctx.cell, node)
    count = integral(received)
    if text is None or count is None or isinstance(received, bool):
        return None
    shape = f"({text},)" if isinstance(received, int) else f"(int({text}),)"
    return _tuple_edit(ctx, node, shape)


def _tuple_edit(ctx: CellContext, node: ast.expr, shape: str) -> Edit | None:
    """``node`` replaced by the one-tuple ``shape``, with the parentheses that only grouped it
    (``shape=(n)``) when there are."""
    edit = node_edit(ctx.cell, node, shape)
    if edit is None or edit.line != edit.end_line:
        return edit
    line = ctx.cell.source.splitlines()[edit.line - 1]
    before, after = line[: edit.col].rstrip(), line[edit.end_col :].lstrip()
    if before.endswith("(") and before[:-1].rstrip()[-1:] in ("=", ",") and after[:1] == ")":
        start, end = len(before) - 1, len(line) - len(after) + 1  # `shape=(n)`: its parentheses
        return Edit(edit.line, start, edit.line, end, shape)
    return edit


def _shape_edit(ctx: CellContext, node: ast.expr, received: Any) -> Edit | None:
    known, value = _value(ctx, node)
    if not known or value != received:
        return None  # not the argument Keras refused (or not readable)
    text = node_text(ctx.cell, node)
    if text is None:
        return None
    if integral(value) is not None:
        return _tuple_edit(ctx, node, f"({text},)")
    if isinstance(value, (tuple, list)) and all(
        integral(d) is not None or d is None for d in value
    ):
        if isinstance(node, (ast.Tuple, ast.List)):
            dims = [node_text(ctx.cell, e) if e.value is None else str(integral(e.value))  # type: ignore[attr-defined]
                    for e in node.elts]  # fmt: skip
            return node_edit(
                ctx.cell, node, "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
            )
        return node_edit(ctx.cell, node, f"tuple(None if d is None else int(d) for d in {text})")
    return None
