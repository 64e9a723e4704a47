"""Strings a Keras call reads through a name, respelled where they are written.

A loss, metric or other object Keras resolves by a string is often not written in the call:
``compile(loss=loss_name)`` with ``loss_name = 'kullback_leibler_divergence'`` cells before, a
list ``metrics=chosen``, a dict ``compile(**settings)``, a loop's values (``for loss in
losses:``). ``spelled`` says how Keras 3 needs each string written (``error_registered_name``:
the registry's object, a Keras 2 alias's Keras 3 name); these functions give the edit of the use
and the edits where the strings are written (``provenance``'s origins, ``value_change``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.keras_messages import literal
from kerasmagic.diagnosis.keyword_dicts import given_literal, key_string_changed, literal_keys
from kerasmagic.diagnosis.provenance import Origin, one_string, origins, origins_in
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit, node_text
from kerasmagic.diagnosis.value_change import Rewrite, origin_edit, rewrite_origins
from kerasmagic.diagnosis.value_transforms import Transform

Spelling = Callable[[object], "str | None"]


def held(ctx: CellContext, index: int | None, parsed: ParsedCell, name: ast.expr, spelled: Spelling) -> tuple[Edit, list[Edit]] | None:  # fmt: skip
    """A name ``compile`` reads whose every origin is one string literal that Keras 3 spells
    otherwise (``loss=loss_name``, ``loss_name = 'kullback_leibler_divergence'`` cells before):
    the edit of the use (in the ``compile`` the corrected cell makes again) and the edits of the
    literal where it is written (an object of the registry is not put in the name: its use only,
    with no edits where the string is written)."""
    found = origins_in(ctx, index, parsed, name)
    old = one_string(found)
    if old is None:
        return _held_sequence(parsed, name, found, spelled)
    text = spelled(old)
    new = literal(text)
    use = node_edit(parsed, name, text) if text is not None else None
    if use is None or not isinstance(new, str):
        return (use, []) if use is not None else None  # an object: put in the use only
    renamed = Transform(f"be `{new!r}`", lambda written: new if written == old else None)
    at = [origin_edit(origin, renamed) for origin in found]
    return (use, [e for e in at if e is not None]) if all(e is not None for e in at) else None


def _held_sequence(parsed: ParsedCell, name: ast.expr, found: list[Origin], spelled: Spelling) -> tuple[Edit, list[Edit]] | None:  # fmt: skip
    """A name ``compile`` reads whose every origin is the same list (or tuple) of string
    literals, some of which Keras 3 spells otherwise (``metrics=chosen``, ``chosen = ['mae',
    'logcosh']`` cells before): the use becomes the list with each respelled (a registry's
    object too), and the list where it is written gets the respelled strings (not objects)."""
    held = {_string_items(o.value) for o in found}
    items = held.pop() if len(held) == 1 else None
    texts = [spelled(item) for item in items or ()]
    if not items or not any(texts):
        return None
    whole = [text or repr(item) for item, text in zip(items, texts)]
    use = node_edit(parsed, name, _sequence_text(whole, isinstance(found[0].value, ast.List)))
    kept = {item: new for item, text in zip(items, texts) if isinstance(new := literal(text), str)}

    def respelled(written: str, _tail: str | None = None) -> str | None:
        try:
            value = ast.literal_eval(written)
        except (ValueError, SyntaxError):
            return None
        return repr(type(value)(kept.get(v, v) for v in value)) if kept else None

    at = [origin_edit(o, Transform("be spelled as Keras 3 resolves it", value=respelled)) for o in found]  # fmt: skip
    if use is None or (kept and not all(e is not None for e in at)):
        return None
    return use, [e for e in at if e is not None]


def _items(value: object) -> tuple[str, ...] | None:
    """A string as one item, a non-empty list or tuple of strings as its items; else None."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _sequence_text(items: list[str], is_list: bool) -> str:
    """``[a, b]`` or ``(a, b)`` (``(a,)`` for one) of the items' texts."""
    inner = ", ".join(items)
    return f"[{inner}]" if is_list else f"({inner}{',' if len(items) == 1 else ''})"


def _string_items(node: ast.expr) -> tuple[str, ...] | None:
    """The strings of a list or tuple of string literals (None for anything else)."""
    if not isinstance(node, (ast.List, ast.Tuple)) or not node.elts:
        return None
    items = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return tuple(items) if len(items) == len(node.elts) else None


def varying(ctx: CellContext, value: ast.expr, spelled: Spelling) -> Rewrite | None:
    """A name the cell at hand reads that takes several string values, some of which Keras 3
    spells otherwise: a loop's (``for loss in losses:``, the list made here or cells before), a
    parameter's at several calls. Those strings are changed where they are written (a sequence
    of an earlier cell: bound again, changed, at the corrected cell's top); the others kept."""
    if not isinstance(value, (ast.Name, ast.Attribute, ast.Subscript)):
        return None
    found = origins(ctx, value, terms=False)
    if not found or one_string(found) is not None:
        return None

    def respelled(written: str, _tail: str | None = None) -> str | None:
        try:
            old = ast.literal_eval(written)
        except (ValueError, SyntaxError):
            return None
        return spelled(old) if isinstance(old, str) else None

    changing = [o for o in found if isinstance(o.value, ast.Constant) and isinstance(o.value.value, str) and spelled(o.value.value)]  # fmt: skip
    if not changing:
        return None
    return rewrite_origins(ctx, changing, Transform("be spelled as Keras 3 resolves it", value=respelled))  # fmt: skip


def held_in_dict(ctx: CellContext, index: int | None, parsed: ParsedCell, value: ast.expr, spelled: Spelling | Callable[[str], Spelling], takes: Callable[[str], bool], *, by_key: bool = False) -> tuple[Edit, list[Edit]] | None:  # fmt: skip
    """A dict ``compile`` unpacks (``compile(**settings)``, ``settings = {'loss':
    'kullback_leibler_divergence', …}`` cells before) whose loss or metric key every origin gives
    one string literal Keras 3 spells otherwise: the edit of the use (``**{**settings, 'loss':
    'kl_divergence'}`` in the ``compile`` the corrected cell makes again) and the edits of the
    literal where the dict is made, every such key at once. A list of strings (``'metrics':
    ['mae', 'logcosh']``) or an object (the registry's) is given in the use only, and then every
    key with it (the use, made again in its own cell, carries them; the dict stays as made).
    ``by_key``: ``spelled(key)`` is the spelling of that key's strings (a layer's ``**kwargs``:
    an initializer's string and a regularizer's are read differently)."""
    found = origins_in(ctx, index, parsed, value)
    made = [literal_keys(o.value) for o in found]
    written = node_text(parsed, value)
    if not found or any(keys is None for keys in made) or written is None:
        return None
    pairs: list[str] = []
    at: list[Edit | None] = []
    only_used = False  # a key given an object or a list: the use carries the keys, not the dict
    for key, _spelling in made[0] or []:
        old = given_literal(found, key)  # what every origin gives the key: a string, or a list
        items = _items(old) if takes(key) else None
        spelling = spelled(key) if by_key else spelled  # by_key: the key's kind says how
        texts = [spelling(item) for item in items or ()]  # type: ignore[operator]
        if not items or not any(texts):
            continue
        whole = [text or repr(item) for item, text in zip(items, texts)]
        pairs.append(f"{key!r}: {whole[0] if isinstance(old, str) else _sequence_text(whole, isinstance(old, list))}")  # fmt: skip
        new = literal(texts[0]) if isinstance(old, str) else None
        if isinstance(new, str):
            renamed = key_string_changed(key, {old: new}.get, f"be `{new!r}`")
            at += [origin_edit(origin, renamed) for origin in found]
        only_used = only_used or not isinstance(new, str)
    use = node_edit(parsed, value, f"{{**{written}, {', '.join(pairs)}}}") if pairs else None
    if use is None or (not only_used and not all(e is not None for e in at)):
        return None
    return use, [] if only_used else [e for e in at if e is not None]
