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
import sys
from collections.abc import Callable
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.keras3_support import call_argument, live_callable
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
    edits, across = _edits(ctx, fact.argument, (received,), allowed)
    if not edits:
        return []
    names = [fact.argument]
    problem = from_entry(ENTRY, ctx.line or 1, edits, names, ctx.shown_versions, argument=fact.argument,
                         received=received, allowed=allowed, choices=fact.expected or "")  # fmt: skip
    problem.across = across
    return [problem]


@rule(RENAMED, when=(ERROR,), family="keras3-messages", errors=("ValueError",))
def renamed_choice(ctx: CellContext) -> list[Problem]:
    """A value a library took once and names otherwise now (Keras 2's ``reduction='auto'``, which
    it resolved to ``'sum_over_batch_size'`` outside a distribution strategy's own loop;
    scikit-learn's ``max_features='auto'``, ``'sqrt'`` for a classifier and ``1.0`` for a
    regressor): the catalogue's value for it, where the message names the argument (and the
    class, when it does) and the new value is one it allows."""
    fact = parse(ctx.error_type, ctx.message)
    if fact is None or fact.kind != "choice" or not fact.argument or ctx.cell.tree is None:
        return []
    received = fact.received or ""
    as_literal = literal(received)
    received = as_literal if isinstance(as_literal, str) else received
    for entry in entries_with_rule("renamed-choice"):
        values = entry.data.get("values", {}).get(fact.argument, {})
        renamed = values.get(received, values.get("*"))  # "*": any value the library refused
        mine = _owned_by(entry.data.get("root"), fact.owner, entry.data.get("callables", ()))
        if isinstance(renamed, dict):  # by the kind of the class (classifier, regressor)
            renamed = _by_kind(ctx, mine, renamed, entry.data.get("kinds", {}))
        if renamed is None or (isinstance(renamed, str) and f"'{renamed}'" not in (fact.expected or "")):  # fmt: skip
            continue
        # any refused value ("*"): the cell's other refused ones the same way (each fails next)
        refused = (received, *_refused(ctx, fact, mine, received)) if received not in values else (received,)  # fmt: skip
        edits, across = _edits(ctx, fact.argument, refused, renamed, mine)
        if not edits:
            continue
        problem = from_entry(entry.id, ctx.line or 1, edits, [fact.argument], ctx.shown_versions,
                             argument=fact.argument, received=received, allowed=renamed,
                             received_code=repr(received), allowed_code=repr(renamed),
                             choices=fact.expected or "", owner=fact.owner or "",
                             version=_version(entry.data.get("root"), ctx),
                             keras=ctx.versions.get("keras", "3"))  # fmt: skip
        problem.across = across
        return [problem]
    return []


def _refused(ctx: CellContext, fact: MessageFact, mine: Callable[[Any], bool], received: str) -> list[str]:  # fmt: skip
    """The other strings the cell's calls give the argument that the message's list of allowed
    values lacks (each would fail next)."""
    allowed = set(re.findall(r"'([^']*)'", fact.expected or ""))
    found: list[str] = []
    for call in walk(ctx.cell.tree):
        node = _argument(ctx, call, fact.argument or "", mine) if isinstance(call, ast.Call) else None
        value = _value(ctx, node) if node is not None else None
        if isinstance(value, str) and value not in allowed and value not in (received, *found):
            found.append(value)
    return found


def _version(root: str | None, ctx: CellContext) -> str:
    """The installed version of the library ``root`` (Keras's where None), as shown."""
    if root is None:
        return ctx.versions.get("keras", "3")
    module = sys.modules.get(root)
    return str(getattr(module, "__version__", "")) or "installed here"


def _owned_by(root: str | None, owner: str | None, callables: tuple[str, ...] = ()) -> Callable[[Any], bool]:  # fmt: skip
    """Does a callable belong to the library the entry is about (Keras where ``root`` is None;
    else the top package ``root``), is it the class ``owner`` the message names, and one of the
    entry's ``callables`` (module and qualified name) where it lists them?"""

    def mine(obj: Any) -> bool:
        if root is None:
            return live.is_keras_object(obj)
        module = getattr(obj, "__module__", None)
        if not isinstance(module, str) or module.split(".")[0] != root:
            return False
        if callables and f"{module}.{getattr(obj, '__qualname__', '')}" not in callables:
            return False
        return owner is None or getattr(obj, "__name__", None) == owner

    return mine


def _by_kind(ctx: CellContext, mine: Callable[[Any], bool], by_kind: dict, kinds: dict) -> Any:
    """The value for the kind of the class the cell calls (``kinds``: a base class's name → its
    kind, ``ClassifierMixin`` → ``classifier``); None when no call of it is in the cell."""
    for call in walk(ctx.cell.tree):
        callee = _callee(ctx, call.func, mine) if isinstance(call, ast.Call) else None
        if isinstance(callee, type) and mine(callee):
            bases = {base.__name__ for base in callee.__mro__}
            found = [by_kind[kind] for base, kind in kinds.items() if base in bases and kind in by_kind]
            return found[0] if len(found) == 1 else None
    return None


def _edits(ctx: CellContext, argument: str, received: tuple[str, ...], allowed: Any, mine: Callable[[Any], bool] = live.is_keras_object) -> tuple[list[Edit], list[Edit] | None]:  # fmt: skip
    """Every argument ``argument`` holding one of the ``received`` values in the cell's calls of
    the library's callables (``mine``: Keras's by default), as ``allowed``
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
        node = _argument(ctx, call, argument, mine)
        value = _value(ctx, node) if node is not None else None
        if node is None or not isinstance(value, str) or value not in received:
            continue
        text = node_text(ctx.cell, node)
        if not isinstance(allowed, str):  # a number for a string: only where it is written
            edit = node_edit(ctx.cell, node, repr(allowed)) if isinstance(node, ast.Constant) else None
        elif isinstance(node, ast.Constant):
            edit = node_edit(ctx.cell, node, quoted_like(text, allowed))
        elif allowed == value.lower() and text is not None:
            edit = node_edit(ctx.cell, node, f"{text}.lower()")  # a name holding it
        elif isinstance(node, ast.Attribute) and _keras_constant(ctx, node):  # `Reduction.AUTO`
            edit = node_edit(ctx.cell, node, repr(allowed))
        else:  # a name (or a member) holding the string: changed where it is made
            change = rewrite(ctx, node, Transform(f"be `{allowed!r}`", lambda text: allowed if text in received else None))  # fmt: skip
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
    for passed in passed_on(ctx, None, lambda inner: _argument(ctx, inner, argument, mine)):
        node = passed.argument
        if isinstance(node, ast.Constant) and node.value in received:
            new = quoted_like(node_text(ctx.cell, node), allowed) if isinstance(allowed, str) else repr(allowed)
            edit = node_edit(ctx.cell, node, new)
            edits += [edit] if edit is not None else []
            across += [edit] if edit is not None else []
    return edits, across if earlier else None


def _keras_constant(ctx: CellContext, node: ast.Attribute) -> bool:
    """Is ``node`` a constant of a Keras (or TensorFlow) class or module, not the user's?"""
    owner = value_in(ctx.namespace or {}, node.value)
    return owner is not None and (inspect.ismodule(owner) or inspect.isclass(owner)) and live.is_keras_object(owner)


def _argument(ctx: CellContext, call: ast.Call, name: str, mine: Callable[[Any], bool] = live.is_keras_object) -> ast.expr | None:  # fmt: skip
    """The argument ``name`` of a call of a live callable of the library (``mine``: Keras's by
    default; of a function, its keyword ``name``), or the keyword ``name`` of a
    ``functools.partial`` of one."""
    callee = _callee(ctx, call.func, mine)
    if callee is not None and mine(callee):
        if isinstance(callee, type):
            return call_argument(call, callee, name)
        return next((kw.value for kw in call.keywords if kw.arg == name), None)
    if call.args and _is_partial(ctx, call.func):
        wrapped = ctx.scope.callee(call.args[0])
        if wrapped is not None and mine(wrapped[0]):
            return next((kw.value for kw in call.keywords if kw.arg == name), None)
    return None


def _callee(ctx: CellContext, func: ast.expr, mine: Callable[[Any], bool]) -> Any:
    """The live callable ``func`` names: Keras's through the cell's bindings; another library's
    also from the kernel (a class an earlier cell imported, ``ax.legend``)."""
    if mine is live.is_keras_object:
        found = ctx.scope.callee(func)
        return found[0] if found is not None else None
    return live_callable(ctx, func)


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
