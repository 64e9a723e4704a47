"""Keywords passed through a dict: ``SGD(**opt_params)`` with ``opt_params = {"lr": 0.01}`` made
in this cell or cells earlier (a configuration table, ``dict(lr=…)``).

The dict's keys are the call's keywords; a key the live signature rejects and a catalogue rename
names (``lr`` → ``learning_rate``) is renamed where the dict is made (``diagnosis/provenance.py``,
``diagnosis/value_change.py``), so every call that unpacks it gets the new key. A dict that is
not a display or ``dict(...)`` with literal keys (built by code, merged with ``**other``) is not
followed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from kerasmagic.diagnosis.bindings import renamed_keyword
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.keras_paths import is_model_class
from kerasmagic.diagnosis.known_values import known_value
from kerasmagic.diagnosis.member_values import MISSING
from kerasmagic.diagnosis.provenance import Origin, origins, origins_in, parsed_source
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    apply_edits,
    node_edit,
    node_text,
    parse_cell,
    quoted_like,
    walk,
)
from kerasmagic.diagnosis.value_transforms import Transform
from kerasmagic.knowledge.catalogue import Entry, entries_with_rule


def literal_keys(node: ast.expr) -> list[tuple[str, ast.AST]] | None:
    """The keys of a dict display with string keys or of ``dict(k=v, …)``, each with the node
    that spells it (the key's literal, or the keyword); None for any other expression."""
    if isinstance(node, ast.Dict):
        keys = node.keys
        if not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in keys):
            return None  # `**other` merged in (a None key), or a computed key
        return [(k.value, k) for k in keys]  # type: ignore[union-attr]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "dict"
        and not node.args
        and all(k.arg for k in node.keywords)
    ):
        return [(k.arg, k) for k in node.keywords]  # type: ignore[misc]
    return None


def key_value(node: ast.expr, key: str) -> ast.expr | None:
    """The value a dict display with literal keys or ``dict(k=v, …)`` gives ``key``; None for
    another expression, or a dict that does not give it."""
    if isinstance(node, ast.Dict):
        for spelled, value in zip(node.keys, node.values):
            if isinstance(spelled, ast.Constant) and spelled.value == key:
                return value
        return None
    got = literal_keys(node)
    return next((k.value for name, k in got or [] if name == key and isinstance(k, ast.keyword)), None)  # fmt: skip


def unpacked_string(ctx: CellContext, value: ast.expr, key: str) -> str | None:
    """The string ``**value`` passes as ``key`` (``EarlyStopping(**cfg)``, ``cfg = {'monitor':
    'val_acc'}`` cells before): every origin a dict made with literal keys that gives ``key``
    the same string literal; None otherwise."""
    held = unpacked_value(ctx, value, key)
    return held if isinstance(held, str) else None


def key_string_changed(key: str, new: Callable[[str], str | None], what: str) -> Transform:
    """The string literal a dict made with literal keys gives ``key`` replaced by ``new(old)``
    (quoted as written), where the dict is made: every call that unpacks it sees the new one."""

    def value(expr: str, _tail: str | None) -> str | None:
        found = expression_of(expr)
        return string_replaced(found[0], key_value(found[1], key), new) if found else None

    return Transform(what, None, value)


def expression_of(text: str) -> tuple[ParsedCell, ast.expr] | None:
    """``text`` parsed as one expression (a value a Transform changes), with its node; None
    when it is not one."""
    parsed = parse_cell(text)
    body = parsed.tree.body if parsed.tree is not None else []
    if len(body) != 1 or not isinstance(body[0], ast.Expr):
        return None
    return parsed, body[0].value


def string_edit(parsed: ParsedCell, node: ast.AST | None, new: Callable[[str], str | None]) -> Edit | None:  # fmt: skip
    """The edit replacing the string literal ``node`` of ``parsed`` by ``new(its value)``,
    quoted as written; None when ``node`` is not a string literal or ``new`` has no replacement."""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return None
    replacement = new(node.value)
    written = node_text(parsed, node)
    return node_edit(parsed, node, quoted_like(written, replacement)) if replacement and written else None  # fmt: skip


def string_replaced(parsed: ParsedCell, node: ast.AST | None, new: Callable[[str], str | None]) -> str | None:  # fmt: skip
    """``parsed``'s text with ``string_edit`` made; None when there is no such edit."""
    edit = string_edit(parsed, node, new)
    return apply_edits(parsed.source, [edit]) if edit is not None else None


def unpacked_value(ctx: CellContext, value: ast.expr, key: str) -> object:
    """The literal ``**value`` passes as ``key``: every origin a dict made with literal keys
    that gives ``key`` the same literal (``ModelCheckpoint(**cfg)``, ``cfg = {'period': 1}``
    cells before), or a name whose value is known where the dict is made (``dict(metrics=
    metrics)``: in a helper, ``metrics`` its parameter, what the calls pass, ``known_values``;
    in an earlier cell, the one literal the name is made as there); ``MISSING`` otherwise."""
    found = origins(ctx, value, terms=False)
    held = given_literal(found, key)
    if held is not MISSING or not found:
        return held
    values = [_known_there(ctx, o, given) for o in found if (given := key_value(o.value, key)) is not None]  # fmt: skip
    if len(values) != len(found) or any(v is MISSING or v != values[0] for v in values):
        return MISSING
    return values[0]


def _known_there(ctx: CellContext, origin: Origin, given: ast.expr) -> object:
    """The value ``given``, a key's value in the dict ``origin`` reached, is known to have."""
    if origin.here:
        return known_value(ctx, given)
    values = []
    for made in origins_in(ctx, origin.cell, origin.parsed, given):
        try:
            values.append(ast.literal_eval(made.value))
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return MISSING
    return values[0] if values and all(v == values[0] for v in values) else MISSING


def given_literal(found: list[Origin], key: str) -> object:
    """The literal every origin in ``found`` (each a dict made with literal keys) gives ``key``,
    the same in all; ``MISSING`` otherwise (none found, a key missing, another expression)."""
    values = []
    for origin in found:
        given = key_value(origin.value, key)
        try:
            values.append(ast.literal_eval(given) if given is not None else MISSING)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return MISSING
    if not values or any(v is MISSING or v != values[0] for v in values):
        return MISSING
    return values[0]


def dropped_key(key: str, what: str) -> Transform:
    """The entry for ``key`` taken out of the dict display or ``dict(...)`` call that gives it,
    where the dict is made (the rest of its text as written): every call that unpacks it no
    longer passes the keyword."""

    def value(expr: str, _tail: str | None) -> str | None:
        found = expression_of(expr)
        entries = _entries(found[1]) if found is not None else None
        index = next((i for i, (name, _s, _e) in enumerate(entries or []) if name == key), None)
        if found is None or entries is None or index is None:
            return None
        parsed = found[0]
        if len(entries) == 1:
            return "{}" if isinstance(found[1], ast.Dict) else "dict()"
        # to the next entry's start, or (the last one) from the entry before's end
        start_node, end_node = (entries[index][1], entries[index + 1][1]) if index + 1 < len(entries) else (entries[index - 1][2], entries[index][2])  # fmt: skip
        start, end = node_edit(parsed, start_node, ""), node_edit(parsed, end_node, "")
        if start is None or end is None:
            return None
        if index + 1 < len(entries):
            cut = Edit(start.line, start.col, end.line, end.col, "")
        else:
            cut = Edit(start.end_line, start.end_col, end.end_line, end.end_col, "")
        return apply_edits(expr, [cut])

    return Transform(what, None, value)


def _entries(node: ast.expr) -> list[tuple[str, ast.AST, ast.AST]] | None:
    """A literal dict's entries: (key, the node it starts at, the node it ends at)."""
    if isinstance(node, ast.Dict):
        if not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
            return None
        return [(k.value, k, v) for k, v in zip(node.keys, node.values)]  # type: ignore[union-attr]
    got = literal_keys(node)
    return [(name, k, k) for name, k in got] if got is not None else None


def unpacked_keys(ctx: CellContext, value: ast.expr) -> list[str] | None:
    """The keys ``**value`` passes, read where the dict is made (every origin must be a literal
    dict); None when any origin is not one."""
    found = origins(ctx, value, terms=False)
    if not found:
        return None
    keys: list[str] = []
    for origin in found:
        got = literal_keys(origin.value)
        if got is None:
            return None
        keys += [k for k, _node in got if k not in keys]
    return keys


def keys_read(ctx: CellContext, value: ast.expr) -> set[str]:
    """The keys the cell and the earlier cells read by name from the dict ``**value`` unpacks
    (``opt_params['lr']``): renaming one there would break that read."""
    names = {n for o in origins(ctx, value, terms=False) for n in o.names}
    trees = [ctx.cell.tree, *(parsed_source(s).tree for s in ctx.earlier)]
    return {key for tree in trees if tree is not None for key in _keys_read(tree, names)}


def _keys_read(tree: ast.AST, names: set[str]) -> set[str]:
    """The literal keys the code reads from a dict held by one of ``names``
    (``opt_params['lr']``, ``opt_params.get('lr')``)."""
    found = set()
    for node in walk(tree):
        key = None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            owner, key = node.value.id, node.slice
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop", "setdefault")
            and isinstance(node.func.value, ast.Name)
            and node.args
        ):
            owner, key = node.func.value.id, node.args[0]
        if key is not None and owner in names and isinstance(key, ast.Constant):
            found.add(key.value)
    return found


def renamed_keys(renames: dict[str, str]) -> Transform:
    """The dict's keys renamed (``{"lr": 0.01}`` → ``{"learning_rate": 0.01}``) in its display
    or ``dict(...)`` call; a name (re-bound from an earlier cell) gets a comprehension that
    renames the same keys."""

    def value(expr: str, _tail: str | None) -> str | None:
        found = expression_of(expr)
        if found is None:
            return None
        parsed, node = found
        keys = literal_keys(node)
        if keys is None:
            if not isinstance(node, ast.Name):
                return None
            return f"{{{renames!r}.get(k, k): v for k, v in {expr}.items()}}"
        edits: list[Edit | None] = []
        for key, spelled in keys:
            if key not in renames:
                continue
            if isinstance(spelled, ast.Constant):
                edits.append(string_edit(parsed, spelled, renames.get))
            else:  # dict(lr=…): the keyword's name, where the keyword starts
                start = node_edit(parsed, spelled, "")
                edits.append(start and Edit(start.line, start.col, start.line, start.col + len(key), renames[key]))  # fmt: skip
        if not edits or any(e is None for e in edits):
            return None
        return apply_edits(expr, [e for e in edits if e is not None])

    words = ", ".join(f"`{old}` → `{new}`" for old, new in renames.items())
    return Transform(f"have its keys renamed ({words})", None, value)


def keyword_renames(
    keys: list[str], accepted: set[str], obj: object, optimizer: bool
) -> list[tuple[Entry, str, str]]:
    """``(entry, old, new)`` for each key the live signature rejects that a catalogue
    ``keyword-rename`` renames to one it takes (a key whose values changed too, Keras 1's
    ``dim_ordering='th'``, is left: its value is not read here)."""
    out = []
    for key in keys:
        if key in accepted:
            continue
        for entry in entries_with_rule("keyword-rename"):
            kind = entry.data.get("callables")
            if (kind == "optimizer" and not optimizer) or (kind == "model" and not is_model_class(obj)):  # fmt: skip
                continue
            if key in entry.data.get("values", {}):
                continue
            new = renamed_keyword(
                entry.data.get("renames", {}).get(key), None if kind == "model" else accepted
            )
            if new and new not in keys:
                out.append((entry, key, new))
                break
    return out


def key_changed(key: str, *, new_name: str | None = None, value_text: str | None = None, what: str = "") -> Transform:  # fmt: skip
    """The entry for ``key`` of a dict made with literal keys given the value ``value_text``
    and/or renamed ``new_name``, where the dict is made (see :func:`dropped_key` to leave it out)."""

    def value(expr: str, _tail: str | None) -> str | None:
        found = expression_of(expr)
        if found is None:
            return None
        text = expr
        if value_text is not None:
            given = key_value(found[1], key)
            edit = node_edit(found[0], given, value_text) if given is not None else None
            if edit is None:
                return None
            text = apply_edits(expr, [edit])
        rename = renamed_keys({key: new_name}).value if new_name else None
        return rename(text, None) if rename is not None else text

    return Transform(what, None, value)
