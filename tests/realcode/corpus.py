"""The real-code corpus (issue 29): published Keras-2-era scripts and notebooks, run unedited.

The files themselves are NOT in git (code brought by the search tool may not be committed): they
live in ``.realcode/files/<name>.py|.ipynb`` of the main checkout (``$KERASMAGIC_REALCODE`` to
move it); ``scripts/realcode_materialise.py`` restores them from fetched snapshots. What is in git
is one manifest per collector, ``tests/realcode/manifest/<collector>.toml``::

    [[file]]
    name = "repo-short__file-stem"      # unique slug; the file is .realcode/files/<name>.<ext>
    kind = "script"                     # or "notebook"
    repo = "owner/name"
    path = "dir/file.py"                # path in the repository
    commit = "<40 hex>"                 # the revision the bytes come from
    license = "MIT"
    sha256 = "<hex of the exact bytes>"
    data = ["data/small.csv"]           # optional: repo paths materialised beside the file
    folders = ["images"]                # optional: empty folders the code writes into (repo paths)
    control = "runs"                    # or "keras-api-error": how it behaves in tf215-k2 + shim
    note = ""                           # optional

The split is decided by the name's hash only, once and for all: a file is ``sealed`` when
``int(sha256(name.encode()).hexdigest(), 16) % 3 == 0``, else ``tuning``. Rules are written from
tuning failures only; the sealed part is run and counted, never studied case by case.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

HERE = Path(__file__).resolve().parent
MANIFEST_DIR = HERE / "manifest"
ROOT = HERE.parent.parent
MAIN = Path("/work/main")  # the main checkout (worktrees share its .realcode and .envs)
KINDS = {"script": ".py", "notebook": ".ipynb"}
CONTROLS = ("runs", "keras-api-error")
SPLITS = ("tuning", "sealed")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*__[A-Za-z0-9_.-]+$")
HEX40 = re.compile(r"^[0-9a-f]{40}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
REQUIRED = ("name", "kind", "repo", "path", "commit", "license", "sha256", "control")


def split_of(name: str) -> str:
    """``sealed`` for one third of the names (by their sha256), ``tuning`` for the rest."""
    return "sealed" if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 3 == 0 else "tuning"


def files_dir() -> Path:
    """Where the corpus files are: ``$KERASMAGIC_REALCODE/files`` or the main checkout's."""
    base = os.environ.get("KERASMAGIC_REALCODE")
    if base:
        return Path(base) / "files"
    return (MAIN if MAIN.is_dir() else ROOT) / ".realcode" / "files"


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str
    repo: str
    path: str
    commit: str
    license: str
    sha256: str
    control: str
    collector: str
    data: tuple[str, ...] = field(default=())
    folders: tuple[str, ...] = field(default=())
    note: str = ""

    @property
    def split(self) -> str:
        return split_of(self.name)

    @property
    def filename(self) -> str:
        return self.name + KINDS[self.kind]

    @property
    def source_url(self) -> str:
        return f"https://github.com/{self.repo}/blob/{self.commit}/{self.path}"

    def file(self, base: Path | None = None) -> Path:
        return (base or files_dir()) / self.filename

    def data_file(self, repo_path: str, base: Path | None = None) -> Path:
        """Where a data file is kept: ``files/<name>.data/<repo path>``."""
        return (base or files_dir()) / f"{self.name}.data" / repo_path


class ManifestError(ValueError):
    pass


def parse(text: str, collector: str) -> list[Entry]:
    """The entries of one manifest's text; ManifestError naming the entry when one is malformed."""
    doc = tomllib.loads(text)
    out = []
    for i, raw in enumerate(doc.get("file", [])):
        where = f"{collector}.toml entry {i + 1} ({raw.get('name', '?')})"
        missing = [k for k in REQUIRED if not raw.get(k)]
        if missing:
            raise ManifestError(f"{where}: missing {', '.join(missing)}")
        unknown = set(raw) - set(REQUIRED) - {"data", "folders", "note"}
        if unknown:
            raise ManifestError(f"{where}: unknown keys {sorted(unknown)}")
        if not NAME.match(raw["name"]):
            raise ManifestError(f"{where}: name must look like repo-short__file-stem")
        if raw["kind"] not in KINDS:
            raise ManifestError(f"{where}: kind must be one of {sorted(KINDS)}")
        if raw["control"] not in CONTROLS:
            raise ManifestError(f"{where}: control must be one of {CONTROLS}")
        if not HEX40.match(raw["commit"]) or not HEX64.match(raw["sha256"]):
            raise ManifestError(f"{where}: commit needs 40 hex digits, sha256 64 (lower case)")
        if raw["repo"].count("/") != 1:
            raise ManifestError(f"{where}: repo must be owner/name")
        data = raw.get("data", [])
        if not isinstance(data, list) or not all(isinstance(d, str) for d in data):
            raise ManifestError(f"{where}: data must be a list of repository paths")
        folders = raw.get("folders", [])
        if not isinstance(folders, list) or not all(isinstance(d, str) for d in folders):
            raise ManifestError(f"{where}: folders must be a list of repository paths")
        out.append(
            Entry(
                **{k: raw[k] for k in REQUIRED},
                collector=collector,
                data=tuple(data),
                folders=tuple(folders),
                note=raw.get("note", ""),
            )
        )
    return out


def check_unique(entries: list[Entry]) -> None:
    seen: dict[str, str] = {}
    for e in entries:
        for key in (e.name.lower(), f"{e.repo}:{e.path}".lower()):
            if key in seen:
                raise ManifestError(f"{key} is listed twice ({seen[key]} and {e.collector})")
            seen[key] = e.collector


def load(manifest_dir: Path = MANIFEST_DIR) -> list[Entry]:
    """Every entry of every ``*.toml`` manifest, sorted by name, checked to be unique."""
    entries: list[Entry] = []
    for path in sorted(manifest_dir.glob("*.toml")):
        entries += parse(path.read_text(encoding="utf-8"), path.stem)
    check_unique(entries)
    return sorted(entries, key=lambda e: e.name)


def select(entries: list[Entry], split: str = "all", names: list[str] | None = None) -> list[Entry]:
    if names:
        wanted = set(names)
        unknown = wanted - {e.name for e in entries}
        if unknown:
            raise ManifestError(f"not in any manifest: {', '.join(sorted(unknown))}")
        entries = [e for e in entries if e.name in wanted]
    if split != "all":
        entries = [e for e in entries if e.split == split]
    return entries


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
