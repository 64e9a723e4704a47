"""The version catalogue: TF/Keras knowledge that the live API cannot tell, kept as data.

Every ``*.toml`` file in ``knowledge/catalogue/`` holds ``[[entry]]`` tables; together they are
one catalogue. An entry's fields:

``id``        stable identifier (findings and JSON carry it), unique across all files
``family``    grouping for reports (``optimizer-arguments``, ``moved-modules``, ``traps`` …)
``kind``      ``"error"`` (explains an exception) or ``"trap"`` (a silent problem)
``severity``  ``"error"``, ``"warning"`` or ``"info"``
``match``     optional: ``exception`` (class name or list), ``message`` (regex), ``source`` (regex
              over the cell source)
``applies``   ``{distribution or virtual key = "packaging specifier"}``; all must hold. Virtual keys:
              ``tf.keras`` (version of the Keras that ``tf.keras`` is), ``keras-major``.
``title``, ``cause``, ``fix``: plain words; may use ``{placeholders}`` filled by the code using it
``fix_code``  optional code to paste
``install``   optional requirement the fix installs (``"tf-keras~={tensorflow_minor}.0"``); an
              entry whose fix advises an install must name it here
``fix_installed``  the fix when ``install`` is already met here (``{installed}``: its version);
              picked by ``kerasmagic.knowledge.installs.fix_for``
``source``    where the fact comes from (release note, migration guide, issue URL): required
``data``      optional free table the code of this entry may use (renames, replacements …)
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

CATALOGUE_DIR = Path(__file__).with_name("catalogue")
KINDS = ("error", "trap")


@dataclass(frozen=True)
class Entry:
    """One fact of the catalogue (see the module docstring for the fields)."""

    id: str
    family: str
    kind: str
    severity: str
    title: str
    source: str
    cause: str = ""
    fix: str = ""
    fix_code: str | None = None
    install: str | None = None
    fix_installed: str = ""
    match: Mapping[str, Any] = field(default_factory=dict)
    applies: Mapping[str, str] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    file: str = ""

    def applies_to(self, versions: Mapping[str, str | None]) -> bool:
        """True when every ``applies`` specifier holds for ``versions`` (missing → not applicable).

        A specifier of ``"absent"`` requires the key to be missing/None.
        """
        for key, spec in self.applies.items():
            have = versions.get(key)
            if spec == "absent":
                if have:
                    return False
                continue
            if not have or not _holds(spec, have):
                return False
        return True

    def matches_error(self, exc_type: str, message: str, source: str = "") -> bool:
        """True when the entry's ``match`` accepts this exception (class name) and message."""
        if self.kind != "error":
            return False
        wanted = self.match.get("exception")
        if wanted:
            names = [wanted] if isinstance(wanted, str) else list(wanted)
            if exc_type not in names:
                return False
        pattern = self.match.get("message")
        if pattern and not re.search(pattern, message):
            return False
        src = self.match.get("source")
        return not (src and not re.search(src, source, re.M))


def _holds(spec: str, version: str) -> bool:
    """Does ``version`` satisfy ``spec`` (prereleases included)?"""
    try:
        return SpecifierSet(spec).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False


def _entry(raw: dict[str, Any], file: str) -> Entry:
    missing = [k for k in ("id", "family", "kind", "severity", "title", "source") if k not in raw]
    if missing:
        raise ValueError(f"{file}: entry {raw.get('id', '?')} lacks {', '.join(missing)}")
    if raw["kind"] not in KINDS:
        raise ValueError(f"{file}: entry {raw['id']}: kind must be one of {KINDS}")
    for spec in raw.get("applies", {}).values():
        if spec != "absent":
            SpecifierSet(spec)  # raises InvalidSpecifier on a typo
    return Entry(**raw, file=file)


def _catalogue_files() -> list[tuple[str, dict[str, Any]]]:
    """``(file name, parsed TOML)`` of every catalogue file, in name order."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.9/3.10 only
        import tomli as tomllib

    parsed = []
    for path in sorted(CATALOGUE_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            parsed.append((path.name, tomllib.load(fh)))
    return parsed


@cache
def load_catalogue() -> tuple[Entry, ...]:
    """All entries of every catalogue file, validated; ids are unique (read once per process,
    when first needed)."""
    entries: list[Entry] = []
    for name, data in _catalogue_files():
        entries.extend(_entry(raw, name) for raw in data.get("entry", []))
    seen: set[str] = set()
    for e in entries:
        if e.id in seen:
            raise ValueError(f"duplicate catalogue id {e.id!r}")
        seen.add(e.id)
    return tuple(entries)


PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.-]*)\}")


def fill(text: str | None, values: Mapping[str, Any]) -> str:
    """An entry's text with its ``{placeholders}`` filled from ``values`` (a key written with
    ``_`` also finds a ``-`` version key: ``{tf_keras}`` → ``values["tf-keras"]``); unknown
    placeholders and other braces are left as they are. The one filler of catalogue text."""
    if not text:
        return ""

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        for candidate in (key, key.replace("_", "-")):
            if candidate in values and values[candidate] is not None:
                return str(values[candidate])
        return match.group(0)

    return PLACEHOLDER.sub(value, text)


def entry(entry_id: str) -> Entry:
    """The entry with this id (KeyError if none)."""
    found = find_entry(entry_id)
    if found is None:
        raise KeyError(entry_id)
    return found


def find_entry(entry_id: str) -> Entry | None:
    """The entry with this id, or None."""
    return next((e for e in load_catalogue() if e.id == entry_id), None)


def entries_with_rule(rule: str) -> tuple[Entry, ...]:
    """The entries whose ``data.rule`` is ``rule`` (in catalogue order)."""
    return tuple(e for e in load_catalogue() if e.data.get("rule") == rule)


def data_names(rule: str, key: str) -> tuple[str, ...]:
    """The names that the entries of ``rule`` list under ``data.key`` (a list, or a table's
    keys), sorted: the words a rule of those entries looks for in a cell."""
    names: set[str] = set()
    for e in entries_with_rule(rule):
        names.update(e.data.get(key, ()))
    return tuple(sorted(names))
