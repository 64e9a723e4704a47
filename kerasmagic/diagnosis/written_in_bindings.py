"""The names a notebook binds to a gone module that kerasmagic writes in (``knowledge/written_in``):
which names each import binds to a part of it, which parts the notebook reads through those
names, and the assignments that replace its imports.

A written-in module is described by ``part_of``: a dotted path (``tensorflow_addons.optimizers``,
``keras.utils.conv_utils.normalize_tuple``) → the path of that part inside the written-in
namespace (``optimizers``, ``normalize_tuple``; ``""`` for the module itself), or None when the
path is not the module's."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit, parse_cell, walk

PartOf = Callable[[str], "str | None"]
UNBINDABLE = None  # an import of the module whose name cannot be bound to it (``import a.b.m``)


def bound(node: ast.AST, part_of: PartOf) -> dict[str, str | None]:
    """The names an import binds to parts of the module, each with its part's path; a name
    bound by ``import keras.utils.conv_utils`` (the top package, not the module) is
    ``UNBINDABLE``."""
    out: dict[str, str | None] = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                part = part_of(alias.name)
                if part is not None:
                    out[alias.asname] = part
                continue
            top = alias.name.split(".")[0]
            part = part_of(top)
            if part is not None:
                out[top] = part
            elif part_of(alias.name) is not None:
                out[top] = UNBINDABLE
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        for alias in node.names:
            part = part_of(f"{node.module}.{alias.name}")
            if part is not None:
                out[alias.asname or alias.name] = part
    return out


def binding_imports(tree: ast.AST, part_of: PartOf) -> list[ast.stmt]:
    """The imports of ``tree`` that bind a name to a part of the module."""
    return [node for node in walk(tree) if isinstance(node, ast.stmt) and bound(node, part_of)]


def used_parts(
    sources: Iterable[str], part_of: PartOf, needles: tuple[str, ...]
) -> set[str] | None:
    """Every part the sources (cells, in order) read: an import's own part, and each attribute
    chain on a name an import binds (``tfa.optimizers.AdamW`` → ``optimizers.AdamW``), in its
    cell or a later one; only the longest of a chain's prefixes (``optimizers`` of
    ``optimizers.AdamW`` is read on the way to it). None when an import binds a name that
    cannot be bound to the module. ``needles``: a source binding a name holds one of them."""
    used: set[str] = set()
    names: dict[str, str | None] = {}  # the names bound so far, cell after cell
    for source in sources:
        if not any(text in source for text in (*needles, *names)):
            continue
        tree = parse_cell(source).tree
        if tree is None:
            continue
        for node in walk(tree):
            names.update(bound(node, part_of))
        if UNBINDABLE in names.values():
            return None
        used.update(part for part in names.values() if part)
        for node in walk(tree):
            text = dotted(node) if isinstance(node, ast.Attribute) else None
            head, _, rest = (text or "").partition(".")
            if head in names and rest:
                used.add(".".join(p for p in (names[head], rest) if p))
    return {p for p in used if not any(o.startswith(p + ".") for o in used)}


def covered(used: Iterable[str], written: Iterable[str]) -> list[str]:
    """The used parts the written-in module lacks (a part is covered when written in itself or
    as the namespace of written parts)."""
    written = list(written)
    return sorted(p for p in used if not any(w == p or w.startswith(p + ".") for w in written))


def binding_edit(cell: ParsedCell, node: ast.stmt, part_of: PartOf, namespace: str) -> Edit | None:
    """The import with each name it binds to the module assigned from the written-in
    ``namespace`` instead (one line each), the names it imports from elsewhere kept where they
    were (``from keras.utils import conv_utils, to_categorical``)."""
    names = bound(node, part_of)
    if UNBINDABLE in names.values():
        return None
    kept = [a for a in getattr(node, "names", ()) if (a.asname or a.name.split(".")[0]) not in names]  # fmt: skip
    spelled = [a.name + (f" as {a.asname}" if a.asname else "") for a in kept]
    lines = []
    if spelled and isinstance(node, ast.ImportFrom):
        lines.append(f"from {node.module} import {', '.join(spelled)}")
    elif spelled:
        lines.append(f"import {', '.join(spelled)}")
    lines += [f"{name} = {'.'.join(p for p in (namespace, part) if p)}" for name, part in names.items()]  # fmt: skip
    return node_edit(cell, node, ("\n" + " " * node.col_offset).join(lines))
