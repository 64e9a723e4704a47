"""Where an attribute or a subscript of the notebook's own values gets its value, read from the
source, and what it holds in the kernel, read without calling anything.

A path or a key is often not a name but a member of one: a script's ``args.weights`` (argparse's
``add_argument('--weights', default='best.hdf5')``), a settings dict's ``config['ckpt']`` (a dict
display or ``dict(ckpt=…)``), a settings class's ``Config.CKPT`` or ``cfg.CKPT`` (``cfg =
Config()``), a trainer's ``self.weights_file`` (the one ``self.weights_file = …`` its class
makes). :func:`member_binding` finds the expression that gives the member its value, which
``provenance`` then follows like an assignment's; :func:`live_member` reads the member's live
value (an instance's or a class's own ``__dict__``, a plain dict's item), so no property, no
``__getattr__`` and no ``__getitem__`` of the user's runs.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from kerasmagic.diagnosis.call_sites import returned_value
from kerasmagic.diagnosis.rewrite import ParsedCell, callee_name, statement_of, walk

# (cell index or None for the cell at hand, the cell parsed, the statement, the value it gives)
Binding = tuple[int | None, ParsedCell, ast.stmt, ast.expr | None]
# the newest binding of a name at a use: (name, cell index, parsed cell, use) → Binding
Newest = Callable[[str, int | None, ParsedCell, ast.AST], Binding | None]

MISSING = object()


def spelt(node: ast.AST) -> str | None:
    """``args.weights``, ``config['ckpt']``, ``self.cfg['path']``: a member read through names
    and constant keys, as written; None for anything else (a call, a computed key)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = spelt(node.value)
        return f"{base}.{node.attr}" if base is not None else None
    if isinstance(node, ast.Subscript) and _key(node) is not None:
        base = spelt(node.value)
        return f"{base}[{_key(node)!r}]" if base is not None else None
    return None


def reads_only(node: ast.AST) -> bool:
    """Is ``node`` a name, an attribute chain, or a constant index of one (``ax[0]``, ``ax[-1]``,
    ``panels[1, 0]``): evaluating it twice gives the same object and runs no code of the user's?"""
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Attribute):
        return reads_only(node.value)
    if isinstance(node, ast.Subscript):
        return reads_only(node.value) and _constant_index(node.slice)
    return False


def _constant_index(node: ast.AST) -> bool:
    if isinstance(node, ast.Tuple):
        return all(_constant_index(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant)
    return isinstance(node, ast.Constant)


def unpacked_element(target: ast.expr, value: ast.expr, name: str) -> ast.expr | None:
    """The element of a literal tuple or list that unpacking binds ``name`` to (``lr`` in ``lr,
    epochs = 0.01, 10``, nested too); None when the target does not bind it that way (a starred
    target, lengths that differ, a value that is no literal sequence)."""
    if not (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))):
        return None
    if len(target.elts) != len(value.elts) or any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts)):  # fmt: skip
        return None
    for part, element in zip(target.elts, value.elts):
        if spelt(part) == name:
            return element
        found = unpacked_element(part, element, name)
        if found is not None:
            return found
    return None


def base_name(text: str) -> str:
    """The name a spelt member starts from (``args`` of ``args.weights``)."""
    return text.split(".")[0].split("[")[0]


def _key(node: ast.Subscript) -> str | int | None:
    key = node.slice
    if isinstance(key, ast.Constant) and isinstance(key.value, (str, int)):
        return key.value
    return None


# -- the source -----------------------------------------------------------------------------------
def member_binding(
    node: ast.expr,
    index: int | None,
    parsed: ParsedCell,
    use: ast.AST,
    newest: Newest,
    all_cells: list[tuple[int | None, ParsedCell]],
) -> Binding | None:
    """The statement and the expression that give ``node`` (an attribute or a constant subscript)
    its value; None when the source does not say it once (several assignments, a value computed
    by a call, argparse's ``default`` left out)."""
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id == "self":
            return _self_attribute(index, parsed, use, node.attr)
        held = _held(node.value, index, parsed, use, newest, all_cells)
        if held is None:
            return None
        if _is_parsed_arguments(held, newest):
            return _argparse_default(node.attr, all_cells)
        klass = _class_of(held, newest)
        if klass is not None:
            return _class_attribute(klass, node.attr)
        return None
    if isinstance(node, ast.Subscript) and isinstance(_key(node), str):
        held = _held(node.value, index, parsed, use, newest, all_cells)
        if held is None or held[3] is None:
            return None
        at, cell, _stmt, value = held
        key = str(_key(node))
        if isinstance(value, ast.Call) and callee_name(value) == "vars" and len(value.args) == 1:
            inner = (at, cell, held[2], value.args[0])
            return _argparse_default(key, all_cells) if _is_parsed_arguments(inner, newest) else None
        item = _dict_item(value, key)
        return (at, cell, held[2], item) if item is not None else None
    return None


def _held(
    base: ast.expr,
    index: int | None,
    parsed: ParsedCell,
    use: ast.AST,
    newest: Newest,
    all_cells: list[tuple[int | None, ParsedCell]],
) -> Binding | None:
    if isinstance(base, ast.Name):
        return newest(base.id, index, parsed, use)
    if isinstance(base, (ast.Attribute, ast.Subscript)):
        return member_binding(base, index, parsed, use, newest, all_cells)
    return None


def _is_parsed_arguments(held: Binding, newest: Newest) -> bool:
    """Is the value argparse's namespace: ``parser.parse_args()``, ``parse_known_args()[0]``, or
    a call of the notebook's function whose one ``return`` gives either?"""
    at, cell, _stmt, value = held
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Call):
        value = value.value if callee_name(value.value) == "parse_known_args" else None
    if not isinstance(value, ast.Call):
        return False
    if callee_name(value) in ("parse_args", "parse_known_args"):
        return isinstance(value.func, ast.Attribute)
    if isinstance(value.func, ast.Name):
        found = newest(value.func.id, at, cell, value)
        func = found[2] if found is not None else None
        if isinstance(func, ast.FunctionDef) and found is not None:
            returned = returned_value(func)
            if returned is not None:
                return _is_parsed_arguments((found[0], found[1], func, returned), newest)
    return False


def _argparse_default(dest: str, all_cells: list[tuple[int | None, ParsedCell]]) -> Binding | None:
    """The ``default=`` of the one ``add_argument`` whose destination is ``dest``."""
    found: list[Binding] = []
    for at, cell in all_cells:
        for call in walk(cell.tree) if cell.tree is not None else ():
            if isinstance(call, ast.Call) and callee_name(call) == "add_argument" and _dest(call) == dest:
                default = next((k.value for k in call.keywords if k.arg == "default"), None)
                stmt = statement_of(cell.tree, call)
                if default is None or stmt is None:
                    return None
                found.append((at, cell, stmt, default))
    return found[0] if len(found) == 1 else None


def _dest(call: ast.Call) -> str | None:
    """Where argparse stores an argument: ``dest=``, else the first long option (``--lr-rate``
    → ``lr_rate``), else the first short one, else the positional name."""
    given = next((k.value for k in call.keywords if k.arg == "dest"), None)
    if given is not None:
        return given.value if isinstance(given, ast.Constant) and isinstance(given.value, str) else None
    options = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if len(options) != len(call.args) or not options:
        return None
    chosen = next((o for o in options if o.startswith("--")), options[0])
    return chosen.lstrip("-").replace("-", "_")


def _dict_item(value: ast.expr | None, key: str) -> ast.expr | None:
    """The value a dict display (or ``dict(key=…)``) gives ``key``, when it gives it once."""
    if isinstance(value, ast.Dict):
        if any(k is None for k in value.keys):  # ``{**other}``: a key may come from elsewhere
            return None
        items = [v for k, v in zip(value.keys, value.values) if isinstance(k, ast.Constant) and k.value == key]
        return items[0] if len(items) == 1 else None
    if isinstance(value, ast.Call) and callee_name(value) == "dict" and not value.args:
        items = [k.value for k in value.keywords if k.arg == key]
        return items[0] if len(items) == 1 and all(k.arg for k in value.keywords) else None
    return None


# -- classes --------------------------------------------------------------------------------------
Klass = tuple[int | None, ParsedCell, ast.ClassDef]


def _class_of(held: Binding, newest: Newest) -> Klass | None:
    """The notebook's class a name holds (``class Config:``) or made (``cfg = Config()``)."""
    at, cell, stmt, value = held
    if isinstance(stmt, ast.ClassDef):
        return at, cell, stmt
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        found = newest(value.func.id, at, cell, value)
        if found is not None and isinstance(found[2], ast.ClassDef):
            return found[0], found[1], found[2]
    return None


def _class_attribute(klass: Klass, attr: str) -> Binding | None:
    """What the class gives ``attr``: its body's one assignment, else its methods' one
    ``self.attr = …``."""
    at, cell, node = klass
    own = [
        (s, s.value)
        for s in node.body
        if isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in s.targets)
    ]
    if own:
        return (at, cell, own[0][0], own[0][1]) if len(own) == 1 and not _self_stores(node, attr) else None
    return _one_self_store(at, cell, node, attr)


def _self_attribute(index: int | None, parsed: ParsedCell, use: ast.AST, attr: str) -> Binding | None:
    """``self.attr`` read in a method: what its class gives ``attr``."""
    line = getattr(use, "lineno", 0)
    classes = [
        n
        for n in walk(parsed.tree) if parsed.tree is not None
        if isinstance(n, ast.ClassDef) and n.lineno <= line <= (n.end_lineno or 0)
    ]  # fmt: skip
    if not classes:
        return None
    return _class_attribute((index, parsed, max(classes, key=lambda c: c.lineno)), attr)


def _self_stores(node: ast.ClassDef, attr: str) -> list[ast.stmt]:
    """The statements of the class's methods that bind ``self.attr`` (any kind of binding)."""
    out: list[ast.stmt] = []
    for stmt in walk(node):
        targets = (
            stmt.targets if isinstance(stmt, ast.Assign)
            else [stmt.target] if isinstance(stmt, (ast.AugAssign, ast.AnnAssign, ast.For))
            else []
        )  # fmt: skip
        for target in targets:
            if any(
                isinstance(t, ast.Attribute) and t.attr == attr and isinstance(t.value, ast.Name)
                and t.value.id == "self" and isinstance(t.ctx, ast.Store)
                for t in walk(target)
            ):  # fmt: skip
                out.append(stmt)  # type: ignore[arg-type]
    return out


def _one_self_store(at: int | None, cell: ParsedCell, node: ast.ClassDef, attr: str) -> Binding | None:
    stores = _self_stores(node, attr)
    if len(stores) != 1 or not isinstance(stores[0], ast.Assign) or len(stores[0].targets) != 1:
        return None
    target = stores[0].targets[0]
    if not isinstance(target, ast.Attribute):  # bound by unpacking: a value not followed
        return None
    return at, cell, stores[0], stores[0].value


def rebound_name(ctx: Any, origin: Any) -> str | None:
    """The name (or member) the cell at hand (``ctx``) binds again for an earlier cell's origin
    (a ``provenance.Origin``): the first one followed that this cell does not set itself
    (``self.path = Settings.WEIGHTS`` in its class: ``Settings.WEIGHTS``), since a name the cell
    sets would be set back when it runs; None when that one is no global of the kernel."""
    tree, namespace = ctx.cell.tree, ctx.namespace
    for name in origin.names:
        if tree is not None and _set_in(tree, name):
            continue
        if namespace is not None and base_name(name) not in namespace:
            return None  # a function's local (``args`` of a script's ``main``): not bound here
        return name
    return None


def _set_in(tree: ast.AST, name: str) -> bool:
    """Does the cell bind ``name`` anywhere (in its functions and classes too), or is it a
    method's ``self.…``?"""
    if base_name(name) == "self":
        return True
    return any(
        isinstance(node, (ast.Name, ast.Attribute, ast.Subscript))
        and isinstance(node.ctx, ast.Store)
        and spelt(node) == name
        for node in walk(tree)
    )


# -- the kernel -----------------------------------------------------------------------------------
def live_member(names: dict, text: str) -> Any:
    """What the spelt member ``text`` holds in ``names`` (:data:`MISSING` when it cannot be read
    without running code): names, an object's or class's own attributes, a dict's items."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return MISSING
    return _live(names, node)


def _live(names: dict, node: ast.expr) -> Any:
    if isinstance(node, ast.Name):
        return names.get(node.id, MISSING)
    if isinstance(node, ast.Attribute):
        obj = _live(names, node.value)
        try:
            own = vars(obj)
        except TypeError:
            return MISSING
        return own.get(node.attr, MISSING) if isinstance(own, dict) or hasattr(own, "get") else MISSING
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        obj = _live(names, node.value)
        return dict.get(obj, node.slice.value, MISSING) if isinstance(obj, dict) else MISSING
    return MISSING
