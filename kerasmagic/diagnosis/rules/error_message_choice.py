"""A string argument Keras 3 takes from a fixed set, given in another letter case.

Keras 2 lower-cased ``padding`` (and ``data_format``) before checking it (its
``conv_utils.normalize_padding``), so TensorFlow's spelling ``padding="SAME"`` worked in every
layer; Keras 3's pooling layers compare the string as given and raise "`padding` must be either
'valid' or 'same'. Received: padding=SAME". The message is read as a fact (``keras_messages``,
kind ``choice``: the argument, the allowed values, the value received); when exactly one allowed
value is the received one in another case, every argument of that name holding the received
value in the cell's Keras calls (and in ``functools.partial`` of a Keras class, the way a
``DefaultPool = partial(MaxPool2D, padding="SAME")`` is written) becomes the allowed spelling: the
same value Keras 2 used, so the model is the one it built.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.keras3_support import call_argument
from kerasmagic.diagnosis.keras_messages import MessageFact, literal, parse
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import Transform
from kerasmagic.diagnosis.wrapper_calls import passed_on
from kerasmagic.knowledge.catalogue import entries_with_rule

ENTRY = "message-choice-argument"
RENAMED = "keras3-renamed-choice"


def _allowed_spelling(fact: MessageFact) -> tuple[str, str] | None:
    """``(received, allowed)``: the received string and the one allowed value equal to it but
    for letter case; None when the value is not allowed in any case (no certain fix)."""
    received = fact.received or ""
    as_literal = literal(received)
    if isinstance(as_literal, str):
        received = as_literal
    choices = re.findall(r"'([\w-]+)'", fact.expected or "")
    same = [c for c in choices if c.casefold() == received.casefold() and c != received]
    return (received, same[0]) if len(same) == 1 else None


@rule(ENTRY, when=(ERROR,), family="keras3-messages", errors=("ValueError",))
def choice_argument(ctx: CellContext) -> list[Problem]:
    """``padding="SAME"`` → ``padding="same"`` wherever the cell's Keras calls pass it."""
    fact = parse(ctx.error_type, ctx.message)
    tree = ctx.cell.tree
    if fact is None or fact.kind != "choice" or not fact.argument or tree is None:
        return []
    spelling = _allowed_spelling(fact)
    if spelling is None:
        return []
    received, allowed = spelling
    edits, across = _edits(ctx, fact.argument, received, allowed)
    if not edits:
        return []
    names = [fact.argument]
    problem = from_entry(ENTRY, ctx.line or 1, edits, names, ctx.shown_versions, argument=fact.argument,
                         received=received, allowed=allowed, choices=fact.expected or "")  # fmt: skip
    problem.across = across
    return [problem]


@rule(RENAMED, when=(ERROR,), family="keras3-messages", errors=("ValueError",))
def renamed_choice(ctx: CellContext) -> list[Problem]:
    """A Keras 2 value Keras 3 names otherwise (``reduction='auto'``, which Keras 2 resolved to
    ``'sum_over_batch_size'`` outside a distribution strategy's own loop): the catalogue's
    Keras 3 name, where the message lists it among the allowed values."""
    fact = parse(ctx.error_type, ctx.message)
    entries = entries_with_rule("renamed-choice")
    if fact is None or fact.kind != "choice" or not fact.argument or not entries or ctx.cell.tree is None:  # fmt: skip
        return []
    received = fact.received or ""
    as_literal = literal(received)
    received = as_literal if isinstance(as_literal, str) else received
    renamed = entries[0].data.get("values", {}).get(fact.argument, {}).get(received)
    if renamed is None or f"'{renamed}'" not in (fact.expected or ""):
        return []
    edits, across = _edits(ctx, fact.argument, received, renamed)
    if not edits:
        return []
    problem = from_entry(entries[0].id, ctx.line or 1, edits, [fact.argument], ctx.shown_versions,
                         argument=fact.argument, received=received, allowed=renamed,
                         keras=ctx.versions.get("keras", "3"))  # fmt: skip
    problem.across = across
    return [problem]


def _edits(ctx: CellContext, argument: str, received: str, allowed: str) -> tuple[list[Edit], list[Edit] | None]:  # fmt: skip
    """Every argument ``argument`` holding ``received`` in the cell's Keras calls, as ``allowed``
    (a name holding it: lower-cased where that is the change, else its string changed where it
    is made, ``value_change.rewrite``), and the string the cell passes to another cell's
    function that hands it on to such an argument: ``(edits, across)``, ``across`` None when
    the same (``Problem.across``: an earlier cell's string edited there)."""
    edits: list[Edit] = []
    across: list[Edit] = []
    earlier = False
    for call in walk(ctx.cell.tree):
        if not isinstance(call, ast.Call):
            continue
        node = _argument(ctx, call, argument)
        if node is None or _value(ctx, node) != received:
            continue
        text = node_text(ctx.cell, node)
        if isinstance(node, ast.Constant):
            edit = node_edit(ctx.cell, node, quoted_like(text, allowed))
        elif allowed == received.lower() and text is not None:
            edit = node_edit(ctx.cell, node, f"{text}.lower()")  # a name holding it
        elif isinstance(node, ast.Attribute) and _keras_constant(ctx, node):  # `Reduction.AUTO`
            edit = node_edit(ctx.cell, node, repr(allowed))
        else:  # a name (or a member) holding the string: changed where it is made
            change = rewrite(ctx, node, Transform(f"be `{allowed!r}`", lambda text: allowed if text == received else None))  # fmt: skip
            if change is not None:
                edits += change.edits
                across += change.across
                earlier = earlier or change.earlier
            continue
        if edit is not None:
            edits.append(edit)
            across.append(edit)
    # the cell's call of a function another cell defines, which hands the value it is given
    # unchanged to the Keras call (``main(reduction_1='auto')``): changed in that call
    for passed in passed_on(ctx, None, lambda inner: _argument(ctx, inner, argument)):
        node = passed.argument
        if isinstance(node, ast.Constant) and node.value == received:
            edit = node_edit(ctx.cell, node, quoted_like(node_text(ctx.cell, node), allowed))
            edits += [edit] if edit is not None else []
            across += [edit] if edit is not None else []
    return edits, across if earlier else None


def _keras_constant(ctx: CellContext, node: ast.Attribute) -> bool:
    """Is ``node`` a constant of a Keras (or TensorFlow) class or module, not the user's?"""
    owner = value_in(ctx.namespace or {}, node.value)
    return owner is not None and (inspect.ismodule(owner) or inspect.isclass(owner)) and live.is_keras_object(owner)


def _argument(ctx: CellContext, call: ast.Call, name: str) -> ast.expr | None:
    """The argument ``name`` of a call of a live Keras callable, or the keyword ``name`` of a
    ``functools.partial`` of one."""
    callee = ctx.scope.callee(call.func)
    if callee is not None and live.is_keras_object(callee[0]):
        return call_argument(call, callee[0], name) if isinstance(callee[0], type) else None
    if call.args and _is_partial(ctx, call.func):
        wrapped = ctx.scope.callee(call.args[0])
        if wrapped is not None and live.is_keras_object(wrapped[0]):
            return next((kw.value for kw in call.keywords if kw.arg == name), None)
    return None


def _is_partial(ctx: CellContext, func: ast.expr) -> bool:
    namespace = ctx.namespace or {}
    if isinstance(func, ast.Name):
        return namespace.get(func.id) is functools.partial
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "partial"
        and isinstance(func.value, ast.Name)
        and namespace.get(func.value.id) is functools
    )


def _value(ctx: CellContext, node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return (ctx.live_names or {}).get(node.id)
    if isinstance(node, ast.Attribute):
        value = value_in(ctx.namespace or {}, node)
        return value if isinstance(value, str) else None
    return None
