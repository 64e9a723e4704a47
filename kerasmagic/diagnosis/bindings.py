"""The names a cell can use and what they are bound to: its imports and the namespace's modules.

``Scope`` answers the questions the static rules ask about a name or an expression: which
dotted path ``K`` is, which live object ``Adam`` or ``model.fit`` calls, which Keras roots the
cell works in, and how the cell can spell a path (``expr_for``).
"""

from __future__ import annotations

import ast
import re
import sys
import types
from dataclasses import dataclass, field
from typing import Any

from kerasmagic.diagnosis import live, public_paths
from kerasmagic.diagnosis.keras_paths import root_of, same_keras
from kerasmagic.diagnosis.rewrite import Edit, node_edit, walk
from kerasmagic.knowledge import api_index
from kerasmagic.knowledge.catalogue import entries_with_rule

NAMESPACE_SCAN = 5000  # names of the user's namespace looked at (a huge namespace is cut)


@dataclass
class Scope:
    """Bindings of one cell: name → dotted module/object path, and the names the cell assigns."""

    ctx: Any  # the CellContext it belongs to (its cell, namespace and facts)
    bindings: dict[str, str] = field(default_factory=dict)
    user_bound: set[str] = field(default_factory=set)
    outer: set[str] = field(default_factory=set)  # names bound by earlier cells (namespace)
    outer_used: set[str] = field(default_factory=set)  # … that the cell reads
    # as the cell's corrected imports bind it (``import_fixes``): the names they rename (``adam``
    # → ``Adam``), and ``fixed``: a call through a broken attribute chain calls its new path
    renamed: dict[str, str] = field(default_factory=dict)
    fixed: bool = False
    _models: list[Any] | None = field(default=None, repr=False)  # model_classes(), once

    @classmethod
    def of(cls, ctx: Any) -> Scope:
        scope = cls(ctx)
        own: dict[str, str] = {}  # the cell's own imports
        loaded: set[str] = set()  # names the cell reads
        tree = ctx.cell.tree
        for node in walk(tree) if tree is not None else ():
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        own[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        own[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        own[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                scope.user_bound.add(node.name)
            elif isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Store):
                    scope.user_bound.add(node.id)
                else:
                    loaded.add(node.id)
        scope._bind_namespace(ctx.namespace or {}, loaded - set(own) - scope.user_bound)
        scope.bindings.update(own)
        for name in scope.user_bound:
            scope.bindings.pop(name, None)
            scope.outer.discard(name)
        scope._bind_module_aliases(tree)
        return scope

    def _bind_module_aliases(self, tree: ast.AST | None) -> None:
        """``K = keras.backend``, ``tfkl = tf.keras.layers``, ``to_categorical =
        keras.utils.to_categorical``: a name the cell assigns once, to a dotted path through a bound
        module, is bound like an import (``from keras.utils import to_categorical``), where the path
        reaches a module or an object here, or names a member its module lacks here (what the
        import would have failed on)."""
        assigned: dict[str, list[ast.expr]] = {}
        for node in walk(tree) if tree is not None else ():
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        assigned.setdefault(name.id, []).append(node.value if target is name else None)  # type: ignore[arg-type]  # fmt: skip
        for name, values in assigned.items():
            value = values[0] if len(values) == 1 else None
            parts: list[str] = []
            while isinstance(value, ast.Attribute):
                parts.append(value.attr)
                value = value.value
            if not parts or not isinstance(value, ast.Name) or value.id not in self.bindings:
                continue
            path = ".".join([self.bindings[value.id], *reversed(parts)])
            status, _ = live.resolve_path(path)
            if status in (live.OK, live.MISSING):
                self.bindings[name] = path
                self.user_bound.discard(name)

    def _bind_namespace(self, namespace: dict, free: set[str]) -> None:
        """What earlier cells bound, as if the cell had imported it: every module of the
        namespace, and the Keras/TF classes and functions under the names the cell reads, each
        by the public path the cell could have written (``public_paths``)."""
        for name, value in list(namespace.items())[:NAMESPACE_SCAN]:
            if not isinstance(name, str) or name.startswith("_"):
                continue
            if isinstance(value, types.ModuleType):
                path = public_paths.module_path(value) or _own_name(value)
                if path:
                    self.bindings[name] = path
                    self.outer.add(name)
        modules = list(self.bindings.values())
        prefer = tuple(self._roots_first(modules))
        for name in sorted(free - set(self.bindings)):
            value = namespace.get(name)
            if value is None or isinstance(value, types.ModuleType):
                continue
            path = public_paths.public_path(value, prefer)
            if path:
                self.bindings[name] = path
                self.outer.add(name)
        self.outer_used = {n for n in free if n in self.outer}

    @staticmethod
    def _roots_first(paths: list[str]) -> list[str]:
        """The Keras root a cell importing ``paths`` works in first (tf.keras where it uses TF)."""
        if any(p.startswith(("tensorflow", "tf_keras")) for p in paths):
            return ["tensorflow.keras"]
        if any(p.split(".")[0] == "keras" for p in paths):
            return ["keras"]
        return []

    def uses_keras(self) -> bool:
        return any(p.split(".")[0] in live.KERAS_TOPS for p in self.bindings.values())

    def preferred_roots(self, near: str | None = None) -> list[str]:
        """Roots to search, the one ``near`` belongs to (else the cell's own) first."""
        first = root_of(near) if near else None
        if first is None:
            first = next(iter(self._roots_first(list(self.bindings.values()))), None)
        # the cell itself uses tf.keras: resolving it here decides nothing the cell did not
        uses_tf_keras = "tensorflow" in sys.modules and (
            re.search(r"tensorflow\.keras|tf\.keras", self.ctx.source)
            or any(root_of(self.bindings[n]) == "tensorflow.keras" for n in self.outer_used)
        )
        roots = [
            r
            for r in api_index.ROOTS
            if api_index.is_available(
                r, allow_import=bool(uses_tf_keras) and r == "tensorflow.keras"
            )
        ]
        if first in roots:
            roots.remove(first)
            roots.insert(0, first)
            # never move a cell onto another Keras package (Keras 3 objects into tf_keras)
            roots = [r for r in roots if r == first or same_keras(first, r)]
        return roots

    def expr_for(self, path: str, prefer: str | None = None) -> str | None:
        """An expression of the cell reaching ``path`` through its bindings, or None."""
        best: tuple[int, int, str] | None = None
        for name, bound in self.bindings.items():
            if path == bound or path.startswith(bound + "."):
                score = (len(bound), int(name == prefer))
                if best is None or score > best[:2]:
                    best = (score[0], score[1], name + path[len(bound) :])
        return best[2] if best else None

    def callee(self, func: ast.AST) -> tuple[Any, str] | None:
        """The live object a call's function expression names, and its path."""
        new = self.ctx.chain_fixes.paths.get(id(func)) if self.fixed else None
        if new:
            status, obj = live.resolve_path(new)
            return (obj, new) if status == live.OK else None
        if isinstance(func, ast.Name):
            name = self.renamed.get(func.id, func.id)
            path = self.bindings.get(name)
            value = (self.ctx.namespace or {}).get(name)
            if path is None and isinstance(value, type):
                # a Keras class imported by an earlier cell (`from … import SGD`), or one the
                # code chose at run time (`opt_cls = getattr(keras.optimizers, name)`)
                if not live.is_keras_object(value):
                    return None
                return value, (value.__name__ if name in self.user_bound else name)
        elif isinstance(func, ast.Attribute):
            path = self.bound_path(func)
            if path is None:
                return None
        elif isinstance(func, ast.Subscript):
            value = _looked_up(self.ctx.namespace or {}, func)
            if isinstance(value, type) and live.is_keras_object(value):
                return value, value.__name__  # `OPTIMIZERS['sgd'](lr=…)`: a table of classes
            return None
        else:
            return None
        if not path or path.split(".")[0] not in sys.modules:
            return None
        status, obj = live.resolve_path(path)
        return (obj, path) if status == live.OK else None

    def bound_path(self, node: ast.AST) -> str | None:
        """The dotted path an attribute chain (or a name) reaches through the bindings
        (``K.tf`` with ``K`` bound to ``keras.backend``: ``keras.backend.tf``); None when its
        head is not a bound name."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.bindings:
            return None
        return ".".join([self.bindings[node.id], *reversed(parts)])

    def refers_to_keras(self, func: ast.AST) -> bool:
        cur = func
        while isinstance(cur, ast.Attribute):
            cur = cur.value
        if isinstance(cur, ast.Name):
            return self.bindings.get(cur.id, "").split(".")[0] in live.KERAS_TOPS
        return False

    def cell_roots(self) -> list[str]:
        """The Keras roots the cell's own imports use, and the earlier cells' bindings it reads
        (else every available one)."""
        used: list[str] = []
        for node in walk(self.ctx.cell.tree) if self.ctx.cell.tree else ():
            paths: list[str] = []
            if isinstance(node, ast.Import):
                paths = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                paths = [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Name) and node.id in self.outer_used:
                paths = [self.bindings[node.id]]
            for path in paths:
                root = root_of(path) or ("tensorflow.keras" if path == "tensorflow" else None)
                if root and root not in used:
                    used.append(root)
        available = self.preferred_roots()
        return [r for r in used if r in available] or available

    def receiver_classes(self, expr: ast.AST) -> list[Any]:
        """``[type(obj)]`` when ``expr`` is a name the cell does not bind and the namespace holds
        a Keras object under it (the model an earlier cell built: its own class, whichever Keras
        the cell's imports would suggest; a user's subclass of a Keras model or layer too, which
        has its methods); else ``[]``."""
        if not isinstance(expr, ast.Name) or expr.id in self.user_bound:
            return []
        value = (self.ctx.namespace or {}).get(expr.id)
        return [type(value)] if live.is_keras_instance(value) else []

    def model_classes(self) -> list[Any]:
        """The live ``Model`` class of each Keras root the cell uses (looked up once)."""
        if self._models is None:
            classes = []
            for root in self.cell_roots():
                status, model = live.resolve_path(f"{root}.Model")
                if status == live.OK and isinstance(model, type):
                    classes.append(model)
            self._models = classes
        return list(self._models)


def _own_name(module: types.ModuleType) -> str | None:
    """Any other module (numpy, os) under its own name, when that name imports it."""
    name = vars(module).get("__name__")
    return name if isinstance(name, str) and sys.modules.get(name) is module else None


def keyword_rename(old: str, accepted: set[str]) -> str | None:
    """The catalogue's new name for keyword ``old``, if the live signature accepts it."""
    for entry in entries_with_rule("keyword-rename"):
        new = renamed_keyword(entry.data.get("renames", {}).get(old), accepted)
        if new:
            return new
    return None


def renamed_keyword(new: str | list[str] | None, accepted: set[str] | None) -> str | None:
    """A keyword-rename's new name: the one given, or of several (Keras 1's ``init`` was
    ``kernel_initializer``, ``alpha_initializer`` or ``embeddings_initializer`` by layer) the first
    the live signature accepts; ``accepted`` None: the first."""
    candidates = [new] if isinstance(new, str) else list(new or [])
    if accepted is None:
        return candidates[0] if candidates else None
    return next((c for c in candidates if c in accepted), None)


def rename_keyword_edit(cell: Any, kw: ast.keyword, new: str) -> Edit | None:
    """An edit renaming keyword ``kw`` to ``new`` (its value untouched)."""
    edit = node_edit(cell, kw, "")
    if edit is None or kw.arg is None:
        return None
    return Edit(edit.line, edit.col, edit.line, edit.col + len(kw.arg), new)


def _looked_up(namespace: dict[str, Any], node: ast.Subscript) -> Any:
    """``TABLE['key']`` read from a plain ``dict`` the namespace holds (no user code runs: a
    ``dict`` subclass or another mapping is not read); None when it is not one."""
    table = namespace.get(node.value.id) if isinstance(node.value, ast.Name) else None
    key = node.slice
    if type(table) is not dict or not isinstance(key, ast.Constant):
        return None
    try:
        return table.get(key.value)
    except TypeError:  # an unhashable key
        return None
