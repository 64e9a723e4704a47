"""The same idiom written another way, for the idiom probe (``idiom_probe.py --variant``).

A rule written from one spelling of a problem should fix every spelling that means the same. Two
rewrites keep an idiom's meaning exactly and move what rules read away from the failing line:

- ``cells``: every top-level statement in a cell of its own, so imports, settings, the model and
  its training are bound cells before the line that fails (the layout of most tutorials);
- ``hoisted``: the literal arguments of calls (``lr=0.01``, ``model.save("model.h5")``,
  ``Dense(10)``) and the string keys read from containers (``history.history['acc']``) held by
  module-level names, assigned in a settings cell before everything else
  (``LR_1 = 0.01`` … ``Adam(lr=LR_1)``), as people write constants at the top of a notebook.
  A script stays one script, its settings at the top;
- ``both``: hoisted, then split into cells.

Where a rewrite does not apply (a cell that is not Python, such as one with ``%magic`` lines),
that cell stays as written.
"""

from __future__ import annotations

import ast

VARIANTS = ("cells", "hoisted", "both")
PLAIN = (int, float, str, bool)


def rewrite(cells: list[str], variant: str) -> list[str]:
    """``cells`` written as ``variant`` (one of :data:`VARIANTS`)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)}")
    if variant in ("hoisted", "both"):
        written = hoisted(cells)
        cells = ["\n\n".join(written)] if len(cells) == 1 and variant == "hoisted" else written
    if variant == "both":  # the settings stay one cell
        cells = cells[:1] + [part for cell in cells[1:] for part in statements(cell)]
    elif variant == "cells":
        cells = [part for cell in cells for part in statements(cell)]
    return cells


def statements(cell: str) -> list[str]:
    """``cell`` as one cell per top-level statement (its decorators and the comments above it
    included), or as it is when it does not parse."""
    tree = _parsed(cell)
    if tree is None or len(tree.body) < 2:
        return [cell]
    lines = cell.splitlines()
    starts = [
        min([s.lineno, *(d.lineno for d in getattr(s, "decorator_list", []))]) for s in tree.body
    ]
    bounds = [1, *starts[1:], len(lines) + 1]
    parts = ["\n".join(lines[a - 1 : b - 1]).strip("\n") for a, b in zip(bounds, bounds[1:])]
    return [p for p in parts if p.strip()]


def hoisted(cells: list[str]) -> list[str]:
    """``cells`` with their literal call arguments and string keys held by names assigned in a
    first settings cell; the names are numbered in order of appearance across the cells."""
    settings: list[str] = []
    out: list[str] = []
    for cell in cells:
        tree = _parsed(cell)
        if tree is None:
            out.append(cell)
            continue
        offsets = _line_offsets(cell)
        edits: list[tuple[int, int, str]] = []
        for node, label in _literals(tree):
            name = f"{label.upper()}_{len(settings) + 1}"
            settings.append(f"{name} = {ast.unparse(node)}")
            start = offsets[node.lineno - 1] + _char_col(
                cell, offsets, node.lineno, node.col_offset
            )
            end = offsets[node.end_lineno - 1] + _char_col(
                cell, offsets, node.end_lineno, node.end_col_offset
            )
            edits.append((start, end, name))
        for start, end, name in sorted(edits, reverse=True):
            cell = cell[:start] + name + cell[end:]
        out.append(cell)
    return (["\n".join(settings)] if settings else []) + out


def _literals(tree: ast.AST) -> list[tuple[ast.expr, str]]:
    """The literal arguments of calls (keyword: labelled by the keyword; positional: ``ARG``) and
    the string keys of subscripts (``KEY``), outside f-strings and annotations, in source order."""
    found: list[tuple[ast.expr, str]] = []
    skip = {id(n) for f in ast.walk(tree) if isinstance(f, ast.JoinedStr) for n in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found += [(a, "arg") for a in node.args if _plain(a) and _positional_kept(node, a)]
            found += [(k.value, k.arg) for k in node.keywords if k.arg and _plain(k.value)]
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            if isinstance(node.slice.value, str):
                found.append((node.slice, "key"))
    found = [(n, label) for n, label in found if id(n) not in skip]
    return sorted(found, key=lambda f: (f[0].lineno, f[0].col_offset))


def _positional_kept(call: ast.Call, node: ast.expr) -> bool:
    """A positional literal worth a name: a string (a path, a name), or any literal given to a
    class (``Dense(10)``, ``Conv2D(32, (3, 3))``: a capitalised callee); the numbers given to
    functions (``np.random.rand(8, 3)``) stay, as people write them."""
    func = call.func
    callee = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or callee[:1].isupper()


def _plain(node: ast.expr, inner: bool = False) -> bool:
    """A literal number, string or flag, or a tuple of them and ``None`` (``(None, 28, 1)``)."""
    if isinstance(node, ast.Constant):
        return type(node.value) in PLAIN or (inner and node.value is None)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _plain(node.operand)
    return (
        isinstance(node, ast.Tuple)
        and any(not (isinstance(e, ast.Constant) and e.value is None) for e in node.elts)
        and all(_plain(e, inner=True) for e in node.elts)
    )


def _parsed(cell: str) -> ast.Module | None:
    try:
        return ast.parse(cell)
    except SyntaxError:
        return None


def _line_offsets(text: str) -> list[int]:
    """The character offset at which each line of ``text`` starts."""
    offsets, total = [], 0
    for line in text.splitlines(keepends=True):
        offsets.append(total)
        total += len(line)
    return offsets + [total]


def _char_col(text: str, offsets: list[int], lineno: int, byte_col: int) -> int:
    """``ast``'s UTF-8 byte column on line ``lineno`` as a character column."""
    line = text[offsets[lineno - 1] : offsets[lineno]]
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))
