"""The live index of public Keras / TensorFlow-Keras names: where does ``X`` live in THIS install?

Built by walking the public API modules of the Keras namespaces importable here (``keras``,
``tensorflow.keras``, ``tf_keras``), never private ones (``keras.src``, ``tensorflow.python``,
names starting with ``_``). Built lazily per namespace and cached in memory; a namespace whose
package is not imported yet is only walked when the caller allows importing it.
"""

from __future__ import annotations

import difflib
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

ROOTS = ("keras", "tensorflow.keras", "tf_keras")
PRIVATE_PARTS = ("src", "api", "python", "protobuf", "dtensor", "internal", "tools", "estimator")
MAX_DEPTH = 4


@dataclass(frozen=True)
class PublicSymbol:
    """A public name: ``module`` is the dotted public module path, ``name`` the attribute."""

    module: str
    name: str
    kind: str  # "class", "function", "module" or "other"

    @property
    def path(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass
class NamespaceIndex:
    """Every public name of one Keras namespace (``root``), keyed by name."""

    root: str
    version: str | None
    by_name: dict[str, Sequence[PublicSymbol]] = field(default_factory=dict)
    modules: dict[str, Any] = field(default_factory=dict)

    def add(self, symbol: PublicSymbol) -> None:
        self.by_name[symbol.name] = (*self.by_name.get(symbol.name, ()), symbol)  # tuples: small


_CACHE: dict[tuple[str, int], NamespaceIndex] = {}


def _kind(value: Any) -> str:
    if isinstance(value, types.ModuleType):
        return "module"
    if isinstance(value, type):
        return "class"
    if callable(value):
        return "function"
    return "other"


def _is_public_module(module: Any) -> bool:
    name = getattr(module, "__name__", "") or ""
    if not isinstance(name, str):
        return False
    top = name.split(".")[0]
    if top not in ("keras", "tf_keras", "tensorflow"):
        return False
    parts = name.split(".")
    return not any(p in ("src", "python", "_impl") for p in parts[1:])


def _safe_dir(module: Any) -> list[str]:
    try:
        return [n for n in dir(module) if isinstance(n, str) and not n.startswith("_")]
    except Exception:
        return []


def _root_module(root: str, allow_import: bool) -> Any:
    """The live module object of a namespace root, or None (never imports unless allowed)."""
    top = root.split(".")[0]
    if top not in sys.modules and not allow_import:
        return None
    try:
        if root == "tensorflow.keras":
            tf = sys.modules.get("tensorflow")
            if tf is None:
                import importlib

                tf = importlib.import_module("tensorflow")
            return getattr(tf, "keras", None)
        import importlib

        return importlib.import_module(root)
    except Exception:
        return None


def tf_keras_accessed() -> bool:
    """Has ``tf.keras`` already been resolved in this process (its lazy loader initialised)?"""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return False
    obj = getattr(tf, "__dict__", {}).get("keras")
    if obj is None:
        return False
    if type(obj).__name__ == "KerasLazyLoader":
        return bool(vars(obj).get("_tfll_initialized"))
    return isinstance(obj, types.ModuleType)


def _version_of(module: Any) -> str | None:
    version = getattr(module, "__version__", None)
    return version if isinstance(version, str) else None


def build_namespace(root: str, module: Any) -> NamespaceIndex:
    """Walk ``module`` (the live ``root`` namespace) breadth-first through public submodules."""
    index = NamespaceIndex(root=root, version=_version_of(module))
    seen: set[int] = set()
    queue: list[tuple[str, Any, int]] = [(root, module, 0)]
    index.modules[root] = module
    while queue:
        path, mod, depth = queue.pop(0)
        if id(mod) in seen:
            continue
        seen.add(id(mod))
        for name in _safe_dir(mod):
            try:
                value = getattr(mod, name)
            except Exception:
                continue
            kind = _kind(value)
            if kind == "module":
                if name in PRIVATE_PARTS or not _is_public_module(value):
                    continue
                sub = f"{path}.{name}"
                if depth + 1 <= MAX_DEPTH and sub not in index.modules:
                    index.modules[sub] = value
                    queue.append((sub, value, depth + 1))
            index.add(PublicSymbol(module=path, name=name, kind=kind))
    return index


def _indexable_module(root: str, allow_import: bool) -> Any:
    """The live module of ``root`` when it can be indexed here, else None."""
    if root == "tensorflow.keras" and not allow_import and not tf_keras_accessed():
        return None
    return _root_module(root, allow_import)


def is_available(root: str, *, allow_import: bool = False) -> bool:
    """Could ``root`` be indexed here (:func:`namespace_index` would not be None)? Builds no
    index: a caller that only asks which Keras namespaces exist never pays for walking them."""
    return _indexable_module(root, allow_import) is not None


def namespace_index(root: str, *, allow_import: bool = False) -> NamespaceIndex | None:
    """The (cached) index of one namespace, or None when it is not available here."""
    module = _indexable_module(root, allow_import)
    if module is None:
        return None
    key = (root, id(module))
    cached = _CACHE.get(key)
    if cached is None:
        cached = _CACHE[key] = build_namespace(root, module)
    return cached


def available_roots(prefer: str | None = None, *, allow_import: bool = False) -> list[str]:
    """Roots that can be indexed here, ``prefer`` first."""
    roots = [r for r in ROOTS if is_available(r, allow_import=allow_import)]
    if prefer in roots:
        roots.remove(prefer)
        roots.insert(0, prefer)
    return roots


DISFAVOURED_PARTS = ("legacy", "experimental", "compat", "v1")


def _module_score(candidate: str, near: str | None) -> tuple[int, int, int, int]:
    """Lower is better: not legacy/experimental, shares more leading parts with ``near``, then
    fewer dots, then shorter."""
    parts = candidate.split(".")
    odd = sum(p in DISFAVOURED_PARTS for p in parts)
    common = 0
    for x, y in zip(parts, (near or "").split(".")):
        if x != y:
            break
        common += 1
    return (odd, -common, candidate.count("."), len(candidate))


def find_public_symbol(
    name: str,
    *,
    roots: list[str] | None = None,
    near: str | None = None,
    kinds: tuple[str, ...] | None = None,
    allow_import: bool = False,
) -> list[PublicSymbol]:
    """Public symbols called exactly ``name``, best first: the first root of ``roots`` wins,
    then the module closest to ``near`` (the path the cell used), then the shortest path."""
    roots = roots if roots is not None else available_roots(allow_import=allow_import)
    found: list[PublicSymbol] = []
    for rank, root in enumerate(roots):
        index = namespace_index(root, allow_import=allow_import)
        if index is None:
            continue
        hits = [s for s in index.by_name.get(name, []) if kinds is None or s.kind in kinds]
        hits.sort(key=lambda s: _module_score(s.module, near))
        found.extend(hits)
        if hits and rank == 0:
            break
    return found


def fuzzy_names(
    name: str,
    *,
    roots: list[str] | None = None,
    module: str | None = None,
    allow_import: bool = False,
    cutoff: float = 0.8,
) -> list[str]:
    """Public names close to ``name`` (case first: ``adam`` -> ``Adam``; then difflib), within
    ``module`` when given, else across ``roots``."""
    roots = roots if roots is not None else available_roots(allow_import=allow_import)
    names: set[str] = set()
    for root in roots:
        index = namespace_index(root, allow_import=allow_import)
        if index is None:
            continue
        if module is not None:
            names.update(
                s.name for syms in index.by_name.values() for s in syms if s.module == module
            )
        else:
            names.update(index.by_name)
    same_case = sorted(n for n in names if n.lower() == name.lower() and n != name)
    if same_case:
        return same_case
    lowered = {n.lower(): n for n in sorted(names)}
    close = closest(name.lower(), list(lowered), n=3, cutoff=cutoff)
    # a typo is a few characters wrong, not a word more or less (Keras 1's TimeDistributedDense
    # is not a misspelt TimeDistributed): at most 2 edits, or one per 6 characters of a long name
    most = max(2, len(name) // 6)
    return [lowered[c] for c in close if edit_distance(name.lower(), c) <= most]


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
    neighbours (``adma`` -> ``adam`` is one edit) each count 1."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def closest(word: str, candidates: list[str], *, n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The ``candidates`` difflib finds close to ``word``, fewest typing edits first (difflib
    alone ranks ``adma`` nearer ``adamax`` than ``adam``)."""
    close = difflib.get_close_matches(word, candidates, n=max(n, 10), cutoff=cutoff)
    order = {c: i for i, c in enumerate(close)}
    return sorted(close, key=lambda c: (edit_distance(word, c), order[c]))[:n]


def module_public_names(module_path: str, *, allow_import: bool = False) -> dict[str, str]:
    """``{name: kind}`` of the public module ``module_path`` (empty if it is not indexed)."""
    for root in ROOTS:
        if module_path == root or module_path.startswith(root + "."):
            index = namespace_index(root, allow_import=allow_import)
            if index is None or module_path not in index.modules:
                return {}
            return {
                s.name: s.kind
                for syms in index.by_name.values()
                for s in syms
                if s.module == module_path
            }
    return {}
