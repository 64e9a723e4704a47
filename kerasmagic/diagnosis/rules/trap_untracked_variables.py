"""Trap rule: a custom Keras 3 layer or model that keeps its weights in ``tf.Variable``s.

TensorFlow 2's guides wrote a layer's state as ``self.w = tf.Variable(initial_value=…,
trainable=True)`` in ``__init__`` or ``build``; tf.keras (Keras 2) tracked every ``tf.Variable``
set on a layer, so ``fit`` trained it and ``model.weights`` listed it. Keras 3 tracks only its own
``keras.Variable``: the ``tf.Variable`` is left out of ``trainable_weights``, ``fit`` never updates
it, saving drops it, and nothing fails (measured: TensorFlow 2.21 / Keras 3.15 and Colab's 2.20 /
3.13, the layer's weights 0 and the variable unchanged after ``fit``).

Read after the cell that defines the class runs: the class is live and its Keras base is Keras 3
(the catalogue's implementations), and one of its methods sets ``self.<name> = tf.Variable(…)``
(the callee read live: TensorFlow's ``Variable``). The repair makes each a ``keras.Variable`` of
the same initial value, trainability, name and dtype (``initial_value=`` is Keras's
``initializer=``), which the layer tracks; a call with another argument of ``tf.Variable`` (a
``constraint``, ``validate_shape``) is explained, not rewritten.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.bindings import rename_keyword_edit
from kerasmagic.diagnosis.context import AFTER_RUN, CellContext
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import Edit, node_edit, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.trap_support import applies_to_kind, trap_problem
from kerasmagic.knowledge.catalogue import entry as catalogue_entry
from kerasmagic.probes.which_keras import kind_of_module

ENTRY = "tf-variable-untracked-by-keras3"
# tf.Variable's parameters that keras.Variable takes under the same or another name
SAME = {"initial_value": "initializer", "trainable": "trainable", "name": "name", "dtype": "dtype", "shape": "shape"}  # fmt: skip


@rule(ENTRY, when=(AFTER_RUN,), family="model-methods", needs="Variable", kind="trap")
def untracked_variables(ctx: CellContext) -> list[Problem]:
    """Each ``self.x = tf.Variable(…)`` in the methods of the cell's Keras 3 layer classes."""
    tree = ctx.cell.tree
    if not ctx.ran or tree is None or not ctx.namespace:
        return []
    entry = catalogue_entry(ENTRY)
    calls: list[tuple[ast.Call, str, str]] = []  # the call, its class, the attribute it sets
    for klass in walk(tree):
        if isinstance(klass, ast.ClassDef) and _keras3_layer(ctx, klass.name, entry):
            calls += _variables_set(ctx, klass)
    if not calls:
        return []
    root = keras_root(ctx)
    edits: list[Edit | None] = list(root[1]) if root is not None else [None]
    for call, _klass, _attribute in calls:
        edits += _as_keras_variable(ctx, call, root[0]) if root is not None else [None]
    first = calls[0]
    fields = {"klass": first[1], "attribute": first[2],
              "attributes": ", ".join(dict.fromkeys(f"`self.{a}`" for _, _, a in calls))}  # fmt: skip
    verify = (f"With the corrected cell `{first[1]}`'s `trainable_weights` lists "
              f"`self.{first[2]}`, and `fit` changes it.")  # fmt: skip
    return [trap_problem(ctx, entry, fields, edits=edits, line=first[0].lineno, confidence=1.0, verify=verify)]  # fmt: skip


def _keras3_layer(ctx: CellContext, name: str, entry: object) -> bool:
    """The live class ``name`` is a layer (or model) class of a Keras the trap applies to."""
    klass = (ctx.namespace or {}).get(name)
    if not live.is_layer_class(klass):
        return False
    bases = [b for b in klass.__mro__[1:] if live.is_keras_object(b)]
    kind = kind_of_module(bases[0].__module__, ctx.versions) if bases else None
    return applies_to_kind(entry, kind, ctx.versions)  # type: ignore[arg-type]


def _variables_set(ctx: CellContext, klass: ast.ClassDef) -> list[tuple[ast.Call, str, str]]:
    """``(call, class, attribute)`` of each ``self.<attribute> = tf.Variable(…)`` of the class's
    own methods (``self``: a method's first parameter)."""
    out: list[tuple[ast.Call, str, str]] = []
    for method in klass.body:
        if not isinstance(method, ast.FunctionDef) or not method.args.args:
            continue
        me = method.args.args[0].arg
        for node in walk(method):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target, value = node.targets[0], node.value
            if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)):
                continue
            if target.value.id == me and isinstance(value, ast.Call) and _is_tf_variable(ctx, value):
                out.append((value, klass.name, target.attr))
    return out


def _is_tf_variable(ctx: CellContext, call: ast.Call) -> bool:
    found = ctx.scope.callee(call.func)
    return found is not None and found[1] in ("tensorflow.Variable", "tensorflow.compat.v2.Variable")


def _as_keras_variable(ctx: CellContext, call: ast.Call, keras: str) -> list[Edit | None]:
    """``tf.Variable(v, trainable=t, name=n)`` as ``keras.Variable(v, trainable=t, name=n)``;
    ``[None]`` when the call passes what ``keras.Variable`` has no place for."""
    if len(call.args) > 1 or any(k.arg not in SAME for k in call.keywords):
        return [None]
    edits: list[Edit | None] = [node_edit(ctx.cell, call.func, f"{keras}.Variable")]
    for kw in call.keywords:
        if SAME[kw.arg or ""] != kw.arg:
            edits.append(rename_keyword_edit(ctx.cell, kw, SAME[kw.arg or ""]))
    return edits
