"""Error rule: a layer's ``call(self, inputs, training)`` with no default for ``training``.

Keras 2 filled a layer's ``training`` (and ``mask``) argument itself when the caller did not
pass it: from the outer call's training flag, else None. Keras 3 binds ``call``'s signature to
the arguments given first, and raises "missing a required argument: 'training'" when a model is
built with ``block(x)``; given the default ``None``, the parameter is filled by Keras 3 as Keras 2
did (``fit``'s training flag, or the outer call's); a ``Sequential`` model refuses such a layer
when it is built ("Layer BatchNorm has multiple required positional arguments: ['x',
'training']"). The message is read as a fact (``keras_messages``, kind ``required``); the classes
are the cell's own layer classes, the live layers (or classes) the failing line calls and the
user's class the message names (its instances are in a model made before: only where the class
is defined, this cell or, for ``migrate``, the earlier cell that defines it, which runs again
with the cells after it, ``earlier_cell``; elsewhere it is explained), changed where they are defined, this cell or
an earlier one (``redefine``: the class defined again at the top of the corrected cell).
"""

from __future__ import annotations

import ast
import inspect
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.keras3_support import signature
from kerasmagic.diagnosis.keras_messages import parse
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.redefine import definition, is_that_function, placed
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "message-required-argument"


@rule(ENTRY, when=(ERROR,), family="keras3-messages", errors=("TypeError", "ValueError"))
def required_argument(ctx: CellContext) -> list[Problem]:
    """``call(self, inputs, training)`` of a layer class of the user's: ``training=None`` (the
    argument the message names, one Keras resolves itself) where the class is defined."""
    fact = parse(ctx.error_type, ctx.message)
    entry = find_entry(ENTRY)
    if fact is None or fact.kind != "required" or ctx.cell.tree is None or entry is None:
        return []
    if fact.argument not in entry.data.get("resolved", ()):
        return []
    argument = fact.argument
    sources = cells(ctx)
    here = [klass for klass in _own_layer_classes(ctx) if _requires(klass, argument)]
    called = [k for k in _called_layer_classes(ctx) if _requires(k, argument) and k not in here]
    named = _named_layer_class(ctx, fact.received)  # Sequential's message names the class
    built = fact.template == "sequential-required-arguments"  # by a model made before
    if named is not None and _requires(named, argument) and named not in here + called:
        called.append(named)
    edits: list[Edit] = []
    across: list[Edit] = []
    layers: list[str] = []
    for klass in [*here, *called]:
        for index, parsed in sources:
            if built and index is not None:
                continue  # the model holds that class's instances: changed where it is defined
            node = definition(parsed, klass.__name__, index is None, ast.ClassDef)
            if node is None or not is_that_function(klass, node):
                continue
            edit = _default_edit(parsed, node, argument)
            moved = placed(ctx.cell, ctx.namespace, parsed, node, [edit], index) if edit else None
            if moved is not None:
                edits += moved[0]
                across += moved[1] or []
                layers.append(klass.__name__)
            break
    if not edits and not (built and named is not None and _requires(named, argument)):
        return []
    layers = layers or [named.__name__]  # type: ignore[union-attr]
    keras = ctx.versions.get("keras", "3")
    problem = from_entry(ENTRY, ctx.line or 1, edits, [argument, *layers], ctx.shown_versions,
                         argument=argument, layers=", ".join(layers), keras=keras)  # fmt: skip
    problem.across = across or None
    return [problem]


def _requires(klass: type, argument: str) -> bool:
    """Does the class's ``call`` take ``argument`` without a default?"""
    sig = signature(getattr(klass, "call", None))
    parameter = sig.parameters.get(argument) if sig is not None else None
    return parameter is not None and parameter.default is inspect.Parameter.empty


def _own_layer_classes(ctx: CellContext) -> list[type]:
    """The live layer classes the cell defines."""
    out = []
    for node in walk(ctx.cell.tree):  # type: ignore[arg-type]
        if isinstance(node, ast.ClassDef):
            value = (ctx.namespace or {}).get(node.name)
            if isinstance(value, type) and live.is_layer_class(value):
                out.append(value)
    return out


def _called_layer_classes(ctx: CellContext) -> list[type]:
    """The live layer classes the failing line calls: ``block(x)`` of a layer the frame holds
    (``self.block`` too), or ``Block(…)(x)``."""
    scope = ctx.live_names  # the namespace under the failing frame's locals
    out: list[type] = []
    for call in walk(ctx.cell.tree):  # type: ignore[arg-type]
        if not isinstance(call, ast.Call) or call.lineno != ctx.line:
            continue
        func = call.func
        found = value_in(scope, func.func if isinstance(func, ast.Call) else func)
        klass = found if isinstance(found, type) else type(found) if found is not None else None
        if klass is not None and live.is_layer_class(klass) and klass not in out:
            out.append(klass)
    return out


def _named_layer_class(ctx: CellContext, name: str | None) -> type | None:
    """The user's layer class the namespace binds to ``name`` (a class the message names)."""
    value = (ctx.namespace or {}).get(name or "")
    if isinstance(value, type) and live.is_layer_class(value) and not live.is_keras_object(value):
        return value
    return None


def _default_edit(parsed: Any, klass: ast.ClassDef, name: str) -> Edit | None:
    """``name=None`` in the class's ``def call``, where every positional parameter after it has
    a default (else the def would not compile)."""
    method = next(
        (
            n
            for n in klass.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "call"
        ),
        None,
    )
    if method is None:
        return None
    args = method.args
    positional = args.posonlyargs + args.args
    arg = next((a for a in positional + args.kwonlyargs if a.arg == name), None)
    if arg is None:
        return None
    if arg in positional:
        after = positional[positional.index(arg) + 1 :]
        if len(after) > len(args.defaults):
            return None
    text = node_text(parsed, arg)
    if text is None:
        return None
    return node_edit(parsed, arg, text + (" = None" if arg.annotation else "=None"))
