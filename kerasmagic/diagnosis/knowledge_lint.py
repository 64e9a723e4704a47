"""The static gate's rules: old TF/Keras code found from generated knowledge only — the Keras 2 →
3 map (``keras2to3.json``, dumped from real installs) and the catalogue's data — for a named
target, without importing TensorFlow or Keras (``migrate --target``, ``--diff``).

Each finding names a catalogue entry; a rewrite is offered only where the data proves it (a name
public elsewhere, a keyword renamed, a method renamed) and changes nothing else; a removed
keyword, or an op whose defaults changed, is reported without one. The engine's rules that read
live objects (signatures, Keras's own tables, values) do not run here: ``SKIPPED`` counts them for
the report.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kerasmagic.diagnosis.knowledge_names import (
    Positions,
    Span,
    bindings,
    chain,
    dotted,
    keras_form,
    spelled,
)
from kerasmagic.knowledge import catalogue, keras_map
from kerasmagic.knowledge.known_targets import KnownTarget

MAP_RULES = {
    "moved": "keras3-generated-map",
    "removed": "keras3-generated-map",
    "alias": "keras3-removed-alias",
    "ops": "keras3-backend-ops",
}
KEYWORD_RULE = "keras3-removed-keyword"
# module moves of the catalogue the gate applies: each old module is one the generated map knows
# is gone (``moved-module``'s older paths, np_utils and the like, are not in the map: a path it
# omits may be unchanged, so that entry is left to the live rules)
MODULE_MOVES = ("legacy-optimizers-keras3",)
KEYWORD_RENAMES = {
    "optimizer-lr-renamed": "keras.optimizers.",
    "model-inputs-outputs": "keras.Model",
}
METHOD_RENAME = "generator-methods-removed"
POSITIONAL = "fit-generator-positional"


@dataclass(frozen=True)
class Edit:
    """Replace ``span`` of a cell with ``text``."""

    span: Span
    text: str


@dataclass(frozen=True)
class GateFinding:
    """One problem in one cell: where, which catalogue entry, what, and the rewrite if certain."""

    cell: int
    line: int
    col: int  # 1-based, for display
    rule: str
    message: str
    edits: tuple[Edit, ...] = ()


class _Cell:
    """One cell's tree, text positions and the findings made in it."""

    def __init__(self, index: int, tree: ast.AST, source: str) -> None:
        self.index, self.tree, self.pos = index, tree, Positions(source)
        self.nodes = list(ast.walk(tree))  # walked once, read by every rule
        self.found: list[GateFinding] = []

    def add(self, node: ast.AST, rule: str, message: str, edits: tuple[Edit, ...] = ()) -> None:
        span = self.pos.span(node)
        self.found.append(GateFinding(self.index, span.line, span.col + 1, rule, message, edits))


class KnowledgeLint:
    """The rules for one target, over the parsed cells of one document."""

    def __init__(self, target: KnownTarget) -> None:
        self.target = target
        versions = target.versions()
        self.entries = {e.id: e for e in catalogue.load_catalogue() if e.applies_to(versions)}
        self.use_map = target.major >= 3
        moves = [
            (f"keras.{old}", f"keras.{new}", entry_id)
            for entry_id in MODULE_MOVES
            if entry_id in self.entries
            for old, new in self.entries[entry_id].data.get("moves", {}).items()
        ]
        self.moves = sorted(moves, key=lambda m: -len(m[0]))  # the longest old module first

    def check(self, trees: list[tuple[int, ast.AST, str]]) -> list[GateFinding]:
        """Findings of every cell ``(index, tree, source)``; a document's imports bind names for
        all its cells."""
        cells = [_Cell(index, tree, source) for index, tree, source in trees]
        names = bindings([cell.nodes for cell in cells])
        found: list[GateFinding] = []
        uses_keras = bool(names)
        for cell in cells:
            self._imports(cell, names)
            self._chains(cell, names)
            self._calls(cell, names, uses_keras)
            found.extend(cell.found)
        return sorted(found, key=lambda f: (f.cell, f.line, f.col, f.rule))

    # names: imports and attribute chains

    def home(self, path: str) -> tuple[str, str | None, str] | None:
        """``(kind, new keras path or None, rule)`` when ``path`` (any Keras spelling) is gone
        from the target; None when it is there or the knowledge does not say."""
        key = keras_form(path)
        if key is None:
            return None
        found = keras_map.where_in_keras3(key) if self.use_map else None
        if found is not None and found.tf_keras and not path.startswith("keras."):
            return None  # tf.keras over Keras 3 still has it
        for old, new, entry_id in self.moves:
            if key == old or key.startswith(old + "."):
                moved = new + key[len(old) :]
                known = keras_map.where_in_keras3(moved) if self.use_map else None
                if known is None or known.kind == "same":
                    return "moved", moved, entry_id
        if not self.use_map:
            return None
        if found is None or found.kind == "same":
            return None
        entry = MAP_RULES[found.kind]
        if entry not in self.entries:
            return None
        return found.kind, found.target, entry

    def _message(self, old: str, kind: str, new: str | None) -> str:
        keras = self.target.keras
        if kind == "removed" or new is None:
            return f"`{old}` does not exist in Keras {keras}"
        if kind == "ops":
            return f"`{old}` does not exist in Keras {keras}; `{new}` computes it"
        return f"`{old}` is not in Keras {keras}; it is `{new}`"

    def _imports(self, cell: _Cell, names: dict[str, str]) -> None:
        for node in cell.nodes:
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                self._import_from(cell, node, names)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    gone = self.home(alias.name)
                    if gone:
                        cell.add(node, gone[2], self._message(alias.name, gone[0], gone[1]))

    def _import_from(self, cell: _Cell, node: ast.ImportFrom, names: dict[str, str]) -> None:
        module = node.module or ""
        moved: list[tuple[ast.alias, str, str | None, str]] = []
        for alias in node.names:
            gone = self.home(f"{module}.{alias.name}") if alias.name != "*" else None
            if gone:
                moved.append((alias, *gone))
        if not moved:
            return
        kept = len(moved) == len(node.names)
        homes = {new.rpartition(".")[0] for _, kind, new, _ in moved if new and kind != "ops"}
        span = cell.pos.span(node)
        text = cell.pos.text(span)
        edits: tuple[Edit, ...] = ()
        if kept and len(homes) == 1 and all(new for _, _, new, _ in moved) and "#" not in text:
            root = module[: len(module) - len(keras_form(module) or module) + len("keras")]
            new_module = root + next(iter(homes))[len("keras") :]
            parts = []
            for alias, _, new, _ in moved:
                leaf = (new or "").rpartition(".")[2]
                local = alias.asname or alias.name
                parts.append(leaf if leaf == local else f"{leaf} as {local}")
            edits = (Edit(span, f"from {new_module} import {', '.join(parts)}"),)
        for alias, kind, new, rule in moved:
            old = f"{module}.{alias.name}"
            cell.add(node, rule, self._message(old, kind, new), edits)
            edits = ()  # one rewrite of the statement, carried by its first finding

    def _chains(self, cell: _Cell, names: dict[str, str]) -> None:
        inner: set[int] = set()
        for node in cell.nodes:
            if isinstance(node, ast.Attribute):
                inner.add(id(node.value))
        for node in cell.nodes:
            if not isinstance(node, ast.Attribute) or id(node) in inner:
                continue
            parts = chain(node)
            if parts is None or len(parts) < 2:
                continue
            for end in range(len(parts), 1, -1):
                path = dotted(parts[:end], names)
                gone = self.home(path) if path else None
                if not gone or not path:
                    continue
                kind, new, rule = gone
                cell.add(parts[end - 1], rule, self._message(path, kind, new), self._rename(cell, parts[end - 1], path, kind, new, names))  # fmt: skip
                break

    def _rename(
        self, cell: _Cell, node: ast.AST, path: str, kind: str, new: str | None,
        names: dict[str, str],
    ) -> tuple[Edit, ...]:  # fmt: skip
        if new is None:
            return ()
        if kind == "ops":  # only an op with the same keywords, defaults and positions
            changes = keras_map.keyword_changes(path)
            renames_only = set(changes) <= {"kw"} and all(changes.get("kw", {}).values())
            if not renames_only or not path.startswith("keras."):
                return ()
        text = spelled(new, path, names)
        return (Edit(cell.pos.span(node), text),) if text else ()

    # calls: keywords and methods

    def _calls(self, cell: _Cell, names: dict[str, str], uses_keras: bool) -> None:
        for node in cell.nodes:
            if not isinstance(node, ast.Call):
                continue
            parts = chain(node.func) if isinstance(node.func, (ast.Name, ast.Attribute)) else None
            path = dotted(parts, names) if parts else None
            if path:
                self._keywords(cell, node, path, names)
            elif uses_keras and isinstance(node.func, ast.Attribute):
                self._method(cell, node)

    def _keywords(self, cell: _Cell, node: ast.Call, path: str, names: dict[str, str]) -> None:
        key = keras_form(path)
        if key is None:
            return
        gone = self.home(path)
        if gone and not self._rename(cell, node.func, path, gone[0], gone[1], names):
            return  # the name's own finding stands for the call
        renames: dict[str, tuple[str, str]] = {}  # keyword: (new keyword, catalogue entry)
        for entry_id, prefix in KEYWORD_RENAMES.items():
            entry = self.entries.get(entry_id)
            owner = key.startswith(prefix) or key in (prefix, f"keras.models.{prefix[6:]}")
            if entry and owner and "schedules" not in key:
                renames.update((k, (v, entry_id)) for k, v in entry.data["renames"].items())
        facts = keras_map.keyword_changes(key) if self.use_map else {}
        changes, read = facts.get("kw", {}), set(facts.get("read", ()))
        short = key.rpartition(".")[2]
        droppable = self._no_effect("layers") | set(self._removal_data().get("classes", {}).get(short, ()))  # fmt: skip
        for kw in node.keywords:
            message = f"`{short}` takes no `{kw.arg}` in Keras {self.target.keras}"
            if kw.arg in renames or (kw.arg in changes and changes[kw.arg]):
                new, rule = renames.get(kw.arg) or (changes[kw.arg], KEYWORD_RULE)
                span = cell.pos.span(kw)
                edit = Edit(Span(span.line, span.col, span.line, span.col + len(kw.arg or "")), new)
                cell.add(kw, rule, f"{message}; it is `{new}`", (edit,))
            elif kw.arg in changes and KEYWORD_RULE in self.entries:
                if kw.arg in droppable:
                    cell.add(kw, KEYWORD_RULE, f"{message} (it had no effect)", _drop(cell, node, kw))  # fmt: skip
                elif kw.arg in read:
                    cell.add(kw, KEYWORD_RULE, f"{message} (its code reads it only to warn or convert)")  # fmt: skip

    def _removal_data(self) -> Mapping[str, Any]:
        entry = self.entries.get(KEYWORD_RULE)
        return entry.data if entry else {}

    def _no_effect(self, kind: str) -> set[str]:
        """Keywords the catalogue lists as removed with no effect (``layers``, ``methods``)."""
        return set(self._removal_data().get(kind, ()))

    def _method(self, cell: _Cell, node: ast.Call) -> None:
        entry = self.entries.get(METHOD_RENAME)
        func = node.func
        if entry is None or not isinstance(func, ast.Attribute):
            return
        new = entry.data.get("renames", {}).get(func.attr)
        if new is None:
            return
        message = (
            f"`{func.attr}` was removed in Keras {self.target.keras}; `{new}` takes generators"
        )
        removed = set(keras_map.removed_keywords(f"keras.Model.{new}")) if self.use_map else set()
        no_effect = removed & self._no_effect("methods")
        if len(node.args) > 1 or any(k.arg in removed - no_effect for k in node.keywords):
            rule = (
                POSITIONAL if len(node.args) > 1 and POSITIONAL in self.entries else METHOD_RENAME
            )
            cell.add(func, rule, message + " (arguments differ: no rewrite)")
            return
        span = cell.pos.span(func)
        name_col = span.end_col - len(func.attr)
        edits = [Edit(Span(span.end_line, name_col, span.end_line, span.end_col), new)]
        for kw, renamed in _keyword_edits(cell, node, entry.data.get("keywords", {})):
            edits.append(Edit(kw, renamed))
        for kw in node.keywords:
            if kw.arg in no_effect:
                edits.extend(_drop(cell, node, kw))
        cell.add(func, METHOD_RENAME, message, tuple(edits))


def _drop(cell: _Cell, call: ast.Call, kw: ast.keyword) -> tuple[Edit, ...]:
    """The edit that removes ``kw`` from ``call`` with its comma."""
    items = sorted([*call.args, *call.keywords], key=lambda n: (n.lineno, n.col_offset))
    at = next(i for i, n in enumerate(items) if n is kw)
    span = cell.pos.span(kw)
    if at > 0:
        before = cell.pos.span(items[at - 1])
        return (Edit(Span(before.end_line, before.end_col, span.end_line, span.end_col), ""),)
    if at + 1 < len(items):
        after = cell.pos.span(items[at + 1])
        return (Edit(Span(span.line, span.col, after.line, after.col), ""),)
    return (Edit(span, ""),)


def _keyword_edits(
    cell: _Cell, node: ast.Call, renames: Mapping[str, Any]
) -> Iterator[tuple[Span, str]]:
    for kw in node.keywords:
        if kw.arg in renames:
            span = cell.pos.span(kw)
            yield Span(span.line, span.col, span.line, span.col + len(kw.arg)), renames[kw.arg]
