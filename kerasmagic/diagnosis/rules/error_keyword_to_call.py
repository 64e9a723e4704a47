"""Error rule: a layer option that Keras 3 takes when the layer is called, not when it is made
(``Attention(causal=True)([q, v])`` → ``Attention()([q, v], use_causal_mask=True)``).

Keras refuses the constructor's keyword ("Unrecognized keyword arguments passed to Attention:
{'causal': True}"); the message names the class and the keyword, the catalogue (data
``moves``: class → {old keyword → keyword of the call}, with the source of each) the keyword
the call takes. The class is the live one the failing line makes (a Keras class of that name);
the layer's calls are the call that makes and calls it at once, or the calls of the one name it
is assigned to in the cell. Each call gets the value as written; without a call in the cell,
nothing is changed.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.call_sites import binds
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    delete_keyword_edit,
    node_edit,
    node_text,
    parent_map,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "keras3-keyword-moved-to-call"
MESSAGE = re.compile(r"Unrecognized keyword arguments passed to (?P<cls>\w+): \{'(?P<keyword>\w+)'")


@rule(ENTRY, when=(ERROR,), family="keyword-arguments", errors=("ValueError", "TypeError"))
def keyword_to_call(ctx: CellContext) -> list[Problem]:
    """``Attention(causal=True)([q, v])`` → ``Attention()([q, v], use_causal_mask=True)``."""
    found = MESSAGE.search(ctx.message)
    entry = find_entry(ENTRY)
    tree = ctx.cell.tree
    if found is None or entry is None or tree is None:
        return []
    cls, old = found.group("cls"), found.group("keyword")
    new = entry.data.get("moves", {}).get(cls, {}).get(old)
    if new is None:
        return []
    parents = parent_map(tree)
    edits: list[Edit] = []
    for make in walk(tree):
        if not isinstance(make, ast.Call) or getattr(make, "lineno", None) not in ctx.failing_lines:
            continue
        made = value_in(ctx.live_names, make.func)
        if not (isinstance(made, type) and made.__name__ == cls and live.from_keras(made)):
            continue
        keyword = next((k for k in make.keywords if k.arg == old), None)
        value = node_text(ctx.cell, keyword.value) if keyword is not None else None
        calls = _layer_calls(ctx, make, keyword.value, parents) if keyword is not None else []
        removal = delete_keyword_edit(ctx.cell, make, keyword) if keyword is not None else None
        added = [_keyword_added(ctx, call, f"{new}={value}") for call in calls]
        if value is None or removal is None or not calls or None in added:
            continue
        edits += [removal, *(e for e in added if e is not None)]
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [cls, old, new], ctx.shown_versions,
                         cls=cls, old=old, new=new)  # fmt: skip
    problem.certain = True
    return [problem]


def _layer_calls(ctx: CellContext, make: ast.Call, value: ast.expr, parents: dict[int, ast.AST]) -> list[ast.Call]:  # fmt: skip
    """The calls of the layer ``make`` makes: the call around it (``Attention(…)([q, v])``), or
    each later call of the one target it is assigned to (``attn = Attention(…)``, then
    ``attn([q, v])``; ``self.attn`` in ``__init__``, then ``self.attn(…)`` in ``call``). A value
    other than a constant or a name neither function binds (a setting of the top level) goes only
    to calls in the function that makes the layer, where its names mean the same."""
    parent = parents.get(id(make))
    if isinstance(parent, ast.Call) and parent.func is make:
        return [parent]
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1):
        return []
    target = parent.targets[0]
    text = node_text(ctx.cell, target) if isinstance(target, (ast.Name, ast.Attribute)) else None
    if text is None:
        return []
    home = _function_of(make, parents)
    return [
        node
        for node in walk(ctx.cell.tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, (ast.Name, ast.Attribute))
        and node_text(ctx.cell, node.func) == text
        and (node.lineno, node.col_offset) > (parent.lineno, parent.col_offset)
        and (_function_of(node, parents) is home or _global(value, (home, _function_of(node, parents))))
    ]


def _global(value: ast.expr, functions: tuple[ast.AST | None, ...]) -> bool:
    """Does ``value`` mean the same in each of ``functions`` (the one that makes the layer, the
    one that calls it; None: the cell's top level): a constant, or a name none of them binds (a
    setting made at the top level, cells before: ``causal=causal``)?"""
    if isinstance(value, ast.Constant):
        return True
    if not isinstance(value, ast.Name) or any(isinstance(f, ast.Lambda) for f in functions):
        return False
    return not any(f is not None and binds(f, value.id) for f in functions)



def _function_of(node: ast.AST, parents: dict[int, ast.AST]) -> ast.AST | None:
    """The innermost function holding ``node`` (None at the cell's top level)."""
    while (node := parents.get(id(node))) is not None:  # type: ignore[assignment]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return node
    return None


def _keyword_added(ctx: CellContext, call: ast.Call, text: str) -> Edit | None:
    """``, text`` after the call's last argument; None for a call without arguments."""
    arguments = sorted([*call.args, *call.keywords], key=lambda a: (a.lineno, a.col_offset))
    end = node_edit(ctx.cell, arguments[-1], "") if arguments else None
    return Edit(end.end_line, end.end_col, end.end_line, end.end_col, f", {text}") if end else None
