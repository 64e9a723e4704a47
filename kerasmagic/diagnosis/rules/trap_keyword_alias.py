"""Trap rule: a keyword Keras 2 read as another name of one of its parameters, given to a Keras 3
callable that takes it into ``**kwargs`` and reads nothing from them (``ReduceLROnPlateau(epsilon=…)``
was ``min_delta=``, ``imdb.load_data(nb_words=…)`` was ``num_words=``): no error, the parameter
keeps its default, and the code does something else.

Evidence: the alias from Keras 2.15's own source (the generated map's ``alias`` field, which
leaves out an old keyword Keras 3's source still reads), and the live signature here (the new
name explicit, the old one not, ``**kwargs`` present). The keyword is renamed; the explicit
``{new}=`` keyword, where the call gives both, is left alone (Keras 2 let it win too).
A callable whose signature rejects the old keyword raises instead: ``rules/calls.py`` renames
it there (``keras2-keyword-alias``)."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.bindings import rename_keyword_edit
from kerasmagic.diagnosis.context import AFTER_RUN, STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import generated_keywords
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.trap_support import trap_problem
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "keras2-keyword-alias-ignored"
# the old keywords the generated map records as aliases (field `alias`; tests/test_keras_map.py
# checks the two agree): a cell that passes none of them is not examined (a clean cell's cost)
ALIASES = ("epsilon", "l", "mask_value", "max_tokens", "max_values", "nb_words", "oov_value", "smart_resize")  # fmt: skip


@rule(ENTRY, when=(STATIC, AFTER_RUN), family="keyword-arguments", kind="trap",
      needs=tuple(rf"\b{word}\s*=" for word in ALIASES))  # fmt: skip
def keyword_alias_ignored(ctx: CellContext) -> list[Problem]:
    """Each keyword of a live Keras call that Keras 2 read as another parameter's name and that
    this callable's ``**kwargs`` swallows."""
    entry = find_entry(ENTRY)
    tree = ctx.cell.tree
    if entry is None or tree is None:
        return []
    out: list[Problem] = []
    for call in walk(tree):
        if not isinstance(call, ast.Call) or not call.keywords:
            continue
        callee = ctx.scope.callee(call.func)
        if callee is None or not live.is_keras_object(callee[0]):
            continue
        obj, path = callee
        if not _keras3_object(obj):  # Keras 2 and tf_keras read the alias themselves
            continue
        params = live.parameters(obj)
        aliases = generated_keywords(path).get("alias", {}) if params is not None else {}
        if not aliases or params is None or not params[1]:
            continue
        given = {kw.arg for kw in call.keywords}
        for kw in call.keywords:
            new = aliases.get(kw.arg or "")
            if not new or new not in params[0] or new in given or kw.arg in params[0]:
                continue
            value = node_text(ctx.cell, kw.value) or "…"
            name = path.rsplit(".", 1)[-1]
            fields = {"old": kw.arg, "new": new, "value": value, "callable": f"`{name}`"}
            out.append(
                trap_problem(ctx, entry, fields, edits=[rename_keyword_edit(ctx.cell, kw, new)],
                             line=kw.lineno, fix_code=f"{new}={value}", confidence=1.0)
            )  # fmt: skip
    return out


def _keras3_object(obj: object) -> bool:
    """A class or function of the ``keras`` package, which is Keras 3 here."""
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] == "keras" and live.root_major("keras") == 3
