"""Static rule: Model methods Keras removed in favour of another (``fit_generator`` → ``fit``),
when no live ``Model`` class of the cell has the old one."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.bindings import (
    keyword_rename,
    rename_keyword_edit,
)
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    delete_keyword_edit,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule, words
from kerasmagic.diagnosis.samples_per_batch import batch_size_expr, per_batch_edit, samples_note
from kerasmagic.knowledge.catalogue import data_names, entries_with_rule, find_entry


@rule(
    "removed-method",
    when=(STATIC,),
    family="model-methods",
    needs=words(data_names("method-rename", "renames")),
)
def method_renames(ctx: CellContext) -> list[Problem]:
    """Removed Model methods whose replacement the live Model has."""
    if ctx.cell.tree is None:
        return []
    return list(_method_renames(ctx))


def _method_renames(ctx: CellContext) -> Iterator[Problem]:
    cell_models = None
    parents = {id(c.func): c for c in walk(ctx.cell.tree) if isinstance(c, ast.Call)}
    for entry in entries_with_rule("method-rename"):
        renames = entry.data.get("renames", {})
        for node in walk(ctx.cell.tree):
            if not isinstance(node, ast.Attribute) or node.attr not in renames:
                continue
            models = ctx.scope.receiver_classes(node.value)  # the live object, when there is one
            if not models:
                if cell_models is None:
                    cell_models = ctx.scope.model_classes()
                models = cell_models
            new = renames[node.attr]
            if not models or any(hasattr(m, node.attr) for m in models):
                continue
            if not all(hasattr(m, new) for m in models):
                continue
            value = node_text(ctx.cell, node.value)
            edit = node_edit(ctx.cell, node, f"{value}.{new}") if value else None
            if edit is None:
                continue
            edits = [edit]
            certain = True
            notes: list[str] = []
            counted = set(find_entry("keras1-keyword-renamed").data.get("samples_to_batches", []))
            call = parents.get(id(node))
            if call is not None:
                params = live.parameters(getattr(models[0], new))
                order = entry.data.get("positional", {}).get(node.attr)
                named = _positional_as_keywords(ctx, call, order, params[0] if params else set())
                if named is None:
                    certain = False  # passed by position, meaning unknown: not rewritten for sure
                else:
                    edits += named
                if params is not None:
                    # the old method's own keywords (`generator=`) and the Keras 1 names first;
                    # only an option with no effect is dropped (keras3-removed-keyword's list);
                    # a `**kwargs` (Keras 3's `evaluate`: private options, any other refused)
                    # takes none of them
                    own = entry.data.get("keywords", {})
                    droppable = set(find_entry("keras3-removed-keyword").data.get("methods", []))
                    for kw in call.keywords:
                        if kw.arg and kw.arg not in params[0]:
                            renamed_kw = own.get(kw.arg) if own.get(kw.arg) in params[0] else None
                            renamed_kw = renamed_kw or keyword_rename(kw.arg, params[0])
                            if renamed_kw:
                                e = rename_keyword_edit(ctx.cell, kw, renamed_kw)
                                if kw.arg in counted:
                                    batch = batch_size_expr(ctx, call, kw.arg)
                                    notes.append(samples_note(kw.arg, renamed_kw, batch))
                                    if batch is not None:
                                        edits.append(per_batch_edit(ctx, kw, batch))
                            elif kw.arg in droppable:
                                e = delete_keyword_edit(ctx.cell, call, kw)
                            else:
                                certain, e = certain and params[1], None
                            if e is not None:
                                edits.append(e)
            problem = from_entry(entry.id, node.lineno, [e for e in edits if e], [node.attr], old=node.attr, new=new)  # fmt: skip
            problem.fix = " ".join([problem.fix, *notes])
            problem.certain = certain
            yield problem


def _positional_as_keywords(
    ctx: CellContext, call: ast.Call, order: list[str] | None, accepted: set[str]
) -> list[Edit] | None:
    """Each argument after the first passed by position, written as the keyword the old
    method's signature gave it (``evaluate_generator(gen, 10)`` → ``steps=10``), when the new
    method takes that keyword; [] when there is none, None when one cannot be named so."""
    if len(call.args) <= 1:
        return []
    if order is None or len(call.args) > len(order) or any(isinstance(a, ast.Starred) for a in call.args):  # fmt: skip
        return None
    out = []
    for arg, name in zip(call.args[1:], order[1:]):
        text = node_text(ctx.cell, arg)
        edit = node_edit(ctx.cell, arg, f"{name}={text}") if text is not None else None
        if edit is None or name not in accepted:
            return None
        out.append(edit)
    return out
