"""Error rule: an optimizer keyword Keras 3 no longer takes, given as a key of a config dict
(``keras.optimizers.get({"class_name": "Adam", "config": {"lr": 0.005}})``, a settings table
passed through helper functions), or as a keyword of a call whose optimizer class only the run
knows (``getattr(keras.optimizers, name)(lr=lr)``).

Keras 3's optimizers name what they refused and its value ("Argument(s) not recognized:
{'lr': 0.005}"). The one dict display of the cell (or of the newest earlier cell that has one)
holding that key with that value is where the keyword comes from; the key is renamed as the
catalogue's keyword rename says (``learning_rate``), unless the code also reads the key by name
(``config['lr']``), which the rename would break (explained then)."""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.live import is_keras_object, parameters
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import origins, parsed_source
from kerasmagic.diagnosis.rewrite import Edit, apply_edits, node_edit, node_text, quoted_like, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import Transform
from kerasmagic.knowledge.catalogue import entries_with_rule

NOT_RECOGNIZED = re.compile(r"Argument\(s\) not recognized: (?P<given>\{.*\})", re.S)


@rule("optimizer-lr-renamed", when=(ERROR,), family="optimizer-arguments", errors=("ValueError",))
def optimizer_config_key(ctx: CellContext) -> list[Problem]:
    """The config dict key the optimizer refused, renamed where the dict is written: a dict
    display of the cell, else the keyword of the failing line's call that holds the refused
    value, else the dict a name of the failing line gets (this cell or earlier)."""
    found = NOT_RECOGNIZED.search(ctx.message)
    given = _literal(found["given"]) if found else None
    tree = ctx.cell.tree
    if not isinstance(given, dict) or tree is None:
        return []
    for key, value in given.items():
        entry, new = _rename(key)
        if entry is None or new is None:
            continue
        change: list[Edit] | None = None
        across: list[Edit] = []
        note = ""
        spots = _keys_holding(ctx, tree, key, value)
        keywords = [] if spots else _keywords_holding(ctx, tree, key, value)
        by_keyword = len(keywords) == 1  # a call the source cannot name: getattr(…)(lr=…)
        if len(spots) == 1:
            edit = node_edit(ctx.cell, spots[0], quoted_like(node_text(ctx.cell, spots[0]) or "''", new))  # fmt: skip
            change = [edit] if edit is not None else None
        elif by_keyword:
            value_text = node_text(ctx.cell, keywords[0].value)
            edit = node_edit(ctx.cell, keywords[0], f"{new}={value_text}") if value_text else None
            change = [edit] if edit is not None else None
        elif not spots:
            rewritten = _through_a_name(ctx, tree, key, value, new)
            if rewritten is not None:
                change, across, note = rewritten.edits, rewritten.across, rewritten.note
        if change is None or _read_by_name(ctx, key):
            return []  # which dict is not certain, or a key read elsewhere: the catalogue explains
        problem = from_entry(entry.id, ctx.line or 1, change, [key], ctx.shown_versions,
                             old=key, new=new, callable="the optimizer")  # fmt: skip
        where = (
            f"The keyword `{key}=` of a call whose optimizer class is known only as it runs: renamed in that call."  # fmt: skip
            if by_keyword
            else f"The keyword is the key `{key}` of a config dict: renamed where the dict is written."
        )
        problem.fix += f" {where} {note}".rstrip()
        if any(e.cell is not None for e in across):
            problem.across = across
        return [problem]
    return []


def _through_a_name(ctx: CellContext, tree: ast.AST, key: str, value: Any, new: str) -> Any:
    """The rewrite of the one name on the failing lines whose dict (made where provenance
    finds it) holds ``key`` with ``value``, its key renamed."""
    hits = []
    for node in walk(tree):
        if not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)):
            continue
        if node.lineno not in ctx.failing_lines or not isinstance((ctx.live_names or {}).get(node.id), dict):  # fmt: skip
            continue
        found = origins(ctx, node, terms=False)
        if found and all(isinstance(o.value, ast.Dict) and _keys_holding(ctx, o.value, key, value) for o in found):  # fmt: skip
            hits.append(node)
    names = {n.id for n in hits}
    if len(names) != 1:
        return None
    return rewrite(ctx, hits[0], Transform(f"have the key `{key}` named `{new}`", None, lambda text, _t: _renamed_in(text, key, new), again=True))  # fmt: skip


def _renamed_in(text: str, key: str, new: str) -> str | None:
    """``text`` (a dict display) with every string key ``key`` of it and of the dicts in it
    written as ``new``."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None
    edits = []
    lines = text.splitlines()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for k in node.keys:
                if isinstance(k, ast.Constant) and k.value == key:
                    raw = lines[k.lineno - 1].encode()
                    col = len(raw[: k.col_offset].decode())
                    end = len(raw[: k.end_col_offset].decode())
                    edits.append(Edit(k.lineno, col, k.lineno, end, quoted_like(lines[k.lineno - 1][col:end], new)))  # fmt: skip
    return apply_edits(text, edits) if edits else None


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _rename(key: str) -> tuple[Any, str | None]:
    """The optimizer keyword-rename entry of ``key`` and its new name."""
    for entry in entries_with_rule("keyword-rename"):
        if entry.data.get("callables") != "optimizer":
            continue
        new = entry.data.get("renames", {}).get(key)
        if isinstance(new, str):
            return entry, new
    return None, None


def _keywords_holding(ctx: CellContext, tree: ast.AST, key: str, value: Any) -> list[ast.keyword]:
    """The keyword arguments ``key=`` of the calls on the failing lines whose value is ``value``:
    where the optimizer got the keyword when no dict holds it and the callee is only known at run
    time (an optimizer class looked up by its name, a factory held in a variable)."""
    return [
        kw
        for node in walk(tree)
        if isinstance(node, ast.Call) and node.lineno in ctx.failing_lines
        and not _own_parameter(ctx, node, key)
        for kw in node.keywords
        if kw.arg == key and _value(ctx, kw.value) == value
    ]


def _own_parameter(ctx: CellContext, call: ast.Call, key: str) -> bool:
    """Does the call's live callee, a function of the user's, declare ``key`` as a parameter of
    its own (``def build_model(n_in, lr=0.001)`` called as ``build_model(5, lr=0.003)``)? Then the
    keyword binds that parameter, and the optimizer got the value further in, where the function
    passes it on: renaming the keyword of this call would break the call."""
    callee = value_in(ctx.live_names, call.func)
    if callee is None or is_keras_object(callee):
        return False
    found = parameters(callee)
    return found is not None and key in found[0]


def _keys_holding(ctx: CellContext, tree: ast.AST, key: str, value: Any) -> list[ast.Constant]:
    """The string keys ``key`` of the dict displays under ``tree`` whose value is ``value`` (a
    literal, or a name the namespace holds it under)."""
    out = []
    for node in walk(tree) if not isinstance(tree, ast.Dict) else ast.walk(tree):
        if not isinstance(node, ast.Dict):
            continue
        for k, v in zip(node.keys, node.values):
            if isinstance(k, ast.Constant) and k.value == key and _value(ctx, v) == value:
                out.append(k)
    return out


_MISSING = object()


def _value(ctx: CellContext, node: ast.expr) -> Any:
    if isinstance(node, ast.Name):
        return (ctx.live_names or {}).get(node.id, _MISSING)
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _MISSING


def _read_by_name(ctx: CellContext, key: str) -> bool:
    """Do the cell or the earlier cells read ``key`` by name from a dict (``cfg['lr']``,
    ``cfg.get('lr')``)? Renaming the key would break that read."""
    trees = [ctx.cell.tree, *(parsed_source(s).tree for s in ctx.earlier)]
    for node in (n for t in trees if t is not None for n in walk(t)):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == key:  # fmt: skip
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == key
        ):
            return True
    return False
