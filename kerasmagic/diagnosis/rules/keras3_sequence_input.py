"""Static rule: ``LSTM(32, input_dim=64, input_length=10)`` — a recurrent or 1-D convolution
layer given its input as Keras 1's ``input_dim``/``input_length``. Keras 2.0 read the pair as
``input_shape=(input_length, input_dim)``; a Keras whose layer no longer reads ``input_length``
(Keras 3; tf.keras 2.15's Conv1D) rejects it, and reads ``input_dim`` alone as a 2-D input
(``expected ndim=3, found ndim=2``). Whether the live layer reads them is read from its own
``__init__`` code, not from a version number."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import delete_keyword_edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-sequence-input-dim"
SEQUENCE_BASES = ("RNN", "Conv1D")  # the live classes whose input is (steps, features)


@rule(ENTRY, when=(STATIC,), family="keyword-arguments", needs=("input_length", "input_dim"))
def sequence_input_dim(ctx: CellContext) -> list[Problem]:
    """Each call of a live Keras 3 recurrent or Conv1D class with ``input_dim``/``input_length``
    (and no ``input_shape``): ``input_shape=(input_length, input_dim)``, ``None`` for the one not
    given, as Keras 2 built it."""
    tree = ctx.cell.tree
    if tree is None:
        return []
    out: list[Problem] = []
    for call in walk(tree):
        if not isinstance(call, ast.Call):
            continue
        given = {kw.arg: kw for kw in call.keywords if kw.arg}
        pair = [given[k] for k in ("input_dim", "input_length") if k in given]
        if not pair or {"input_shape", "batch_input_shape"} & set(given):
            continue
        callee = ctx.scope.callee(call.func)
        if callee is None or not _sequence_layer(callee[0]):
            continue
        dim, length = given.get("input_dim"), given.get("input_length")
        texts = [node_text(ctx.cell, kw.value) if kw else "None" for kw in (length, dim)]
        first = min(pair, key=lambda kw: (kw.lineno, kw.col_offset))
        shape = f"input_shape=({texts[0]}, {texts[1]})"
        edits = [node_edit(ctx.cell, first, shape)]
        edits += [delete_keyword_edit(ctx.cell, call, kw) for kw in pair if kw is not first]
        if None in texts or any(e is None for e in edits):
            continue
        name = callee[1].rsplit(".", 1)[-1]
        out.append(
            from_entry(ENTRY, first.lineno, [e for e in edits if e], [name, "input_dim"],
                       ctx.shown_versions, layer=name, shape=shape,
                       keras=ctx.versions.get("keras", "3"))
        )  # fmt: skip
    return out


def _sequence_layer(obj: object) -> bool:
    """A Keras class whose input is a sequence (a subclass of its package's ``RNN`` or
    ``Conv1D``, read from the live class's ancestors) and whose ``__init__`` code, or an
    ancestor's, no longer reads ``input_length`` (tf.keras 2.15's ``RNN`` still does)."""
    if not isinstance(obj, type) or str(obj.__module__).split(".")[0] not in ("keras", "tf_keras"):
        return False
    if not any(base.__name__ in SEQUENCE_BASES for base in obj.__mro__):
        return False
    for base in obj.__mro__:
        code = getattr(base.__dict__.get("__init__"), "__code__", None)
        if code is not None and "input_length" in code.co_consts:
            return False
    return True


EMBEDDING = "keras3-embedding-input-length"
# Keras 3's words for a layer or model with no weights or input yet (unbuilt)
UNBUILT = re.compile(r"expecting 0 weights|has never been called|has not (?:yet )?been built|has no defined (?:inputs?|outputs?)")


@rule(EMBEDDING, when=(STATIC,), family="keyword-arguments", needs="input_length")
def embedding_input_length(ctx: CellContext) -> list[Problem]:
    """``Embedding(1000, 64, input_length=maxlen)`` where the live Embedding class has no
    ``input_length`` parameter (Keras 3 pops it and ignores it): ``input_shape=(maxlen,)``, so a
    ``Sequential`` that starts with it is built at once with the input Keras 2 gave it (its
    ``set_weights``, ``input`` and ``summary`` work before ``fit``, as they did)."""
    tree = ctx.cell.tree
    if tree is None:
        return []
    # an error of the unbuilt model (set_weights, model.input) on a later line is this one
    unbuilt = ctx.line is not None and UNBUILT.search(ctx.message or "") is not None
    named = _named_unbuilt_model(ctx)  # the live model the message names, cells later
    out: list[Problem] = []
    for call in walk(tree):
        if not isinstance(call, ast.Call):
            continue
        given = {kw.arg: kw for kw in call.keywords if kw.arg}
        length = given.get("input_length")
        if length is None or {"input_shape", "batch_input_shape", "batch_size"} & set(given):
            continue
        callee = ctx.scope.callee(call.func)
        if callee is None or not _ignores_input_length(callee[0]):
            continue
        text = node_text(ctx.cell, length.value)
        edit = node_edit(ctx.cell, length, f"input_shape=({text},)") if text else None
        if edit is None:
            continue
        problem = from_entry(EMBEDDING, ctx.line if unbuilt else length.lineno, [edit], ["Embedding", "input_length"],
                             ctx.shown_versions, length=text, keras=ctx.versions.get("keras", "3"))  # fmt: skip
        problem.raised_it = named is not None and _added_to(ctx, call, named)
        out.append(problem)
    return out


# Keras 3 naming the unbuilt model: "Sequential model 'sequential' has no defined inputs yet"
# (outputs, input shape, output shape: keras/src/models/sequential.py), "The layer sequential has
# never been called and thus has no defined input"
NAMED_UNBUILT = re.compile(r"(?:model|layer) '?([\w.-]+?)'? has (?:no defined (?:inputs?|outputs?)|never been called)")


def _named_unbuilt_model(ctx: CellContext) -> object | None:
    """The live model of the namespace the message names as having no input yet."""
    found = NAMED_UNBUILT.search(ctx.message or "")
    if found is None:
        return None
    for value in (ctx.namespace or {}).values():
        if live.from_keras(value) and getattr(value, "name", None) == found.group(1) and hasattr(value, "layers"):  # fmt: skip
            return value
    return None


def _added_to(ctx: CellContext, call: ast.Call, model: object) -> bool:
    """Is ``call`` the layer a ``NAME.add(call)`` of this cell adds to ``model`` (``NAME`` holds
    it in the namespace)? Then the model it leaves unbuilt is the one the error names."""
    for node in walk(ctx.cell.tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add" and node.args and node.args[0] is call:  # fmt: skip
            owner = node.func.value
            return isinstance(owner, ast.Name) and (ctx.namespace or {}).get(owner.id) is model
    return False


def _ignores_input_length(obj: object) -> bool:
    """A Keras ``Embedding`` class (or subclass) whose live signature has no ``input_length``."""
    if not isinstance(obj, type) or str(obj.__module__).split(".")[0] not in ("keras", "tf_keras"):
        return False
    if not any(base.__name__ == "Embedding" for base in obj.__mro__):
        return False
    params = live.parameters(obj.__init__)
    return params is not None and "input_length" not in params[0]
