"""Changing a value where it is made: a :class:`Transform` of an argument's value turned into
edits at its origins (``diagnosis/provenance.py``).

- the origin in this cell: the edit is made there, so every use of the name sees the new value;
- the origin in an earlier cell: the corrected cell (which can only replace this one) binds the
  name again at its top — the transformed expression when what it reads is unchanged since,
  else the transformed live value, else a transform of the name itself — so every later use of
  the name (the same file loaded in a later cell, its folder listed) sees the new value too;
  ``Rewrite.across`` holds instead the edit in the earlier cell itself (``Edit.cell``), for a
  door that rewrites every cell (``migrate``: ``Problem.across``).

A rule::

    change = rewrite(ctx, call.args[0], suffix_transform(".weights.h5", (".h5",)))
    if change is not None:
        problem = from_entry(..., change.edits, ...)
        problem.across = change.across
        problem.fix += " " + change.note
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from kerasmagic.diagnosis.call_sites import returned_value
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.member_values import base_name, live_member, rebound_name
from kerasmagic.diagnosis.path_terms import literal_tail, read_before_more
from kerasmagic.diagnosis.provenance import Origin, origins, parsed_source
from kerasmagic.diagnosis.redefine import placed, top_level
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    apply_within,
    insertion_line,
    node_edit,
    node_text,
    quoted_like,
    walk,
)
from kerasmagic.diagnosis.source_bindings import before, bindings
from kerasmagic.diagnosis.value_transforms import Transform


@dataclass
class Rewrite:
    """The edits of one value change. ``edits``: for the cell at hand alone (the origin edited
    here, or the name bound again at the top); ``across``: the same with an earlier origin edited
    in its own cell (``Edit.cell``), for a door that rewrites every cell; ``note``: what was done
    and where, for the finding."""

    edits: list[Edit] = field(default_factory=list)
    across: list[Edit] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)
    note: str = ""

    @property
    def earlier(self) -> bool:
        return any(e.cell is not None for e in self.across)


# -- changing it ----------------------------------------------------------------------------------
def rewrite(ctx: CellContext, node: ast.expr, transform: Transform) -> Rewrite | None:
    """The edits that apply ``transform`` to the value of ``node`` where it is made (see the
    module's doc); None when an origin is unknown or cannot be edited."""
    found = origins(ctx, node, terms=transform.literal is not None, calls=True)
    if not found:
        return None
    if transform.literal is not None and _shared_part(ctx, found):
        tails = {origin.tail for origin in found}
        names = ", ".join(dict.fromkeys(f"`{n}`" for o in found for n in o.names))
        why = f"{names} is also part of another path here, so {names} keeps its value"
        return at_the_use(ctx, node, transform, tails.pop(), why) if len(tails) == 1 else None
    return rewrite_origins(ctx, found, transform)


def rewrite_origins(ctx: CellContext, found: list[Origin], transform: Transform) -> Rewrite | None:
    """The edits that apply ``transform`` at each of ``found``, origins of a value the cell at
    hand reads (all of them, or those of a loop's values that must change); None when one
    cannot be edited."""
    out = Rewrite(origins=list(found))
    rebound: dict[str, str] = {}
    bases: dict[str, str | None] = {}  # the binding each re-binding changes, as written
    pending: dict[str, tuple[Origin, list[Edit]]] = {}  # each name: its first origin, its edits
    for origin in found:
        edit = origin_edit(origin, transform)
        if edit is None:
            return None
        out.across.append(edit)
        if origin.here:
            out.edits.append(edit)
            continue
        if origin.function is not None:  # inside an earlier cell's function: defined again here
            moved = _redefined(ctx, origin, edit, out)
            if moved is None:
                return None
            out.edits.extend(moved)
            continue
        name = rebound_name(ctx, origin)
        if name is None:  # reached through a local (``args = get_args()`` in ``main``): the
            made = out.origins[out.origins.index(origin)] = _in_function(origin)  # function
            moved = _redefined(ctx, made, edit, out)  # that makes the value, defined again
            if moved is None:
                return None
            out.edits.extend(moved)
            continue
        pending.setdefault(name, (origin, []))[1].append(edit)  # a loop's values: one list
    for name, (origin, edits) in pending.items():
        bound = _rebind(ctx, origin, transform, edits)
        if bound is None:
            return None
        rebound[name], bases[name] = bound
    if any(_read_after(ctx, o) for o in found if not o.here):
        out.across = list(out.edits)  # a cell run since read the old value: bound again here too
    if rebound:
        line = insertion_line(ctx.cell)
        text = "".join(f"{name} = {value}\n" for name, value in rebound.items())
        written = [bases[name] for name in rebound]
        base = "".join(f"{n} = {b}\n" for n, b in zip(rebound, written)) if all(written) else None
        out.edits.insert(0, Edit(line, 0, line, 0, text, base=base))
        if not out.earlier:
            out.across = list(out.edits)
    out.note = _note(found, rebound, transform)
    return out


def _in_function(origin: Origin) -> Origin:
    """The origin as made by the earlier cell's function whose body holds it (argparse's
    ``default=`` in ``get_args``), which the local the value reached is bound from when it runs;
    in a method, by the method's class (``weights_path`` a local of a class's ``load``), which is
    what the cell at hand defines again."""
    top = top_level(origin.parsed, origin.value)
    if top is None:
        return origin
    return replace(origin, function=top, names=(top.name,))  # type: ignore[arg-type]


def _redefined(ctx: CellContext, origin: Origin, edit: Edit, out: Rewrite) -> list[Edit] | None:
    """The earlier cell's function, with ``edit`` made in it, defined again at the top of the cell
    at hand (once per function); None when the value reached it through a name an earlier cell
    bound from its call (that name would keep the old value), or the kernel's function is not the
    one the source defines."""
    func = origin.function
    if func is None or origin.names != (func.name,):
        return None
    if any(o is not origin and o.function is func for o in out.origins[: out.origins.index(origin)]):
        return []
    moved = placed(ctx.cell, ctx.namespace, origin.parsed, func, [replace(edit, cell=None)], origin.cell)  # fmt: skip
    return moved[0] if moved is not None else None


def _shared_part(ctx: CellContext, found: list[Origin]) -> bool:
    """Is a name followed to the origin also read as a part of another, longer path (a folder
    named after the model, ``CHECKPOINTS + NAME + '/'``)? Its new suffix would change that path."""
    trees = [ctx.cell.tree, *(parsed_source(source).tree for source in ctx.earlier)]
    names = {name for origin in found for name in origin.names}
    return any(read_before_more(trees, name) for name in names)


def at_the_use(ctx: CellContext, node: ast.expr, transform: Transform, tail: str | None, why: str) -> Rewrite | None:  # fmt: skip
    """The value changed where it is used, not where it is made (``DIR + NAME + '.keras'``):
    ``tail``, the text the value ends with (the live value, or its literal's), says which old
    suffix it replaces; ``why``: the reason, for the finding."""
    written = node_text(ctx.cell, node)
    if transform.value is None or written is None:
        return None
    text = transform.value(written, tail)
    edit = node_edit(ctx.cell, node, text) if text is not None else None
    if edit is None:
        return None
    note = f"The value is changed where it is used, to {transform.what}: {why}."
    return Rewrite(edits=[edit], across=[edit], note=note)


def origin_edit(origin: Origin, transform: Transform) -> Edit | None:
    """The edit of the origin itself (``Edit.cell`` set for an earlier cell)."""
    text: str | None = None
    target: ast.expr = origin.value
    if transform.literal is not None:
        if origin.literal is None:
            return None
        target = origin.literal
        text = _literal_text(origin.parsed, origin.literal, transform.literal)
    elif transform.value is not None:
        written = node_text(origin.parsed, origin.value)
        if written is None:
            return None
        text = transform.value(written, None)
    if text is None:
        return None
    edit = node_edit(origin.parsed, target, text)
    if edit is None:
        return None
    return Edit(edit.line, edit.col, edit.end_line, edit.end_col, text, origin.cell)


def _literal_text(
    parsed: ParsedCell, literal: ast.expr, change: Callable[[str], str | None]
) -> str | None:
    written = node_text(parsed, literal)
    tail = literal_tail(literal)
    if written is None or tail is None:
        return None
    new_tail = change(tail)
    if new_tail is None:
        return None
    if isinstance(literal, ast.Constant):
        return quoted_like(written, new_tail)
    # an f-string: its last constant part is rewritten in its text, where it is written as is
    prefix = len(written) - len(written.lstrip("rRbBuUfF"))
    body = written[prefix:]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    inner = body[len(quote) : -len(quote)]
    if not body.endswith(quote) or not inner.endswith(tail) or "{" in new_tail or "\\" in tail:
        return None
    inner = inner[: len(inner) - len(tail)] + new_tail
    return written[:prefix] + quote + inner + quote


def _rebind(ctx: CellContext, origin: Origin, transform: Transform, edits: list[Edit]) -> tuple[str, str | None] | None:  # fmt: skip
    """What the corrected cell binds the name to at its top: the transformed expression when it
    reads nothing changed since (with that expression as written), else the transformed live
    value, else the name transformed."""
    name = rebound_name(ctx, origin) or origin.names[0]
    if transform.again and name == origin.names[-1] and origin.bound is not None:
        if _unchanged_since(ctx, origin):
            whole = node_edit(origin.parsed, origin.bound, "")
            if whole is not None:
                text = _bound_text(origin, whole, edits)
                if text is not None:
                    return text, node_text(origin.parsed, origin.bound)
    live = live_member(ctx.namespace, name) if ctx.namespace is not None else None
    if transform.literal is not None and type(live) is str and not origin.element:
        new = transform.literal(live)
        if new is not None:
            return repr(new), None
    if transform.value is not None:
        text = transform.value(name, origin.tail)
        return (text, None) if text is not None else None
    return None


def _bound_text(origin: Origin, whole: Edit, edits: list[Edit]) -> str | None:
    """The bound expression's text with the origin's edits applied (all in that cell)."""
    text = node_text(origin.parsed, origin.bound) if origin.bound is not None else None
    inside = [(whole.line, whole.col) <= (e.line, e.col) and (e.end_line, e.end_col) <= (whole.end_line, whole.end_col) for e in edits]  # fmt: skip
    if text is None or not all(inside):
        return None
    return apply_within(text, whole, edits)


def _read_after(ctx: CellContext, origin: Origin) -> bool:
    """Does a cell run after the origin's assignment (its own cell after it, or a later earlier
    cell) read the name the use reads? It ran with the old value: changing the origin alone
    would make the notebook, run again, differ from what was run."""
    after = origin.binding or origin.function  # a function: the cells that call it since
    if origin.cell is None or after is None:
        return True
    rebound = rebound_name(ctx, origin) if origin.names else None
    names = {origin.function.name} if origin.function else {base_name(rebound)} if rebound else set()

    def reads(tree: ast.AST | None, after: ast.AST | None) -> bool:
        return tree is not None and any(
            isinstance(n, ast.Name)
            and n.id in names
            and isinstance(n.ctx, ast.Load)
            and (after is None or before(after, n))
            for n in walk(tree)
        )

    if reads(origin.parsed.tree, after):
        return True
    later = range(origin.cell + 1, len(ctx.earlier))
    return any(reads(parsed_source(ctx.earlier[i]).tree, None) for i in later)


def _unchanged_since(ctx: CellContext, origin: Origin) -> bool:
    """Every name the bound expression reads is bound nowhere after its assignment (in its cell,
    the cells after it, the cell at hand): the expression would give the same value again."""
    if origin.bound is None or origin.binding is None or origin.cell is None:
        return False
    read = {n.id for n in walk(origin.bound) if isinstance(n, ast.Name)}
    if not read:
        return True
    later = [parsed_source(ctx.earlier[i]) for i in range(origin.cell + 1, len(ctx.earlier))]
    for name in read:
        tree = origin.parsed.tree
        if tree is not None and any(
            not before(s, origin.binding) and s is not origin.binding
            for s, _v in bindings(tree, name)
        ):
            return False
        if any(c.tree is not None and bindings(c.tree, name) for c in later):
            return False
    return True


def _note(found: list[Origin], rebound: dict[str, str], transform: Transform) -> str:
    """Where the value was changed, in words for the finding."""
    parts = []
    for origin in found:
        if not origin.names:
            continue
        where = (
            f"on line {origin.value.lineno} of this cell"
            if origin.here
            else f"in an earlier cell (line {origin.value.lineno})"
        )
        if origin.function is not None and origin.names[0] == origin.function.name:
            returned = returned_value(origin.function)
            how = "in its `return`" if returned is not None and origin.value in ast.walk(returned) else "when it runs"  # fmt: skip
            parts.append(f"`{origin.names[0]}(…)` makes the value {how}, {where}")
            continue
        parts.append(f"`{origin.names[0]}` gets its value {where}")
    if not parts:
        return ""
    text = "; ".join(dict.fromkeys(parts))
    if rebound:
        binds = ", ".join(f"`{n} = {v}`" for n, v in rebound.items())
        return (
            f"{text}. The corrected cell binds it again at its top ({binds}) to {transform.what}, "
            "so every later use of the name (the same file loaded again, its folder listed) "
            "sees the new value; `migrate` changes it in the cell where it is made instead."
        )
    calls = all(o.function is not None for o in found if o.names)
    every = "every call of it gives the new value" if calls else "every use of the name sees it"
    return f"{text}: it is changed there to {transform.what}, so {every}."
