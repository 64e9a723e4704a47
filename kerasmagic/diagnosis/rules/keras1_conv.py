"""Static rule: Keras 1's convolution calls that give the kernel's size as separate positional
numbers (``Convolution2D(64, 5, 5)``), which tf.keras and Keras 3 read as ``(filters, kernel_size,
strides)``. Its trap, the same call in a cell that ran, is ``trap_keras1_conv.py``."""

from __future__ import annotations

import ast
import inspect

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    called_name,
    delete_keyword_edit,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule, words
from kerasmagic.knowledge.catalogue import data_names, entries_with_rule

NEEDS = words(data_names("keras1-conv-kernel", "kernel_rank"))


@rule("keras1-conv-kernel-positional", when=(STATIC,), family="renamed-names", needs=NEEDS)
def conv_kernel_positional(ctx: CellContext) -> list[Problem]:
    """``Convolution2D(f, r, c)`` → ``Convolution2D(f, (r, c))`` where the live class the call
    reaches (or the live Keras class of the same name) takes ``(filters, kernel_size, …)``."""
    if ctx.cell.tree is None:
        return []
    ranks, by_keyword, keywords = kernel_ranks()
    out: list[Problem] = []
    for call in walk(ctx.cell.tree):
        if not isinstance(call, ast.Call):
            continue
        name = called_name(call.func)
        rank = ranks.get(name or "") or by_keyword.get(name or "")
        named = _keyword_sizes(ctx, call, keywords.get(rank or 0, [])) if rank else None
        if named is not None:
            out.append(named)
            continue
        sizes = positional_sizes(ctx, call, ranks)
        if sizes is None:
            continue
        edit, fields = sizes
        out.append(from_entry("keras1-conv-kernel-positional", call.lineno, [edit], [name or ""],
                              ctx.shown_versions, **fields))  # fmt: skip
    return out


def kernel_ranks() -> tuple[dict[str, int], dict[str, int], dict[int, list[str]]]:
    """Keras 1's convolution names → the kernel's rank (positional sizes), Keras 2.0's names that
    took the sizes only by keyword → rank, and rank → Keras 1's keywords of the sizes."""
    ranks: dict[str, int] = {}
    by_keyword: dict[str, int] = {}
    keywords: dict[int, list[str]] = {}
    for entry in entries_with_rule("keras1-conv-kernel"):
        ranks.update(entry.data.get("kernel_rank", {}))
        by_keyword.update(entry.data.get("keyword_only_rank", {}))
        keywords.update({int(k): v for k, v in entry.data.get("kernel_keywords", {}).items()})
    return ranks, by_keyword, keywords


def positional_sizes(ctx: CellContext, call: ast.Call, ranks: dict[str, int]) -> tuple[Edit, dict[str, str]] | None:  # fmt: skip
    """``Convolution2D(f, r, c)`` of a live class taking ``(filters, kernel_size, …)``: the edit
    grouping the sizes into one tuple, and the fields of its finding; None for any other call."""
    name = called_name(call.func) or ""
    rank = ranks.get(name)
    if not rank or len(call.args) != rank + 1:
        return None
    sizes = call.args[1:]
    if any(isinstance(a, (ast.Starred, ast.Tuple, ast.List)) for a in sizes):
        return None
    if not _takes_kernel_size_second(ctx, call.func, name):
        return None
    texts = [node_text(ctx.cell, a) for a in sizes]
    first, last = node_edit(ctx.cell, sizes[0], ""), node_edit(ctx.cell, sizes[-1], "")
    if None in texts or first is None or last is None:
        return None
    grouped = f"({', '.join(t for t in texts if t)})"
    filters = node_text(ctx.cell, call.args[0]) or "filters"
    fields = {"old": name, "filters": filters, "sizes": ", ".join(t for t in texts if t),
              "new_call": f"{name}({filters}, {grouped})", "strides": ", ".join(t for t in texts[1:] if t)}  # fmt: skip
    return Edit(first.line, first.col, last.end_line, last.end_col, grouped), fields


def _keyword_sizes(ctx: CellContext, call: ast.Call, names: list[str]) -> Problem | None:
    """Keras 1's sizes given by keyword (``nb_row=3, nb_col=3``), the first ones possibly by
    position after the filters (``Convolution2D(32, 3, nb_col=3)``): one ``kernel_size`` tuple in
    the place of the first, the other keywords left out, where the live class takes it."""
    given = {k.arg: k for k in call.keywords if k.arg in names}
    positional = call.args[1 : 1 + len(names)]
    if not given or len(positional) + len(given) != len(names) or set(given) != set(names[len(positional):]):  # fmt: skip
        return None
    name = called_name(call.func) or ""
    if not _takes_kernel_size_second(ctx, call.func, name):
        return None
    sizes = [*positional, *(given[n].value for n in names[len(positional):])]
    texts = [node_text(ctx.cell, a) for a in sizes]
    if None in texts or any(isinstance(a, ast.Starred) for a in positional):
        return None
    grouped = f"({', '.join(texts)})"  # type: ignore[arg-type]
    first = positional[0] if positional else given[names[0]]
    edits = [node_edit(ctx.cell, first, grouped if positional else f"kernel_size={grouped}")]
    edits += [delete_keyword_edit(ctx.cell, call, given[n]) for n in names[len(positional):] if given[n] is not first]  # fmt: skip
    if None in edits:
        return None
    written = ", ".join(f"{n}={t}" for n, t in zip(names, texts) if n in given)
    return from_entry("keras1-conv-kernel-keywords", call.lineno, edits, [name, *given],  # type: ignore[arg-type]
                      ctx.shown_versions, old=name, sizes=written, grouped=grouped,
                      keras=ctx.versions.get("keras", "3"))  # fmt: skip


def _takes_kernel_size_second(ctx: CellContext, func: ast.AST, name: str) -> bool:
    """Does the class the call reaches take ``kernel_size`` right after ``filters``? The live
    object of the call when it resolves, else the class of that name in a Keras here."""
    found = ctx.scope.callee(func)
    candidates = [found[0]] if found else []
    if not candidates:
        for root in ctx.scope.preferred_roots():
            status, obj = live.resolve_path(f"{root}.layers.{name}")
            if status == live.OK:
                candidates.append(obj)
                break
    for obj in candidates:
        try:
            params = list(inspect.signature(obj).parameters)
        except (TypeError, ValueError):
            continue
        if params[:2] == ["filters", "kernel_size"]:
            return True
    return False
