"""A call's keywords wherever they are written: in the call (``fit(nb_epoch=5)``) or as a key of
a dict it unpacks (``fit(**params)``, ``params = {'nb_epoch': 5}`` cells before).

A rule reads each :class:`KeywordSite` as it would an ``ast.keyword`` (``arg``, ``value``, the
value as known) and asks :func:`site_change` for a change (the keyword renamed, its value
replaced, or left out), which is made where the keyword is written: in the call, or in the dict
where it is made (``diagnosis/value_change.py``), so every call that unpacks it gets it. A dict
whose key the code also reads by name (``params['nb_epoch']``), or one not made with literal keys,
gives no sites: changing it there would break that read, or cannot be done.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from kerasmagic.diagnosis.bindings import rename_keyword_edit
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.keyword_dicts import (
    dropped_key,
    key_changed,
    key_value,
    keys_read,
    literal_keys,
    unpacked_value,
)
from kerasmagic.diagnosis.known_values import known_value
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.provenance import origins
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, delete_keyword_edit, node_edit, node_text
from kerasmagic.diagnosis.value_change import rewrite


@dataclass(frozen=True)
class KeywordSite:
    """One keyword a call passes. ``keyword``: the call's own keyword, or the ``**dict`` it comes
    from; ``value``: its value's node (in the dict's origin for a key); ``known``: that value as a
    literal (``MISSING`` when it is not one); ``written``: its text as written."""

    arg: str
    value: ast.expr
    keyword: ast.keyword
    known: object
    written: str | None

    @property
    def unpacked(self) -> bool:
        return self.keyword.arg is None

    @property
    def lineno(self) -> int:
        return self.keyword.lineno


@dataclass
class SiteChange:
    """The edits of one keyword change: ``edits`` for the cell at hand, ``across`` with the
    dict's own cell edited (``Problem.across``; None: the same), ``note`` where it was made."""

    edits: list[Edit]
    across: list[Edit] | None = None
    note: str = ""


def keyword_sites(ctx: CellContext, call: ast.Call) -> list[KeywordSite]:
    """Every keyword ``call`` passes: its own, then the keys of each dict it unpacks that every
    origin of the dict makes with literal keys."""
    sites = []
    for kw in call.keywords:
        if kw.arg is not None:
            sites.append(KeywordSite(kw.arg, kw.value, kw, known_value(ctx, kw.value), node_text(ctx.cell, kw.value)))  # fmt: skip
            continue
        found = origins(ctx, kw.value, terms=False)
        made = [literal_keys(o.value) for o in found]
        if not found or any(keys is None for keys in made):
            continue
        read = keys_read(ctx, kw.value)
        everywhere = set.intersection(*({k for k, _s in keys or []} for keys in made))
        for key, _spelled in made[0] or []:
            value = key_value(found[0].value, key)
            if key in read or key not in everywhere or value is None:
                continue
            written = node_text(found[0].parsed, value)
            sites.append(KeywordSite(key, value, kw, unpacked_value(ctx, kw.value, key), written))
    return sites


def site_change(ctx: CellContext, call: ast.Call, site: KeywordSite, *, new_name: str | None = None, value_text: str | None = None, leave_out: bool = False) -> SiteChange | None:  # fmt: skip
    """The edits renaming ``site`` to ``new_name`` and/or giving it ``value_text``, or leaving it
    out (``leave_out``), where it is written; None when they cannot be made."""
    if not site.unpacked:
        kw = site.keyword
        if leave_out:
            edits = [delete_keyword_edit(ctx.cell, call, kw)]
        else:
            edits = [rename_keyword_edit(ctx.cell, kw, new_name)] if new_name else []
            if value_text is not None:
                edits.append(node_edit(ctx.cell, kw.value, value_text))
        return SiteChange([e for e in edits if e is not None]) if all(edits) else None
    if leave_out:
        transform = dropped_key(site.arg, f"lose `{site.arg}`")
    else:
        what = f"pass `{new_name or site.arg}`" + (f" as `{value_text}`" if value_text else "")
        transform = key_changed(site.arg, new_name=new_name, value_text=value_text, what=what)
    change = rewrite(ctx, site.keyword.value, transform)
    if change is None:
        return None
    return SiteChange(change.edits, change.across, change.note)


def from_the_dict(problem: Problem, site: KeywordSite, change: SiteChange, callee: str, across: list[Edit] | None = None) -> Problem:  # fmt: skip
    """``problem`` as a keyword given through a dict needs it: the edits with the dict's own cell
    changed (``Problem.across``: ``change.across``, or ``across`` where the rule adds its own) and
    where the change was made, in its fix. A keyword written in the call: ``problem`` unchanged."""
    if site.unpacked:
        problem.across = change.across if across is None else across
        problem.fix += f" The keyword comes from the dict unpacked into `{callee}`: {change.note}"
    return problem


def keyword_edits(cell: ParsedCell, pairs: list[tuple[ast.expr, str]]) -> list[Edit] | None:
    """Each argument of ``pairs`` written as ``keyword=argument``; None when one cannot be."""
    edits: list[Edit] = []
    for arg, keyword in pairs:
        text = node_text(cell, arg)
        edit = node_edit(cell, arg, f"{keyword}={text}") if text is not None else None
        if edit is None:
            return None
        edits.append(edit)
    return edits
