"""Static problems of a cell, provable from its source and the LIVE API, each with its text edits.

Detectors: imports that cannot resolve here (moved/renamed/typo'd names, module aliases, private
``tensorflow.python.keras``), attribute chains on Keras modules that do not exist, call keywords the
live signature rejects (``lr``, ``decay``, Keras 1 names), removed Model methods
(``fit_generator``), removed backend calls, and unknown optimizer/loss strings. A rewrite is only
proposed when its target exists in this interpreter; the catalogue says what moved and why.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    delete_keyword_edit,
    insertion_line,
    node_edit,
    node_text,
    quoted_like,
)
from kerasmagic.knowledge import api_index
from kerasmagic.knowledge.catalogue import Entry, load_catalogue

ROOT_ALIASES = {"tensorflow.python.keras": "tensorflow.keras"}


@dataclass
class Problem:
    """One provable problem: its catalogue entry (or a generic id), what to show, its edits."""

    id: str
    line: int
    title: str
    cause: str = ""
    fix: str = ""
    edits: list[Edit] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # names/modules involved (error matching)
    certain: bool = True
    fix_code: str | None = None
    references: list[str] = field(default_factory=list)


def _rules(rule: str) -> list[Entry]:
    return [e for e in load_catalogue() if e.data.get("rule") == rule]


def _fill(text: str, **values: str) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def _from_entry(entry_id: str, line: int, edits: list[Edit], names: list[str], **values: str):
    entry = next((e for e in load_catalogue() if e.id == entry_id), None)
    values = {**live.shown_versions(), **values}
    if entry is None:
        return Problem(entry_id, line, values.get("title", entry_id), edits=edits, names=names)
    return Problem(
        id=entry.id,
        line=line,
        title=_fill(entry.title, **values),
        cause=_fill(entry.cause, **values),
        fix=_fill(entry.fix, **values),
        edits=edits,
        names=names,
        fix_code=entry.fix_code,
        references=[entry.source],
    )


def root_of(path: str) -> str | None:
    """The Keras namespace root a dotted path belongs to (``tensorflow.python.keras`` maps to
    ``tensorflow.keras``)."""
    for private, public in ROOT_ALIASES.items():
        if path == private or path.startswith(private + "."):
            return public
    for root in sorted(api_index.ROOTS, key=len, reverse=True):
        if path == root or path.startswith(root + "."):
            return root
    return None


def relative(path: str) -> tuple[str, str]:
    """``(root, rest)`` of a Keras path, rest without the root (``""`` for the root itself)."""
    for private in ROOT_ALIASES:
        if path == private or path.startswith(private + "."):
            return ROOT_ALIASES[private], path[len(private) + 1 :]
    root = root_of(path)
    if root is None:
        return "", path
    return root, path[len(root) + 1 :]


def moved_module(path: str, *, forced_only: bool = False) -> tuple[str, str] | None:
    """``(new module path, entry id)`` when the catalogue says ``path`` moved (longest prefix)."""
    root, rest = relative(path)
    if not root:
        return None
    best: tuple[int, str, str] | None = None
    for entry in _rules("module-move"):
        if entry.applies and not entry.applies_to(_root_versions(root)):
            continue
        if forced_only and not entry.applies:
            continue
        for old, new in entry.data.get("moves", {}).items():
            if rest == old or rest.startswith(old + "."):
                if best is None or len(old) > best[0]:
                    tail = rest[len(old) :]
                    best = (len(old), f"{root}.{new}{tail}" if new else f"{root}{tail}", entry.id)
    if best is None and path.startswith("tensorflow.python.keras") and not forced_only:
        return (
            f"tensorflow.keras.{rest}" if rest else "tensorflow.keras"
        ), "private-tf-python-keras"
    if best is None and path.startswith("tensorflow.python.keras") and forced_only:
        return (
            f"tensorflow.keras.{rest}" if rest else "tensorflow.keras"
        ), "private-tf-python-keras"
    return (best[1], best[2]) if best else None


def _root_versions(root: str) -> dict[str, str]:
    versions = dict(live.versions())
    major = live.root_major(root)
    if major is not None:
        versions["keras-major"] = str(major)
    return versions


def renamed(name: str) -> tuple[str, str] | None:
    for entry in _rules("name-rename"):
        new = entry.data.get("renames", {}).get(name)
        if new:
            return new, entry.id
    return None


class Analyzer:
    """Runs every detector over one parsed cell against the live interpreter."""

    def __init__(self, cell: ParsedCell, namespace: dict | None = None) -> None:
        self.cell = cell
        self.namespace = namespace or {}
        self.tree = cell.tree
        self.problems: list[Problem] = []
        self.bindings: dict[str, str] = {}  # name -> dotted module/object path
        self.renamed_names: dict[str, str] = {}  # name bound by an import -> new name
        self.new_paths: dict[str, str] = {}  # name -> path after the import fixes
        self.user_bound: set[str] = set()

    # -- bindings -----------------------------------------------------------------------------
    def _collect_bindings(self) -> None:
        for name, value in list(self.namespace.items())[:5000]:
            if not isinstance(name, str) or name.startswith("_"):
                continue
            path = _module_path(value)
            if path:
                self.bindings[name] = path
        assert self.tree is not None
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.bindings[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.bindings[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        self.bindings[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.user_bound.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.user_bound.add(node.id)
        for name in self.user_bound:
            self.bindings.pop(name, None)

    def preferred_roots(self, near: str | None = None) -> list[str]:
        """Roots to search, the one ``near`` belongs to (else the cell's own) first."""
        first = root_of(near) if near else None
        if first is None:
            paths = list(self.bindings.values())
            if any(p.startswith(("tensorflow", "tf_keras")) for p in paths):
                first = "tensorflow.keras"
            elif any(p.startswith("keras") for p in paths):
                first = "keras"
        # the cell itself uses tf.keras: resolving it here decides nothing the cell did not
        uses_tf_keras = "tensorflow" in sys.modules and re.search(
            r"tensorflow\.keras|tf\.keras", self.cell.source
        )
        roots = [
            r
            for r in api_index.ROOTS
            if api_index.namespace_index(
                r, allow_import=bool(uses_tf_keras) and r == "tensorflow.keras"
            )
            is not None
        ]
        if first in roots:
            roots.remove(first)
            roots.insert(0, first)
            # never move a cell onto another Keras package (Keras 3 objects into tf_keras)
            roots = [r for r in roots if r == first or _same_keras(first, r)]
        return roots

    def expr_for(self, path: str, prefer: str | None = None) -> str | None:
        """An expression of the cell reaching ``path`` through its bindings, or None."""
        best: tuple[int, int, str] | None = None
        for name, bound in self.bindings.items():
            if path == bound or path.startswith(bound + "."):
                score = (len(bound), int(name == prefer))
                if best is None or score > best[:2]:
                    best = (score[0], score[1], name + path[len(bound) :])
            elif bound == "tensorflow" and path.startswith("tensorflow.keras"):
                pass
        return best[2] if best else None

    # -- entry point --------------------------------------------------------------------------
    def run(self) -> list[Problem]:
        if self.tree is None:
            return []
        self._collect_bindings()
        for detector in (
            self._imports,
            self._attribute_chains,
            self._renamed_usages,
            self._method_renames,
            self._calls,
            self._removed_calls,
            self._history_keys,
        ):
            try:
                detector()
            except RecursionError:
                break
        return self.problems

    def _history_keys(self) -> None:
        """``history.history['acc']`` of a cell compiled with ``metrics=['accuracy']``."""
        if not (live.versions().get("keras") or live.versions().get("tf-keras")):
            return
        from kerasmagic.diagnosis.history_keys import OLD_KEYS, history_key_edits

        for line, old, edit in history_key_edits(self.cell):
            self.problems.append(
                _from_entry("history-acc-key", line, [edit], [old], old=old, new=OLD_KEYS[old])
            )

    # -- imports ------------------------------------------------------------------------------
    def _locate(self, module: str, name: str) -> tuple[str, str, str] | None:
        """Where ``name`` (imported from ``module``) lives here: ``(module, name, entry id)``."""
        moved = moved_module(module)
        candidates: list[tuple[str, str, str]] = []
        if moved:
            candidates.append((moved[0], name, moved[1]))
        rename = renamed(name)
        if rename:
            for mod in ([moved[0]] if moved else []) + [module]:
                candidates.append((mod, rename[0], rename[1]))
        for mod, new, entry_id in candidates:
            status, obj = live.module_status(mod)
            if status == live.OK and live.has_attr(obj, mod, new):
                return mod, new, entry_id
        roots = self.preferred_roots(module)
        wanted = rename[0] if rename else name
        for symbol in api_index.find_public_symbol(wanted, roots=roots, near=module):
            status, obj = live.module_status(symbol.module)
            if status == live.OK and live.has_attr(obj, symbol.module, symbol.name):
                return symbol.module, symbol.name, (rename[1] if rename else "moved-name")
        neutral = next((e for e in _rules("package-neutral") if name in e.data["names"]), None)
        if neutral is not None:  # data utilities: another Keras package's copy serves as well
            others = [r for r in api_index.available_roots() if r not in roots]
            for symbol in api_index.find_public_symbol(name, roots=others, near=module):
                status, obj = live.module_status(symbol.module)
                if status == live.OK and live.has_attr(obj, symbol.module, symbol.name):
                    return symbol.module, symbol.name, neutral.id
        for mod in ([moved[0]] if moved else []) + [module]:
            status, obj = live.module_status(mod)
            if status != live.OK:
                continue
            for close in api_index.fuzzy_names(name, roots=roots, module=mod):
                if live.has_attr(obj, mod, close):
                    return mod, close, "name-typo"
        return None

    def _imports(self) -> None:
        assert self.tree is not None
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                self._import_from(node)
            elif isinstance(node, ast.Import):
                self._import(node)

    def _import(self, node: ast.Import) -> None:
        parts: list[str] = []
        changed: list[tuple[str, str]] = []
        for alias in node.names:
            text = alias.name + (f" as {alias.asname}" if alias.asname else "")
            if self._not_installed(node, alias.name):
                parts.append(text)
                continue
            status, _ = live.module_status(alias.name)
            private = alias.name.startswith("tensorflow.python.keras")
            if status == live.MISSING or private:
                target = self._module_alias(alias.name)
                if target is None:
                    moved = moved_module(alias.name)
                    if moved and live.module_status(moved[0])[0] == live.OK:
                        target = moved[0]
                if target is None and self._module_alias(alias.name, installed=False):
                    wanted = self._module_alias(alias.name, installed=False) or ""
                    problem = _from_entry(
                        "import-tf-alias",
                        node.lineno,
                        [],
                        [alias.name],
                        alias=alias.name,
                        module=wanted,
                    )
                    problem.certain = False
                    problem.fix += (
                        f" `{wanted.split('.')[0]}` is not installed in this interpreter."
                    )
                    problem.fix_code = f"%pip install {wanted.split('.')[0]}"
                    self.problems.append(problem)
                if target:
                    bind = alias.asname or alias.name
                    if "." in bind and not alias.asname:
                        text = f"import {target}"
                    else:
                        text = f"{target} as {bind}" if target != bind else target
                    changed.append((alias.name, target))
                    self.bindings[bind.split(".")[0]] = target if "." not in bind else bind
            parts.append(text)
        if not changed:
            return
        new = "import " + ", ".join(p.removeprefix("import ") for p in parts)
        edit = node_edit(self.cell, node, new)
        if edit is None:
            return
        old, target = changed[0]
        if self._module_alias(old):
            problem = _from_entry(
                "import-tf-alias", node.lineno, [edit], [old], alias=old, module=target
            )
        elif old.startswith("tensorflow.python.keras"):
            problem = _from_entry("private-tf-python-keras", node.lineno, [edit], [old])
        else:
            problem = _from_entry("moved-module", node.lineno, [edit], [old], old=old, new=target)
        self.problems.append(problem)

    def _module_alias(self, name: str, *, installed: bool = True) -> str | None:
        """The module a usual alias stands for (``tf`` → ``tensorflow``), if installed here."""
        for entry in _rules("module-alias"):
            target = entry.data.get("aliases", {}).get(name)
            if target and (not installed or live.top_exists(target.split(".")[0])):
                return target
        return None

    def _not_installed(self, node: ast.stmt, module: str) -> bool:
        """A top-level package that is not installed at all: say so once, with ``%pip``."""
        top = module.split(".")[0]
        if not top or live.top_exists(top) or self._module_alias(top, installed=False):
            return False
        if any(p.id == "package-not-installed" and top in p.names for p in self.problems):
            return True
        entry = next((e for e in load_catalogue() if e.id == "package-not-installed"), None)
        distribution = (entry.data.get("distributions", {}) if entry else {}).get(
            top, top.replace("_", "-")
        )
        problem = _from_entry(
            "package-not-installed",
            node.lineno,
            [],
            [top],
            module=top,
            distribution=distribution,
            python=sys.executable,
        )
        problem.certain = False
        problem.fix_code = f"%pip install {distribution}"
        self.problems.append(problem)
        return True

    def _alias_import_from(self, node: ast.ImportFrom, module: str) -> bool:
        """``from tf.keras.layers import Dense``: the alias written as a package name becomes
        the package (``tensorflow.keras.layers``), keeping the namespace the cell chose. The
        names are checked when the package is imported already; otherwise the rename is only
        the alias's own meaning, and the corrected cell's import is checked when it runs."""
        top, _, rest = module.partition(".")
        target = self._module_alias(top)
        if target is None or live.top_exists(top):
            return False
        new_module = target + (f".{rest}" if rest else "")
        status, mod = live.module_status(new_module)
        if status == live.MISSING:
            return False
        if status == live.OK and not all(
            a.name == "*" or live.has_attr(mod, new_module, a.name) for a in node.names
        ):
            return False
        text = node_text(self.cell, node) or ""
        edit = node_edit(self.cell, node, text.replace(module, new_module, 1))
        if edit is None or text.count(module) != 1:
            return False
        for a in node.names:
            if a.name != "*":
                self.bindings[a.asname or a.name] = f"{new_module}.{a.name}"
        self.problems.append(
            _from_entry(
                "import-tf-alias", node.lineno, [edit], [top, module], alias=top, module=target
            )
        )
        return True

    def _import_from(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if self._alias_import_from(node, module) or self._not_installed(node, module):
            return
        status, mod = live.module_status(module)
        forced = moved_module(module, forced_only=True)
        if status == live.UNKNOWN and not forced:
            return
        keep: list[str] = []
        moved: dict[str, list[str]] = {}
        reasons: list[tuple[str, str, str, str]] = []  # entry id, old path, new path, name
        unresolved: list[str] = []
        for alias in node.names:
            name, asname = alias.name, alias.asname
            text = name + (f" as {asname}" if asname else "")
            ok = (
                status == live.OK
                and (name == "*" or live.has_attr(mod, module, name))
                and not forced
            )
            if ok:
                keep.append(text)
                continue
            if name == "*":
                target = forced or moved_module(module)
                if target and live.module_status(target[0])[0] == live.OK:
                    moved.setdefault(target[0], []).append("*")
                    reasons.append((target[1], module, target[0], "*"))
                else:
                    unresolved.append(name)
                    keep.append(text)
                continue
            found = self._locate(module, name)
            if found is None:
                sub = self._module_as_name(module, name)
                if sub is not None:
                    found = sub
            if found is None:
                unresolved.append(name)
                keep.append(text)
                continue
            new_mod, new_name, entry_id = found
            bind = asname or name
            if new_name != name and not asname:
                if name in self.user_bound or new_name in self.bindings:
                    text = f"{new_name} as {name}"
                else:
                    text = new_name
                    self.renamed_names[name] = new_name
            else:
                text = new_name + (f" as {bind}" if new_name != bind or asname else "")
            moved.setdefault(new_mod, []).append(text)
            self.bindings[self.renamed_names.get(bind, bind)] = f"{new_mod}.{new_name}"
            reasons.append((entry_id, f"{module}.{name}", f"{new_mod}.{new_name}", name))
        if not moved:
            target = moved_module(module)
            if unresolved and status == live.MISSING and target:
                problem = _from_entry(
                    target[1], node.lineno, [], [module, *unresolved], old=module, new=target[0]
                )
                problem.certain = False
                self.problems.append(problem)
            elif unresolved and status == live.MISSING:
                self.problems.append(
                    Problem(
                        id="unresolved-import",
                        line=node.lineno,
                        title=f"`{module}` cannot be imported here and no public home of "
                        + ", ".join(f"`{n}`" for n in unresolved)
                        + " was found",
                        cause="The installed packages have no public module or name matching it.",
                        names=[module, *unresolved],
                        certain=False,
                    )
                )
            return
        certain = not unresolved
        indent = " " * node.col_offset
        statements = []
        if keep:
            statements.append(f"from {module} import {', '.join(keep)}")
        for target, names in moved.items():
            if names == ["*"]:
                statements.append(f"from {target} import *")
            else:
                statements.append(f"from {target} import {', '.join(names)}")
        edit = node_edit(self.cell, node, ("\n" + indent).join(statements))
        if edit is None:
            return
        entry_id, old, new, name = reasons[0]
        if entry_id in ("moved-name", "name-typo"):
            title = f"`{name}` is not in `{module}` here; it is `{new}`"
            cause = (
                f"`{old}` does not exist in the installed packages; the live API has `{new}`."
                if entry_id == "moved-name"
                else f"`{module}` has no `{name}`; the closest public name there is `{new}`."
            )
            problem = Problem(
                id=entry_id,
                line=node.lineno,
                title=title,
                cause=cause,
                fix=f"Import `{new.rsplit('.', 1)[1]}` from `{new.rsplit('.', 1)[0]}`.",
                edits=[edit],
                names=[module, name],
            )
        elif entry_id == "renamed-name":
            why = next(
                (e.data.get("why", {}) for e in _rules("name-rename") if e.id == entry_id), {}
            )
            problem = _from_entry(
                entry_id,
                node.lineno,
                [edit],
                [module, name],
                old=name,
                new=new.rsplit(".", 1)[1],
                why=why.get(name, "it was renamed."),
            )
        elif moved_module(old) is not None and live.module_status(module)[0] == live.OK:
            problem = _from_entry(entry_id, node.lineno, [edit], [module, name], old=old, new=new)
        else:
            problem = _from_entry(
                entry_id,
                node.lineno,
                [edit],
                [module, name],
                old=module,
                new=new.rsplit(".", 1)[0],
                name=name,
            )
        problem.certain = certain
        self.problems.append(problem)

    def _module_as_name(self, module: str, name: str) -> tuple[str, str, str] | None:
        """``from keras.layers.experimental import preprocessing`` → ``from keras import layers
        as preprocessing``: a moved module imported as a name."""
        moved = moved_module(f"{module}.{name}")
        if not moved:
            return None
        parent, _, last = moved[0].rpartition(".")
        status, obj = live.module_status(parent)
        if status == live.OK and live.has_attr(obj, parent, last):
            return parent, last, moved[1]
        return None

    # -- attribute chains on Keras modules -------------------------------------------------
    def _chains(self) -> list[tuple[ast.Attribute, list[str]]]:
        assert self.tree is not None
        inner = {id(n.value) for n in ast.walk(self.tree) if isinstance(n, ast.Attribute)}
        chains = []
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Attribute) or id(node) in inner:
                continue
            parts: list[str] = []
            cur: ast.AST = node
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name):
                parts.append(cur.id)
                chains.append((node, list(reversed(parts))))
        return chains

    def _attribute_chains(self) -> None:
        for node, parts in self._chains():
            base = parts[0]
            bound = self.bindings.get(base)
            if bound is None or bound.split(".")[0] not in live.KERAS_TOPS:
                continue
            if bound.split(".")[0] not in sys.modules:
                continue
            status, obj = live.resolve_path(bound)
            if status != live.OK:
                continue
            path = bound
            for i, attr in enumerate(parts[1:], start=1):
                if not (live.is_keras_object(obj) and _is_namespace(obj)):
                    break
                if live.has_attr(obj, path, attr) and not moved_module(
                    f"{path}.{attr}", forced_only=True
                ):
                    obj = getattr(obj, attr, None) or live.resolve_path(f"{path}.{attr}")[1]
                    path = f"{path}.{attr}"
                    continue
                self._fix_chain(node, parts, i, path)
                break

    def _fix_chain(self, node: ast.Attribute, parts: list[str], i: int, path: str) -> None:
        """``parts[i]`` is missing on the live ``path``: find where the chain's target lives."""
        bound = self.bindings[parts[0]]
        full = ".".join([bound, *parts[1:]])
        last = parts[-1]
        new_path: str | None = None
        entry_id = "moved-name"
        moved = moved_module(".".join([bound, *parts[1:-1]])) if len(parts) > 2 else None
        if moved and live.resolve_path(f"{moved[0]}.{last}")[0] == live.OK:
            new_path, entry_id = f"{moved[0]}.{last}", moved[1]
        if new_path is None:
            rename = renamed(last)
            if rename and i == len(parts) - 1:
                candidate = f"{path}.{rename[0]}"
                if live.resolve_path(candidate)[0] == live.OK:
                    new_path, entry_id = candidate, rename[1]
        in_keras = root_of(".".join([bound, *parts[1:i]])) is not None
        if new_path is None and in_keras:
            for symbol in api_index.find_public_symbol(
                last, roots=self.preferred_roots(bound), near=full
            ):
                if live.resolve_path(symbol.path)[0] == live.OK:
                    new_path = symbol.path
                    break
        if new_path is None and i == len(parts) - 1:
            status, obj = live.resolve_path(path)
            if status == live.OK:
                names = api_index.module_public_names(path) or {}
                for close in api_index.fuzzy_names(last, module=path) if names else []:
                    if live.has_attr(obj, path, close):
                        new_path, entry_id = f"{path}.{close}", "name-typo"
                        break
        if new_path is None:
            return
        expr = self.expr_for(new_path, prefer=parts[0])
        extra: list[Edit] = []
        if expr is None:  # nothing in the cell reaches it: import the name itself
            module, _, name = new_path.rpartition(".")
            if name in self.user_bound or self.bindings.get(name, new_path) != new_path:
                return
            at = insertion_line(self.cell)
            extra.append(Edit(at, 0, at, 0, f"from {module} import {name}\n"))
            expr = name
        edit = node_edit(self.cell, node, expr)
        if edit is None:
            return
        old = ".".join(parts)
        if entry_id in ("moved-name", "name-typo"):
            problem = Problem(
                id=entry_id,
                line=node.lineno,
                title=f"`{old}` does not exist here; it is `{expr}`",
                cause=f"`{full}` is not in the installed API; the live public API has `{new_path}`.",
                fix=f"Use `{expr}`.",
                edits=[edit],
                names=[parts[i], last, full],
            )
        elif entry_id == "renamed-name":
            why = next((e.data.get("why", {}) for e in _rules("name-rename")), {})
            problem = _from_entry(
                entry_id,
                node.lineno,
                [edit],
                [parts[i], last],
                old=last,
                new=new_path.rsplit(".", 1)[1],
                why=why.get(last, "it was renamed."),
            )
        else:
            problem = _from_entry(
                entry_id, node.lineno, [edit], [parts[i], last], old=old, new=expr
            )
        problem.edits.extend(extra)
        self.problems.append(problem)
        self.new_paths[str(id(node))] = new_path

    def _renamed_usages(self) -> None:
        """Names renamed by an import fix (``adam`` → ``Adam``): rename their uses too."""
        if not self.renamed_names:
            return
        assert self.tree is not None
        edits = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and node.id in self.renamed_names:
                edit = node_edit(self.cell, node, self.renamed_names[node.id])
                if edit is not None:
                    edits.append(edit)
        if edits:
            for problem in self.problems:
                if any(n in self.renamed_names for n in problem.names):
                    problem.edits.extend(edits)
                    break

    # -- methods, calls -------------------------------------------------------------------
    def _cell_roots(self) -> list[str]:
        """The Keras roots the cell's own imports use (else every available one)."""
        assert self.tree is not None
        used: list[str] = []
        for node in ast.walk(self.tree):
            paths: list[str] = []
            if isinstance(node, ast.Import):
                paths = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                paths = [f"{node.module}.{a.name}" for a in node.names]
            for path in paths:
                root = root_of(path) or ("tensorflow.keras" if path == "tensorflow" else None)
                if root and root not in used:
                    used.append(root)
        available = self.preferred_roots()
        return [r for r in used if r in available] or available

    def _model_classes(self) -> list[Any]:
        classes = []
        for root in self._cell_roots():
            status, model = live.resolve_path(f"{root}.Model")
            if status == live.OK and isinstance(model, type):
                classes.append(model)
        return classes

    def _method_renames(self) -> None:
        assert self.tree is not None
        models = None
        parents = {id(c.func): c for c in ast.walk(self.tree) if isinstance(c, ast.Call)}
        for entry in _rules("method-rename"):
            renames = entry.data.get("renames", {})
            for node in ast.walk(self.tree):
                if not isinstance(node, ast.Attribute) or node.attr not in renames:
                    continue
                if models is None:
                    models = self._model_classes()
                new = renames[node.attr]
                if not models or any(hasattr(m, node.attr) for m in models):
                    continue
                if not all(hasattr(m, new) for m in models):
                    continue
                value = node_text(self.cell, node.value)
                edit = node_edit(self.cell, node, f"{value}.{new}") if value else None
                if edit is None:
                    continue
                edits = [edit]
                certain = True
                call = parents.get(id(node))
                if call is not None:
                    params = live.parameters(getattr(models[0], new))
                    if len(call.args) > 1:
                        certain = False
                    if params is not None and not params[1]:
                        for kw in call.keywords:
                            if kw.arg and kw.arg not in params[0]:
                                renamed_kw = entry.data.get("keywords", {}).get(kw.arg)
                                if renamed_kw not in params[0]:  # the data keyword (`generator=`)
                                    renamed_kw = self._keyword_rename(kw.arg, params[0])
                                if renamed_kw:
                                    e = self._rename_keyword_edit(kw, renamed_kw)
                                else:
                                    e = delete_keyword_edit(self.cell, call, kw)
                                if e is not None:
                                    edits.append(e)
                problem = _from_entry(
                    entry.id, node.lineno, edits, [node.attr], old=node.attr, new=new
                )
                problem.certain = certain
                self.problems.append(problem)

    def _keyword_rename(self, old: str, accepted: set[str]) -> str | None:
        for entry in _rules("keyword-rename"):
            new = entry.data.get("renames", {}).get(old)
            if new and new in accepted:
                return new
        return None

    def _rename_keyword_edit(self, kw: ast.keyword, new: str) -> Edit | None:
        edit = node_edit(self.cell, kw, "")
        if edit is None or kw.arg is None:
            return None
        return Edit(edit.line, edit.col, edit.line, edit.col + len(kw.arg), new)

    def _callee(self, func: ast.AST) -> tuple[Any, str] | None:
        """The live object a call's function expression names, and its path."""
        new = self.new_paths.get(str(id(func)))
        if new:
            status, obj = live.resolve_path(new)
            return (obj, new) if status == live.OK else None
        if isinstance(func, ast.Name):
            name = self.renamed_names.get(func.id, func.id)
            path = self.bindings.get(name)
            value = self.namespace.get(name)
            if path is None and name not in self.user_bound and isinstance(value, type):
                # a Keras class imported by an earlier cell (`from … import SGD`)
                return (value, name) if live.is_keras_object(value) else None
        elif isinstance(func, ast.Attribute):
            parts: list[str] = []
            cur: ast.AST = func
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if not isinstance(cur, ast.Name) or cur.id not in self.bindings:
                return None
            path = ".".join([self.bindings[cur.id], *reversed(parts)])
        else:
            return None
        if not path or path.split(".")[0] not in sys.modules:
            return None
        status, obj = live.resolve_path(path)
        return (obj, path) if status == live.OK else None

    def _calls(self) -> None:
        assert self.tree is not None
        for call in ast.walk(self.tree):
            if not isinstance(call, ast.Call) or not call.keywords:
                continue
            if isinstance(call.func, ast.Attribute) and call.func.attr == "compile":
                self._identifier_strings(call)
            callee = self._callee(call.func)
            if callee is None:
                self._model_method_keywords(call)
                continue
            if not live.is_keras_object(callee[0]):
                continue
            obj, path = callee
            params = live.parameters(obj)
            if params is None:
                continue
            accepted, _var_kw = params
            optimizer = live.is_optimizer_class(obj)
            given = {kw.arg for kw in call.keywords if kw.arg}
            removable = {k for e in _rules("keyword-remove") for k in e.data.get("keywords", [])}
            # removals first: a decay schedule rewrites the learning-rate keyword itself
            for kw in sorted(call.keywords, key=lambda k: k.arg not in removable):
                if not kw.arg or kw.arg in accepted:
                    continue
                self._keyword_problem(call, kw, obj, path, accepted, given, optimizer)

    def _model_method_keywords(self, call: ast.Call) -> None:
        """``model.fit(nb_epoch=…)`` on an object the cell builds: renamed keywords of the live
        ``Model`` method, when no Keras here accepts the old one."""
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr.startswith("_"):
            return
        if not any(p.split(".")[0] in live.KERAS_TOPS for p in self.bindings.values()):
            return
        models = self._model_classes()
        methods = [getattr(m, func.attr, None) for m in models]
        if not methods or not all(callable(m) for m in methods):
            return
        signatures = [live.parameters(m) for m in methods]
        if any(sig is None or sig[1] for sig in signatures):
            return
        accepted = set.intersection(*(sig[0] for sig in signatures if sig))
        rejected = set.union(*(sig[0] for sig in signatures if sig))
        given = {kw.arg for kw in call.keywords if kw.arg}
        for kw in call.keywords:
            if not kw.arg or kw.arg in rejected:
                continue
            new = self._keyword_rename(kw.arg, accepted)
            if new is None:
                continue
            self._keyword_problem(
                call, kw, methods[0], f"Model.{func.attr}", accepted, given, False
            )

    def _keyword_problem(self, call, kw, obj, path, accepted, given, optimizer) -> None:
        name = path.rsplit(".", 1)[-1]
        for entry in _rules("keyword-rename"):
            new = entry.data.get("renames", {}).get(kw.arg)
            kind = entry.data.get("callables")
            if not new:
                continue
            if kind == "model":  # Model(**kwargs) hides its arguments from the signature
                if not _is_model_class(obj) or kw.arg in accepted:
                    continue
            elif new not in accepted:
                continue
            if kind == "optimizer" and not optimizer:
                continue
            values = entry.data.get("values", {}).get(kw.arg)
            edits: list[Edit | None] = []
            certain = True
            if new in given:
                edits.append(delete_keyword_edit(self.cell, call, kw))
            else:
                edits.append(self._rename_keyword_edit(kw, new))
                if values:  # the old spelling's values changed too ('th' -> 'channels_first')
                    value = kw.value
                    if isinstance(value, ast.Constant) and value.value in values:
                        text = quoted_like(node_text(self.cell, value), values[value.value])
                        edits.append(node_edit(self.cell, value, text))
                    elif not (isinstance(value, ast.Constant) and value.value in values.values()):
                        certain = False  # a value we cannot translate
            if any(e is None for e in edits):
                return
            problem = _from_entry(
                entry.id,
                kw.lineno,
                [e for e in edits if e is not None],
                [kw.arg, name],
                old=kw.arg,
                new=new,
                callable=f"`{name}`",
            )
            problem.certain = certain
            self.problems.append(problem)
            return
        for entry in _rules("keyword-remove"):
            if kw.arg not in entry.data.get("keywords", []):
                continue
            if entry.data.get("callables") == "optimizer" and not optimizer:
                continue
            edits = self._decay_edits(call, kw, path, entry)
            if edits:
                self.problems.append(
                    _from_entry(entry.id, kw.lineno, edits, [kw.arg, name], old=kw.arg)
                )
            return

    def _decay_edits(self, call: ast.Call, kw: ast.keyword, path: str, entry: Entry) -> list[Edit]:
        """``decay=d`` → ``learning_rate=<root>.optimizers.schedules.InverseTimeDecay(lr, 1, d)``
        when the cell can name the schedule; else drop ``decay`` (it is ignored or rejected)."""
        root = root_of(path)
        schedule = entry.data.get("schedule")
        expr = None
        if root and schedule and live.resolve_path(f"{root}.{schedule}")[0] == live.OK:
            expr = self.expr_for(f"{root}.{schedule}")
        lr_kw = next((k for k in call.keywords if k.arg in ("learning_rate", "lr")), None)
        decay_text = node_text(self.cell, kw.value)
        removal = delete_keyword_edit(self.cell, call, kw)
        if removal is None:
            return []
        if expr is None or decay_text is None:
            return [removal]
        if lr_kw is not None:
            lr_text = node_text(self.cell, lr_kw.value)
            lr_edit = node_edit(self.cell, lr_kw, "")
            if lr_text is None or lr_edit is None:
                return [removal]
            new = f"learning_rate={expr}({lr_text}, decay_steps=1, decay_rate={decay_text})"
            return [
                Edit(lr_edit.line, lr_edit.col, lr_edit.end_line, lr_edit.end_col, new),
                removal,
            ]
        if call.args:
            first = call.args[0]
            lr_text = node_text(self.cell, first)
            e = node_edit(self.cell, first, "")
            if lr_text is None or e is None:
                return [removal]
            new = f"{expr}({lr_text}, decay_steps=1, decay_rate={decay_text})"
            return [Edit(e.line, e.col, e.end_line, e.end_col, new), removal]
        kw_edit = node_edit(self.cell, kw, "")
        if kw_edit is None:
            return [removal]
        status, cls = live.resolve_path(path)
        default = None
        params = live.parameters(cls) if status == live.OK else None
        try:
            import inspect

            default = inspect.signature(cls).parameters["learning_rate"].default
        except Exception:
            default = None
        if not isinstance(default, (int, float)) or params is None:
            return [removal]
        new = f"learning_rate={expr}({default!r}, decay_steps=1, decay_rate={decay_text})"
        return [Edit(kw_edit.line, kw_edit.col, kw_edit.end_line, kw_edit.end_col, new)]

    IDENTIFIER_MODULES = {"optimizer": "optimizers", "loss": "losses"}

    def _identifier_strings(self, call: ast.Call) -> None:
        """``compile(optimizer='adm', loss='mse_')``: a string the live ``<module>.get``
        rejects, replaced by the closest name it accepts."""
        for kw in call.keywords:
            module_name = self.IDENTIFIER_MODULES.get(kw.arg or "")
            value = kw.value
            if module_name is None:
                continue
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                continue
            for root in self._cell_roots():
                status, module = live.resolve_path(f"{root}.{module_name}")
                if status != live.OK or not hasattr(module, "get"):
                    continue
                if _accepts(module.get, value.value):
                    break
                public = api_index.module_public_names(f"{root}.{module_name}")
                names = {n.lower() for n, kind in public.items() if kind == "class"}
                names |= {n for n, kind in public.items() if kind == "function" and n.islower()}
                names.discard("get")
                for close in api_index.closest(value.value.lower(), sorted(names), n=3):
                    if not _accepts(module.get, close):
                        continue
                    edit = node_edit(
                        self.cell, value, quoted_like(node_text(self.cell, value), close)
                    )
                    if edit is not None:
                        self.problems.append(
                            _from_entry(
                                "optimizer-string-typo",
                                value.lineno,
                                [edit],
                                [value.value],
                                old=value.value,
                                new=close,
                                what=kw.arg or "",
                                module=module_name,
                            )
                        )
                    break
                break

    def _removed_calls(self) -> None:
        assert self.tree is not None
        for entry in _rules("call-remove"):
            functions = set(entry.data.get("functions", []))
            for stmt in ast.walk(self.tree):
                if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
                    continue
                func = stmt.value.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name not in functions:
                    continue
                if self._callee(func) is not None:
                    continue  # it exists here
                if not self._refers_to_keras(func):
                    continue
                edit = _statement_removal(self.cell, stmt, self.tree)
                if edit is not None:
                    self.problems.append(
                        _from_entry(entry.id, stmt.lineno, [edit], [name], old=name)
                    )

    def _refers_to_keras(self, func: ast.AST) -> bool:
        cur = func
        while isinstance(cur, ast.Attribute):
            cur = cur.value
        if isinstance(cur, ast.Name):
            bound = self.bindings.get(cur.id, "")
            return bound.split(".")[0] in live.KERAS_TOPS
        return False


def _same_keras(a: str, b: str) -> bool:
    """Do two namespace roots serve the same Keras package here (same ``Model`` class)?"""
    first, second = live.resolve_path(f"{a}.Model"), live.resolve_path(f"{b}.Model")
    return first[0] == second[0] == live.OK and first[1] is second[1]


def _is_model_class(obj: Any) -> bool:
    if not isinstance(obj, type):
        return False
    try:
        return any(c.__name__ in ("Model", "Functional") for c in obj.__mro__)
    except Exception:
        return False


def _accepts(get: Any, name: str) -> bool:
    try:
        get(name)
        return True
    except Exception:
        return False


def _is_namespace(obj: Any) -> bool:
    import types

    return isinstance(obj, types.ModuleType) or type(obj).__name__ == "KerasLazyLoader"


def _module_path(value: Any) -> str | None:
    """The public dotted path of a module bound in the user's namespace (Keras families only)."""
    import types

    tf = sys.modules.get("tensorflow")
    if tf is not None and value is tf.__dict__.get("keras"):
        return "tensorflow.keras"
    if isinstance(value, types.ModuleType):
        name = getattr(value, "__name__", "")
        if isinstance(name, str) and name.split(".")[0] in live.KERAS_TOPS:
            if ".src" in name or "._tf_keras" in name or ".api." in name:
                return None
            return name
    return None


def _statement_removal(cell: ParsedCell, stmt: ast.stmt, tree: ast.Module) -> Edit | None:
    """Remove a whole-line statement, or replace it by ``pass`` when it is a block's only one."""
    siblings = None
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and stmt in block:
                siblings = block
    edit = node_edit(cell, stmt, "")
    if edit is None:
        return None
    lines = cell.source.splitlines(keepends=True)
    line_text = lines[edit.line - 1]
    whole = line_text[: edit.col].strip() == "" and lines[edit.end_line - 1][
        edit.end_col :
    ].strip() in ("", ";")
    if siblings is not None and len(siblings) == 1:
        return Edit(edit.line, edit.col, edit.end_line, edit.end_col, "pass")
    if whole:
        return (
            Edit(edit.line, 0, edit.end_line + 1, 0, "")
            if edit.end_line < len(lines)
            else Edit(edit.line, 0, edit.end_line, len(lines[edit.end_line - 1]), "")
        )
    return Edit(edit.line, edit.col, edit.end_line, edit.end_col, "pass")


def analyze(cell: ParsedCell, namespace: dict | None = None) -> list[Problem]:
    """Every static problem of ``cell`` provable here (never raises on odd sources)."""
    try:
        return Analyzer(cell, namespace).run()
    except (RecursionError, MemoryError):
        return []


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
