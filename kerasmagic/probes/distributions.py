"""Installed distributions vs imported modules, duplicates, and declared-requirement conflicts."""

from __future__ import annotations

import importlib.machinery
import importlib.metadata as md
import os
import pathlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from kerasmagic.probes import path_state
from kerasmagic.probes.loaded import attribute, loaded, module_version

# distribution name -> top-level module it provides
TRACKED: dict[str, str] = {
    "tensorflow": "tensorflow",
    "tensorflow-cpu": "tensorflow",
    "tensorflow-gpu": "tensorflow",
    "tensorflow-intel": "tensorflow",
    "tensorflow-macos": "tensorflow",
    "tf-nightly": "tensorflow",
    "keras": "keras",
    "keras-nightly": "keras",
    "tf-keras": "tf_keras",
    "tf-keras-nightly": "tf_keras",
    "jax": "jax",
    "jaxlib": "jaxlib",
    "torch": "torch",
    "numpy": "numpy",
    "protobuf": "google.protobuf",
    "ml-dtypes": "ml_dtypes",
    "h5py": "h5py",
    "ipython": "IPython",
    "ipykernel": "ipykernel",
    "ipywidgets": "ipywidgets",
}
# distributions whose versions findings may also name (install advice, traps)
EXTRA_DISTRIBUTIONS = ("scikeras", "scipy", "pandas", "matplotlib")
TF_VARIANTS = ("tensorflow-cpu", "tensorflow-gpu", "tensorflow-intel", "tensorflow-macos")


@dataclass
class Install:
    """One copy of a distribution found on ``sys.path``."""

    version: str
    location: str


@dataclass
class PackageState:
    """A tracked package: what is installed (metadata) and what the running process imported."""

    name: str
    module: str
    installed: str | None = None
    location: str | None = None
    imported: bool = False
    imported_version: str | None = None
    imported_file: str | None = None
    installs: list[Install] = field(default_factory=list)
    metadata_error: str | None = None

    @property
    def stale(self) -> bool:
        """Imported, and the installed version differs: the process runs the old code."""
        if not (self.imported and self.installed and self.imported_version):
            return False
        return _same_version(self.installed, self.imported_version) is False

    @property
    def duplicated(self) -> bool:
        return len({i.location for i in self.installs}) > 1


@dataclass
class Conflict:
    """``package`` declares ``requirement`` and the installed ``dependency`` violates it."""

    package: str
    package_version: str
    requirement: str
    dependency: str
    installed: str | None

    @property
    def fix_spec(self) -> str:
        """The requirement of the dependency alone, e.g. ``keras>=2.15.0,<2.16``."""
        from packaging.requirements import Requirement  # parsed only here: its import is slow

        req = Requirement(self.requirement)
        return f"{req.name}{req.specifier}" if str(req.specifier) else req.name


def _same_version(a: str, b: str) -> bool | None:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return None if not (a and b) else a == b


def _installs(name: str) -> tuple[list[Install], str | None]:
    """The copies of distribution ``name`` on ``sys.path`` (first wins), and a metadata error."""
    found, error = path_state.remembered("installs", name, lambda: _read_installs(name))  # type: ignore[misc]
    return [Install(i.version, i.location) for i in found], error


def _read_installs(name: str) -> tuple[tuple[Install, ...], str | None]:
    try:
        dists = list(md.distributions(name=name))
    except Exception as exc:  # corrupt metadata must not stop the report
        return (), f"{type(exc).__name__}: {exc}"
    found: list[Install] = []
    error = None
    for dist in dists:
        try:
            version = _name_and_version(dist)[1] or dist.version
            if version is None:
                raise ValueError("no Version field in METADATA")
        except Exception as exc:
            error = f"unreadable metadata: {type(exc).__name__}: {exc}"
            continue
        location = str(getattr(dist, "_path", "") or "")
        found.append(Install(version=str(version), location=os.path.dirname(location) or location))
    return tuple(found), error


def package_states(names: dict[str, str] | None = None) -> list[PackageState]:
    """The state of each tracked package that is installed or imported."""
    states = []
    for dist_name, module_name in (names or TRACKED).items():
        installs, error = _installs(dist_name)
        module = loaded(module_name)
        if not installs and module is None and error is None:
            continue
        if (
            not installs
            and module is not None
            and any(s.module == module_name and s.installed for s in states)
        ):
            continue  # an imported module already reported under its installed distribution
        state = PackageState(name=dist_name, module=module_name, installs=installs)
        state.metadata_error = error
        if installs:
            state.installed = installs[0].version
            state.location = installs[0].location
        if module is not None:
            state.imported = True
            state.imported_version = module_version(module)
            state.imported_file = attribute(module, "__file__")
        states.append(state)
    return states


def installed_versions() -> dict[str, str]:
    """``{canonical distribution name: version}`` of every distribution on ``sys.path`` (first wins)."""
    return dict(path_state.remembered("versions", "", _read_installed_versions))  # type: ignore[call-overload]


def _read_installed_versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    for dist in md.distributions():
        try:
            name, version = _name_and_version(dist)
        except Exception:
            continue
        if name and version:
            versions.setdefault(canonicalize_name(name), str(version))
    return versions


def tracked_versions() -> dict[str, str]:
    """``{distribution: version}`` of the tracked and extra distributions that are installed
    (``tensorflow`` also under the name of a TF variant installed in its place), each looked up
    by name: listing every installed distribution costs ~100 ms, these a few."""
    out: dict[str, str] = {}
    for name in [*TRACKED, *EXTRA_DISTRIBUTIONS]:
        version = version_of(name)
        if version:
            out[name] = version
    for variant in TF_VARIANTS:
        if variant in out:
            out.setdefault("tensorflow", out[variant])
    return out


def version_of(name: str) -> str | None:
    """The installed version of distribution ``name`` (any spelling of its name), as
    ``importlib.metadata.version`` reads it but from the METADATA header only, or None when it
    is not installed or its metadata cannot be read (its folder found by ``_distribution``). The
    one reader of "which version of X is installed"."""
    try:
        dist = _distribution(name)
        return _name_and_version(dist)[1] or dist.version
    except Exception:  # not installed, or metadata that cannot be read
        return None


def _distribution(name: str) -> md.Distribution:
    """``md.distribution(name)``: the first metadata folder of that name along ``sys.path``, found
    in one listing of each folder per import state instead of a search of every folder per name
    (importlib's own search where the listing cannot see what it would)."""
    folders = path_state.remembered("metadata-folders", "", _metadata_folders)
    if folders is None:
        return md.distribution(name)
    found = folders.get(canonicalize_name(name))  # type: ignore[union-attr]
    if found is None:
        raise md.PackageNotFoundError(name)
    return md.PathDistribution(pathlib.Path(found))


def _metadata_folders() -> dict[str, str] | None:
    """Canonical distribution name → its first ``.dist-info``/``.egg-info`` folder along
    ``sys.path`` (in a folder, ``.dist-info`` entries first, as ``importlib.metadata`` orders
    them). None where importlib would also look elsewhere: another finder of distributions, a
    zip file or an ``.egg`` on the path."""
    if any(
        f is not importlib.machinery.PathFinder and hasattr(f, "find_distributions")
        for f in sys.meta_path
    ):
        return None
    found: dict[str, str] = {}
    for entry in sys.path:
        folder = entry or "."
        if folder.lower().endswith(".egg"):
            return None
        try:
            children = os.listdir(folder)
        except NotADirectoryError:
            return None  # a zip file: importlib reads inside it
        except OSError:
            continue
        eggs: list[tuple[str, str]] = []
        for child in children:
            stem, _, suffix = child.lower().rpartition(".")
            if suffix not in ("dist-info", "egg-info"):
                continue
            name = canonicalize_name(stem.partition("-")[0])
            if suffix == "dist-info":
                found.setdefault(name, os.path.join(folder, child))
            else:
                eggs.append((name, child))
        for name, child in eggs:
            found.setdefault(name, os.path.join(folder, child))
    return found


def _name_and_version(dist: md.Distribution) -> tuple[str | None, str | None]:
    """``Name`` and ``Version`` from the header block of METADATA/PKG-INFO only: the same values as
    ``dist.metadata["Name"]`` / ``dist.version`` without parsing the long description (that full
    e-mail parse per distribution was three quarters of a ``%keras_env``)."""
    return _parse_name_and_version(dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "")


def _parse_name_and_version(text: str) -> tuple[str | None, str | None]:
    name = version = None
    for key, value in _header_fields(text):
        if key == "name" and name is None:
            name = value
        elif key == "version" and version is None:
            version = value
    return name, version


def _header_fields(text: str) -> Iterator[tuple[str, str]]:
    """``(lower-case key, value)`` of each field of the header block of a METADATA text (up to
    the first empty line), without splitting the long description that follows it."""
    end = text.find("\n\n")
    for line in (text if end < 0 else text[: end + 1]).splitlines():
        if not line:
            break  # end of the header block (a blank-looking continuation line is not)
        key, sep, value = line.partition(":")
        if sep:
            yield key.strip().lower(), value.strip()


def _requires(name: str) -> tuple[str, ...]:
    """``md.requires(name)`` from the METADATA header block only (``Requires-Dist`` lines); other
    layouts (egg-info's requires.txt) through ``md.requires`` itself."""
    return path_state.remembered("requires", name, lambda: tuple(_read_requires(name)))  # type: ignore[return-value]


def _read_requires(name: str) -> list[str]:
    dist = _distribution(name)
    text = dist.read_text("METADATA")
    if not text:
        return list(md.requires(name) or [])
    return [value for key, value in _header_fields(text) if key == "requires-dist"]


# the dependency a Requires-Dist line names first (PEP 508), read without parsing the line
_LEADING_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _requirement(line: str) -> tuple[str, SpecifierSet] | None:
    """``(canonical dependency, specifier)`` of one ``Requires-Dist`` line that applies here (no
    extra, markers true for this interpreter), else None."""
    from packaging.requirements import InvalidRequirement, Requirement  # its import is slow

    try:
        req = Requirement(line)
    except InvalidRequirement:
        return None
    if req.marker is not None:
        try:
            if not req.marker.evaluate({"extra": ""}):
                return None
        except Exception:
            return None
    return canonicalize_name(req.name), req.specifier


def _satisfies(line: str, version: str) -> bool | None:
    """Whether ``version`` meets the specifier of the ``Requires-Dist`` line (pre-releases count),
    None when it is not a valid version."""
    parsed = _requirement(line)
    if parsed is None:
        return None
    try:
        return parsed[1].contains(Version(version), prereleases=True)
    except InvalidVersion:
        return None


def requirement_conflicts(
    packages: list[str] | None = None, versions: dict[str, str] | None = None
) -> list[Conflict]:
    """Declared ``Requires-Dist`` of ``packages`` (default: the tracked ones) that the installed
    versions violate. Extras' requirements are ignored; environment markers are evaluated here.
    Against the installed versions (``versions`` None) the answer is kept while the import state is
    the same."""
    if versions is None:
        found = path_state.remembered(
            "conflicts",
            ",".join(packages or TRACKED),
            lambda: tuple(_conflicts(packages, installed_versions())),
        )
        return list(found)  # type: ignore[call-overload]
    return _conflicts(packages, versions)


def _conflicts(packages: list[str] | None, versions: dict[str, str]) -> list[Conflict]:
    conflicts = []
    for pkg in packages or list(TRACKED):
        key = canonicalize_name(pkg)
        if key not in versions:
            continue
        try:
            requires = _requires(pkg)
        except Exception:
            continue
        for line in requires:
            lead = _LEADING_NAME.match(line)
            if lead and canonicalize_name(lead.group(1)) not in versions:
                continue  # its dependency is not installed (mostly an extra's): nothing to parse
            parsed = _requirement(line)
            if parsed is None:
                continue
            dep = parsed[0]
            have = versions.get(dep)
            if have is None:
                continue  # a missing dependency is pip's concern; we report what is installed
            if _satisfies(line, have) is False:
                conflicts.append(
                    Conflict(key, versions[key], line.split(";")[0].strip(), dep, have)
                )
    return conflicts
