"""Where an argument's value comes from, across the cell and the cells run before it.

A rule that must change an argument (a file name that needs another suffix, a count that must
be an ``int``) asks :func:`origins` where the value is made: the argument itself when it is a
literal, else the last assignment of the name before the use, in source order — this cell first,
then the earlier cells (``CellContext.earlier``), newest first — followed through the terms that
decide a path's end (``a + 'x.h5'``, ``f'{d}/x.h5'``, ``'x_{}.h5'.format(i)``, ``'x_%d.h5' % i``,
``os.path.join(d, 'x.h5')``, ``Path(d) / 'x.h5'``), through the parameters of the cell's
functions (what each call passes) and, when asked (``calls``), into the one ``return`` of a
function the notebook defines (``weights_path('a')``: the path it builds). ``diagnosis/value_change.py`` turns a change of the value into
edits at its origins.

Nothing here runs the user's code; the live namespace is read only to check that the value the
source says a name holds is the one the kernel has (a cell that failed half-way, a binding in a
branch not taken).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace

from kerasmagic.diagnosis.call_sites import (
    DISPLAYS,
    assigns,
    enclosing_loop,
    parameter_arguments,
    parameters_of,
    returned_value,
)
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.live_strings import live_agrees
from kerasmagic.diagnosis.member_values import (
    Binding,
    base_name,
    member_binding,
    spelt,
)
from kerasmagic.diagnosis.path_terms import ending_term, literal_tail
from kerasmagic.diagnosis.rewrite import (
    ParsedCell,
    parse_cell,
    walk,
)
from kerasmagic.diagnosis.source_bindings import before, bindings

MAX_DEPTH = 8


@dataclass(frozen=True)
class Origin:
    """Where a value is made. ``cell``: None for the cell at hand, ``i`` for ``ctx.earlier[i]``;
    ``value``: the expression reached (an assignment's right side, a term of it, or the argument
    itself); ``literal``: the string literal (``Constant`` or f-string) whose text ends the value,
    when the terms followed end in one; ``names``: the names followed from the use, in order."""

    cell: int | None
    parsed: ParsedCell
    value: ast.expr
    literal: ast.expr | None = None
    names: tuple[str, ...] = ()
    binding: ast.stmt | None = None  # the assignment of the last name followed (in ``cell``)
    bound: ast.expr | None = None  # the value it assigns (``value`` is in it)
    function: ast.FunctionDef | None = None  # the notebook's function whose ``return`` holds ``value``
    # an element of the sequence a loop of the cell at hand goes over, the sequence bound by
    # ``binding`` to ``bound`` (``names[-1]``): ``for loss in losses``, ``losses = [...]``
    element: bool = False

    @property
    def here(self) -> bool:
        return self.cell is None

    @property
    def name(self) -> str | None:
        """The name the use reads (the first followed), None when the argument is the value."""
        return self.names[0] if self.names else None

    @property
    def tail(self) -> str | None:
        """The literal text that ends the value (a file name's suffix), or None."""
        return literal_tail(self.literal) if self.literal is not None else None


# -- reading the cells ----------------------------------------------------------------------------
def parsed_source(source: str) -> ParsedCell:
    """An earlier (or later) cell's source, parsed."""
    return parse_cell(source)


def cells(ctx: CellContext) -> list[tuple[int | None, ParsedCell]]:
    """The cell at hand, then the earlier cells, newest first: ``(index or None, parsed)``."""
    out: list[tuple[int | None, ParsedCell]] = [(None, ctx.cell)]
    for i in range(len(ctx.earlier) - 1, -1, -1):
        out.append((i, parsed_source(ctx.earlier[i])))
    return out


def _enclosing_function(tree: ast.AST, at: ast.AST) -> ast.AST | None:
    line = getattr(at, "lineno", 0)
    inner = None
    for f in walk(tree):
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and f is not at:
            if f.lineno <= line <= (f.end_lineno or f.lineno):
                if inner is None or f.lineno >= inner.lineno:
                    inner = f
    return inner


# -- following a value ----------------------------------------------------------------------------
def origins(ctx: CellContext, node: ast.expr, *, terms: bool = True, calls: bool = False) -> list[Origin]:  # fmt: skip
    """Where the value of ``node`` (an expression of the cell at hand) is made: one origin, or
    several when it is a parameter of a function the cell calls more than once; [] when any is
    unknown (bound by a loop, an import, a call's result; a value the live namespace contradicts).
    ``terms``: follow the terms that end a path (for a change of its suffix); else only names.
    ``calls``: follow a call of the notebook's own function into its one ``return`` (the origin
    says which ``function``; the caller must define it again where it changes it)."""
    found = _follow(ctx, None, ctx.cell, node, node, (), terms, 0, None, None, calls)
    if not found or not live_agrees(ctx.namespace and ctx.live_names, found):
        return []
    return found


def origins_in(ctx: CellContext, index: int | None, parsed: ParsedCell, node: ast.expr, *, terms: bool = False, live: dict | None = None) -> list[Origin]:  # fmt: skip
    """:func:`origins` of ``node``, an expression of cell ``index`` (``parsed``; None: the cell
    at hand): what an earlier cell's call reads (a ``compile`` cells before the failing ``fit``).
    ``live``: the values to check the origins against, where they are not the namespace's (a
    function's locals, read in the traceback's frame that ran it)."""
    found = _follow(ctx, index, parsed, node, node, (), terms, 0, None, None)
    if not found or not live_agrees(ctx.namespace if live is None else live, found):
        return []
    return found


def one_string(found: list[Origin]) -> str | None:
    """The string every origin in ``found`` is, when each is a literal of that same string
    (``loss_name = 'kullback_leibler_divergence'``); None otherwise."""
    values = {o.value.value for o in found if isinstance(o.value, ast.Constant)}
    if not found or len(values) != 1 or not all(isinstance(o.value, ast.Constant) for o in found):
        return None
    held = values.pop()
    return held if isinstance(held, str) else None


def _follow(
    ctx: CellContext,
    index: int | None,
    parsed: ParsedCell,
    node: ast.expr,
    use: ast.AST,
    names: tuple[str, ...],
    terms: bool,
    depth: int,
    binding: ast.stmt | None,
    bound: ast.expr | None,
    calls: bool = False,
) -> list[Origin] | None:
    if depth > MAX_DEPTH:
        return None
    if literal_tail(node) is not None:
        return [Origin(index, parsed, node, node, names, binding, bound)]
    if isinstance(node, ast.Name):
        return _follow_name(ctx, index, parsed, node.id, use, names + (node.id,), terms, depth, calls)
    member = _member(ctx, index, parsed, node, use)
    if member is not None:  # ``args.weights``, ``config['ckpt']``, ``self.path``: where it is set
        at, cell, stmt, value = member
        text = names + (spelt(node) or "",)
        return _follow(ctx, at, cell, value, stmt, text, terms, depth + 1, stmt, value, calls)  # type: ignore[arg-type]
    term = ending_term(node) if terms else None
    if term is not None:
        return _follow(ctx, index, parsed, term, use, names, terms, depth + 1, binding, bound, calls)
    if calls and isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        returned = _follow_return(ctx, index, parsed, node, names, terms, depth)
        if returned is not None:
            return returned
    return [Origin(index, parsed, node, None, names, binding, bound)]


def _member(ctx: CellContext, index: int | None, parsed: ParsedCell, node: ast.expr, use: ast.AST) -> Binding | None:  # fmt: skip
    """What gives the attribute or constant subscript ``node`` its value (``member_values``)."""
    if not isinstance(node, (ast.Attribute, ast.Subscript)) or spelt(node) is None:
        return None

    def newest(name: str, at: int | None, cell: ParsedCell, where: ast.AST) -> Binding | None:
        """The name's newest binding (a function's local: in the function); one of its other
        members set since changes not this one."""
        func = _enclosing_function(cell.tree, where) if cell.tree is not None else None
        if func is not None and assigns(func, name):
            local = _local_binding(func, name, where, mutations=False)
            return (at, cell, *local) if local is not None else None
        inside = func is not None
        return newest_binding(ctx, at, cell, name, where, anywhere=inside or at is not None, mutations=False)  # fmt: skip

    text = spelt(node) or ""
    inside = parsed.tree is not None and _enclosing_function(parsed.tree, use) is not None
    stored = newest_binding(ctx, index, parsed, text, use, anywhere=inside or index is not None)
    base = newest(base_name(text), index, parsed, use)
    if stored is not None and (base is None or _newer(stored, base)):
        return stored if stored[3] is not None else None  # the member assigned itself, since
    found = member_binding(node, index, parsed, use, newest, cells(ctx))
    return found if found is not None and found[3] is not None else None


def _local_binding(func: ast.AST, name: str, use: ast.AST, *, mutations: bool = True) -> tuple[ast.stmt, ast.expr | None] | None:  # fmt: skip
    """The last statement of the function's own body that binds its local ``name`` before
    ``use``, with the value bound; None for a lambda's or when none does."""
    if isinstance(func, ast.Lambda):
        return None
    local = [(s, v) for s, v in bindings(func, name, mutations=mutations) if before(s, use)]
    return local[-1] if local else None


def _newer(a: Binding, b: Binding) -> bool:
    """Is binding ``a`` made after ``b`` (a later cell, or later in the same cell)?"""
    if a[0] != b[0]:
        return a[0] is None or (b[0] is not None and a[0] > b[0])
    return before(b[2], a[2])


def _follow_return(
    ctx: CellContext,
    index: int | None,
    parsed: ParsedCell,
    call: ast.Call,
    names: tuple[str, ...],
    terms: bool,
    depth: int,
) -> list[Origin] | None:
    """A call of the notebook's own function (the newest binding of its name before the call,
    in this cell or an earlier one, is its ``def``): the origins of the value its one ``return``
    gives, those inside the function marked with it."""
    name = call.func.id  # type: ignore[attr-defined]
    found = _definition(ctx, index, parsed, name, call)
    value = returned_value(found[2]) if found is not None else None
    if found is None or value is None:
        return None
    at, cell, func = found
    got = _follow(ctx, at, cell, value, value, names + (name,), terms, depth + 1, None, None, True)
    if not got:
        return None
    lines = range(func.lineno, (func.end_lineno or func.lineno) + 1)
    return [
        replace(o, function=func)
        if o.function is None and o.cell == at and o.value.lineno in lines
        else o
        for o in got
    ]


def _definition(ctx: CellContext, index: int | None, parsed: ParsedCell, name: str, use: ast.AST):  # type: ignore[no-untyped-def]
    """``(cell, parsed, def)`` of the function ``name`` at ``use``: its newest binding before the
    use in this cell, else in the newest earlier cell that binds it; None when that binding is
    not a plain ``def`` (an import, an assignment, a decorated function). A function the use's
    own function defines (``def main(): def weights_path(name): …``) is its local: the last
    binding of the name in that function's statements before the use."""
    func = _enclosing_function(parsed.tree, use) if parsed.tree is not None else None
    local = _local_binding(func, name, use) if func is not None else None
    if local is not None:
        found = (index, parsed, local[0], local[1])
    else:
        found = newest_binding(ctx, index, parsed, name, use, anywhere=index is not None)
    stmt = found[2] if found is not None else None
    if found is None or not isinstance(stmt, ast.FunctionDef) or stmt.decorator_list:
        return None
    return found[0], found[1], stmt


def newest_binding(
    ctx: CellContext, index: int | None, parsed: ParsedCell, name: str, use: ast.AST, *, anywhere: bool,
    mutations: bool = True,
) -> tuple[int | None, ParsedCell, ast.stmt, ast.expr | None] | None:  # fmt: skip
    """``(cell, parsed, statement, value bound)`` of the newest binding of ``name``: in
    ``parsed`` before ``use`` (anywhere in it when ``anywhere``), else the last one of the newest
    earlier cell that binds it; None when nothing binds it."""
    bound = bindings(parsed.tree, name, mutations=mutations) if parsed.tree is not None else []
    if not anywhere:
        bound = [(s, v) for s, v in bound if before(s, use)]
    if bound:
        return (index, parsed, *bound[-1])
    start = len(ctx.earlier) if index is None else index
    for i in range(start - 1, -1, -1):
        cell = parsed_source(ctx.earlier[i])
        here = bindings(cell.tree, name, mutations=mutations) if cell.tree is not None else []
        if here:
            return (i, cell, *here[-1])
    return None


def _follow_name(
    ctx: CellContext,
    index: int | None,
    parsed: ParsedCell,
    name: str,
    use: ast.AST,
    names: tuple[str, ...],
    terms: bool,
    depth: int,
    calls: bool = False,
) -> list[Origin] | None:
    tree = parsed.tree
    if tree is None:
        return None
    func = _enclosing_function(tree, use)
    # `for m in ['acc', 'loss']: … m …` (in the cell, or in a function of it): each value given;
    # the sequence may be a name bound to a display (``for loss in losses``, cells before)
    sequences: list[Origin] = []

    def sequence(node: ast.expr) -> ast.expr:
        if not isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            return node
        got = _follow(ctx, index, parsed, node, node, names, False, depth + 1, None, None)
        if not got or len(got) != 1 or not isinstance(got[0].value, DISPLAYS) or got[0].binding is None:  # fmt: skip
            return node
        sequences.append(got[0])
        return got[0].value

    loop = enclosing_loop(func if func is not None else tree, use, name, sequence) if index is None else None  # fmt: skip
    if loop is not None and (func is None or assigns(func, name)):
        if sequences:
            return _elements(ctx, sequences, loop, terms, depth, calls)
        return _each(ctx, index, parsed, loop, names, terms, depth, calls)
    if func is not None:
        if assigns(func, name):
            # a local of the function (``args = get_args()`` in a script's ``main``): its last
            # binding before the use, in the function's own statements
            local = _local_binding(func, name, use)
            if local is None or local[1] is None:
                return None
            stmt, value = local
            return _follow(ctx, index, parsed, value, stmt, names, terms, depth + 1, stmt, value, calls)  # type: ignore[arg-type]
        if name in parameters_of(func):
            if index is not None:
                return None
            return _each(ctx, index, parsed, parameter_arguments(tree, func, name), names, terms, depth, calls)
    found = newest_binding(ctx, index, parsed, name, use, anywhere=func is not None)
    if found is None or found[3] is None:
        return None
    at, cell, stmt, value = found
    return _follow(ctx, at, cell, value, stmt, names, terms, depth + 1, stmt, value, calls)


def _each(ctx: CellContext, index: int | None, parsed: ParsedCell, values: list[ast.expr],
          names: tuple[str, ...], terms: bool, depth: int, calls: bool) -> list[Origin] | None:  # fmt: skip
    """The origins of every one of ``values`` (a loop's elements, a parameter's arguments at
    each call); None when one of them has none."""
    out: list[Origin] = []
    for value in values:
        got = _follow(ctx, index, parsed, value, value, names, terms, depth + 1, None, None, calls)
        if not got:
            return None
        out.extend(got)
    return out or None


def _elements(ctx: CellContext, sequences: list[Origin], values: list[ast.expr], terms: bool,
              depth: int, calls: bool) -> list[Origin] | None:  # fmt: skip
    """The origins of a loop's ``values``, elements of the displays ``sequences`` (each an origin:
    a name's binding to a display, this cell or an earlier one); None when one has none."""
    out: list[Origin] = []
    for value in values:
        seq = next((o for o in sequences if any(v is value for v in ast.walk(o.value))), None)
        got = None
        if seq is not None:
            got = _follow(ctx, seq.cell, seq.parsed, value, seq.binding, seq.names, terms, depth + 1, seq.binding, seq.bound, calls)  # type: ignore[arg-type]  # fmt: skip
        if not got:
            return None
        out.extend(replace(o, element=True) for o in got)
    return out or None
