"""Where a public Keras 2 name lives in Keras 3, from the generated ``keras2to3.json``.

The data file is written by ``scripts/generate_keras_map.py`` from the real APIs of Keras 2.15
and Keras 3 (each dumped in its own environment); its header says which versions, how many names
of each kind, and what each field means. It is read on the first lookup only, never at
``import kerasmagic``, and kept in memory; a lookup after that is two string operations and a
dict access.

Paths are keyed as ``keras.X`` (``tf.keras.X``, ``tensorflow.keras.X`` and ``tf_keras.X`` are
normalised to that). A name the file does not list is unchanged in Keras 3 (``same`` without
keyword changes is counted in the header, not listed) or is not a public Keras 2 name.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

DATA_FILE = Path(__file__).with_name("keras2to3.json")
PREFIXES = ("tensorflow.keras.", "tf.keras.", "tf_keras.", "keras.")
KINDS = ("same", "moved", "ops", "alias", "removed")
WHAT = {"m": "module", "c": "class", "f": "function", "p": "property", "o": "other"}


class Keras3Home(NamedTuple):
    """Where a Keras 2 path lives in Keras 3."""

    kind: str  # same | moved | ops | alias | removed
    target: str | None  # the Keras 3 path (None when removed)
    keras2_kind: str  # module | class | function | property | other ("" when not recorded)
    tf_keras: bool  # TensorFlow's tf.keras over Keras 3 (keras._tf_keras) still has the path
    stub: bool  # the Keras 3 path exists but holds a placeholder that raises


class KerasMap:
    """The loaded data file: ``names`` and ``members`` (``keras.Model.fit``) entries by path."""

    def __init__(self, data: Mapping[str, Any], load_ms: float = 0.0) -> None:
        self.header: Mapping[str, Any] = data["header"]
        self.names: Mapping[str, Mapping[str, Any]] = data["names"]
        self.members: Mapping[str, Mapping[str, Any]] = data["members"]
        self.classes: Mapping[str, str] = data.get("classes", {})
        self.identifiers: Mapping[str, Mapping[str, str]] = data.get("identifiers", {})
        self.load_ms = load_ms

    def entry(self, path: str) -> Mapping[str, Any] | None:
        """The raw entry of a normalised path (a class's other public paths are tried too)."""
        found = self.names.get(path) or self.members.get(path)
        if found is None and "." in path:
            owner, _, member = path.rpartition(".")
            canonical = self.classes.get(owner)
            if canonical is not None:
                found = self.members.get(f"{canonical}.{member}")
        return found


_MAP: KerasMap | None = None


def normalise(path: str) -> str | None:
    """``tf.keras.layers.Dense`` / ``tensorflow.keras…`` / ``tf_keras…`` -> ``keras.layers.Dense``;
    None for a path outside Keras."""
    for prefix in PREFIXES:
        if path.startswith(prefix):
            return "keras." + path[len(prefix) :]
    return "keras" if path in ("keras", "tf.keras", "tensorflow.keras", "tf_keras") else None


def load(path: Path | None = None) -> KerasMap:
    """The map, read once (``path`` reads another file, uncached: for tests and the generator)."""
    global _MAP
    if path is None and _MAP is not None:
        return _MAP
    start = time.perf_counter()
    with (path or DATA_FILE).open(encoding="utf-8") as fh:
        data = json.load(fh)
    loaded = KerasMap(data, (time.perf_counter() - start) * 1000)
    if path is None:
        _MAP = loaded
    return loaded


def clear_cache() -> None:
    global _MAP
    _MAP = None


def where_in_keras3(path: str) -> Keras3Home | None:
    """Where ``path`` (a Keras 2 public path, any spelling) lives in Keras 3; None when the file
    does not list it (unchanged, or not a public Keras 2 name)."""
    key = normalise(path)
    found = load().entry(key) if key else None
    if found is None:
        return None
    kind = found["k"]
    target = found.get("to") or (key if kind == "same" else None)
    what = WHAT.get(found.get("t", ""), "")
    return Keras3Home(kind, target, what, bool(found.get("tfk")), bool(found.get("stub")))


def renamed_function(module: str, name: str) -> str | None:
    """The Keras 3 name of the Keras 2 function ``keras.<module>.<name>`` when it moved or was
    another name of one (``losses.kullback_leibler_divergence`` → ``kl_divergence``), or of what
    Keras 2's ``keras.<module>.get(name)`` made when the string is no public name of it
    (``metrics.get("cosine_proximity")``: ``cosine_similarity``); else None."""
    home = where_in_keras3(f"keras.{module}.{name}")
    if home is not None and home.kind in ("alias", "moved") and home.target:
        return home.target.rsplit(".", 1)[-1]
    made = made_of_string(module, name)
    if made is None:
        return None
    home = where_in_keras3(made)  # None: not listed, the same in Keras 3
    if home is None or home.kind == "same":
        target: str | None = made
    elif home.kind in ("alias", "moved"):
        target = home.target
    else:
        return None
    return target.rsplit(".", 1)[-1] if target else None


def keras2_names(path: str) -> set[str]:
    """The names Keras 2 had for the object at ``path``: its own and its aliases' (the map's
    ``alias`` entries: ``keras.metrics.log_cosh`` was ``log_cosh`` and ``logcosh``)."""
    key = normalise(path)
    if key is None:
        return set()
    found = load().entry(key)
    target = str(found.get("to") or key) if found and found.get("k") == "alias" else key
    aliases = {p for p, e in load().names.items() if e.get("k") == "alias" and e.get("to") == target}  # fmt: skip
    return {p.rsplit(".", 1)[-1] for p in (key, target, *aliases)}


def made_of_string(module: str, name: str) -> str | None:
    """The public Keras 2 path of what Keras 2's ``keras.<module>.get(name)`` made, for a string
    that is no public name of it (``constraints.get("maxnorm")``: ``keras.constraints.MaxNorm``);
    None otherwise (the file's ``identifiers``)."""
    return load().identifiers.get(module, {}).get(name)


def keyword_changes(path: str) -> Mapping[str, Any]:
    """The keyword facts of a callable: ``kw`` {old: new or None}, ``alias`` (the renames Keras 2's
    source proves), ``read``, ``none``, ``defaults`` {kw: [Keras 2, Keras 3 default]}, ``args``
    (see the file's header ``fields``), ``was`` {removed kw: its Keras 2 default}, ``same_as`` (the
    method a Keras 2 method handed every argument to, when Keras 3 has it)."""
    key = normalise(path)
    found = load().entry(key) if key else None
    if not found:
        return {}
    return {
        k: v
        for k, v in found.items()
        if k in ("kw", "alias", "read", "none", "defaults", "args", "was", "same_as")
    }


def removed_keywords(path: str) -> dict[str, str | None]:
    """{keyword: its Keras 3 name, or None when Keras 3 has no such keyword} for a Keras 2
    callable (class: its ``__init__``; ``keras.Model.fit``: the method)."""
    return dict(keyword_changes(path).get("kw", {}))


def find_member(class_paths: Iterable[str], name: str) -> tuple[str, Keras3Home] | None:
    """The first of ``class_paths`` (a class and its bases, most derived first) whose member
    ``name`` the file lists: ``(member path, home)``."""
    for cls in class_paths:
        home = where_in_keras3(f"{cls}.{name}")
        if home is not None:
            return f"{normalise(cls)}.{name}", home
    return None


def header() -> Mapping[str, Any]:
    """Generator, versions of both APIs, counts per kind, field legend."""
    return load().header
