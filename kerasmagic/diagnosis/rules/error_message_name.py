"""Error rule: a layer or weight name with a character Keras 3 refuses (a message fact).

Keras 2 took any string as a name; GoogLeNet-style code names its layers after the paper's
table, ``name='conv_1_7x7/2'``. Keras 3 joins the names of nested layers and weights with ``/``
and refuses it in a name: "Argument `name` must be a string and cannot contain character `/`.
Received: name=conv_1_7x7/2". The message names the character (``keras_messages``, kind
``character``); every string literal given as ``name=`` to a live Keras callable in the cell
(the next one would fail next) gets ``_`` for it, and so does a string the cell passes to
``get_layer`` that names a layer so renamed. A name the failing call computes (``name + '/1x1'``,
a function's parameter) is changed where the call uses it, and a ``get_layer`` of the value the
message names follows it. A name is a label: nothing the model computes changes.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras_messages import parse
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_layer_auto_names import MESSAGE as MISSING_LAYER
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "message-name-character"


@rule(ENTRY, when=(ERROR,), family="keras3-messages", errors=("ValueError",), needs="name")
def name_character(ctx: CellContext) -> list[Problem]:
    """``name='conv/2'`` → ``name='conv_2'`` for every Keras call of the cell, when the failing
    call's is one of them."""
    fact = parse(ctx.error_type, ctx.message)
    if fact is None or fact.kind != "character" or ctx.cell.tree is None:
        return []
    char, received = fact.expected or "", fact.received or ""
    if len(char) != 1 or char not in received:
        return []
    edits: list[Edit] = []
    renamed: set[str] = set()
    failing = False
    for call in walk(ctx.cell.tree):
        if not isinstance(call, ast.Call) or not is_keras_call(ctx, call):
            continue
        for kw in call.keywords:
            if kw.arg != "name":
                continue
            edit = _literal_edit(ctx, kw.value, char)
            if edit is None and call.lineno in ctx.failing_lines and not isinstance(kw.value, ast.Constant):  # fmt: skip
                text = node_text(ctx.cell, kw.value)
                edit = node_edit(ctx.cell, kw.value, f"str({text}).replace({char!r}, '_')") if text else None  # fmt: skip
            if edit is not None:
                edits.append(edit)
                failing = failing or call.lineno in ctx.failing_lines
                if isinstance(kw.value, ast.Constant):
                    renamed.add(kw.value.value)
                elif call.lineno in ctx.failing_lines:  # computed: the message names its value
                    renamed.add(received)
    if not failing:
        return []
    edits += _lookups(ctx, renamed, char)
    new = received.replace(char, "_")
    keras = ctx.versions.get("keras", "3")
    return [from_entry(ENTRY, ctx.line or edits[0].line, edits, ["name"], ctx.shown_versions,
                       character=char, name=received, new=new, keras=keras)]  # fmt: skip


def is_keras_call(ctx: CellContext, call: ast.Call) -> bool:
    """Is the callee a live Keras callable (a class, a function, ``self.add_weight``)?"""
    callee = ctx.scope.callee(call.func)
    if callee is not None:
        return live.is_keras_object(callee[0])
    return isinstance(call.func, ast.Attribute) and call.func.attr == "add_weight"


def _literal_edit(ctx: CellContext, node: ast.expr, char: str) -> Edit | None:
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and char in node.value):
        return None
    text = node_text(ctx.cell, node)
    if text is None:
        return None
    return node_edit(ctx.cell, node, quoted_like(text, node.value.replace(char, "_")))


def _lookups(ctx: CellContext, renamed: set[str], char: str) -> list[Edit]:
    """``model.get_layer('conv/2')`` of a layer the cell renames: the new name."""
    edits = []
    for call in walk(ctx.cell.tree):  # type: ignore[arg-type]
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == "get_layer"):
            continue
        for node in [*call.args[:1], *(k.value for k in call.keywords if k.arg == "name")]:  # type: ignore[union-attr]
            if isinstance(node, ast.Constant) and node.value in renamed:
                edit = _literal_edit(ctx, node, char)
                if edit is not None:
                    edits.append(edit)
    return edits


LOOKUP = "message-name-character-lookup"


@rule(LOOKUP, when=(ERROR,), family="keras3-messages", errors=("ValueError",), needs="get_layer")
def renamed_lookup(ctx: CellContext) -> list[Problem]:
    """``get_layer('conv_1_7x7/2')`` of a layer Keras 3 knows as ``conv_1_7x7_2`` (a character
    it refuses in names, the catalogue's, given as ``_`` where the layer was made): the message
    lists the model's layers; each string the cell's ``get_layer`` calls give that is missing
    there, and there with ``_`` for the character, becomes that name."""
    found = MISSING_LAYER.search(ctx.message)
    entry = find_entry(LOOKUP)
    if found is None or entry is None or ctx.cell.tree is None:
        return []
    try:
        existing = {str(n) for n in ast.literal_eval(found.group("names"))}
    except (ValueError, SyntaxError):
        return []
    characters = [c for c in entry.data.get("characters", []) if c in found.group("name")]
    if not characters or _renamed(found.group("name"), characters) not in existing:
        return []
    edits: list[Edit] = []
    for call in walk(ctx.cell.tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == "get_layer"):
            continue
        for node in [*call.args[:1], *(k.value for k in call.keywords if k.arg == "name")]:  # type: ignore[union-attr]
            held = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
            new = _renamed(held, characters) if held is not None else None
            text = node_text(ctx.cell, node)
            if held in existing or new not in existing or text is None:
                continue
            edit = node_edit(ctx.cell, node, quoted_like(text, new))  # type: ignore[arg-type]
            edits += [edit] if edit is not None else []
    if not edits:
        return []
    name = found.group("name")
    return [from_entry(LOOKUP, ctx.line or edits[0].line, edits, ["get_layer", name], ctx.shown_versions,
                       name=name, new=_renamed(name, characters), character=characters[0],
                       keras=ctx.versions.get("keras", "3"))]  # fmt: skip


def _renamed(name: str, characters: list[str]) -> str:
    for char in characters:
        name = name.replace(char, "_")
    return name
