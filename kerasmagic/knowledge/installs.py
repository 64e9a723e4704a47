"""Install advice that depends on what is installed: never advise installing a distribution that
is already installed in the version the fix needs.

A catalogue entry whose fix installs something names it in ``install`` (a requirement such as
``"tf-keras~={tensorflow_minor}.0"``) and says in ``fix_installed`` what to do when that
requirement is already met; :func:`fix_for` picks the text from the installed distributions
(``importlib.metadata``). Fixes written in code ask :func:`satisfied` the same question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from packaging.version import InvalidVersion, Version

from kerasmagic.probes.distributions import version_of

if TYPE_CHECKING:
    from packaging.requirements import Requirement

# "{tensorflow_minor}" in a requirement: the installed minor release of that distribution
_MINOR = re.compile(r"\{([A-Za-z0-9_.-]+)_minor\}")


def with_minors(text: str) -> str:
    """``text`` with ``{dist_minor}`` filled from the installed distributions."""

    def minor(m: re.Match[str]) -> str:
        version = version_of(m.group(1).replace("_", "-"))
        return ".".join(version.split(".")[:2]) if version else m.group(0)

    return _MINOR.sub(minor, text)


def _requirement(text: str) -> Requirement | None:
    """``text`` read as a PEP 508 requirement (None when it is not one)."""
    from packaging.requirements import InvalidRequirement, Requirement  # its import is slow

    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def satisfied(requirement: str) -> str | None:
    """The installed version when ``requirement`` (a PEP 508 string) is met here, else None.

    A requirement that cannot be read (an unfilled placeholder) is never met: the install
    advice stays."""
    req = _requirement(with_minors(requirement))
    if req is None:
        return None
    version = version_of(req.name)
    if version is None:
        return None
    try:
        return version if req.specifier.contains(Version(version), prereleases=True) else None
    except InvalidVersion:
        return None


def fix_for(entry: Any, fill: Callable[[str], Any]) -> str:
    """An entry's fix, filled: ``fix_installed`` when what ``fix`` would install is installed
    in a fitting version, else ``fix`` (with its install advice)."""
    have = _have(entry, fill)
    alternative = getattr(entry, "fix_installed", "")
    if have is not None and alternative:
        return with_minors(str(fill(alternative.replace("{installed}", have)) or ""))
    return with_minors(str(fill(entry.fix) or ""))


def code_for(entry: Any, fill: Callable[[str], Any], code: str | None = None) -> str | None:
    """An entry's ``fix_code`` (or ``code``), or None when what it installs is installed."""
    code = code if code is not None else getattr(entry, "fix_code", None)
    if code is None or _have(entry, fill) is not None:
        return None
    return with_minors(str(fill(code) or code))


def _have(entry: Any, fill: Callable[[str], Any]) -> str | None:
    requirement = getattr(entry, "install", None)
    if not requirement:
        return None
    return satisfied(str(fill(requirement) or requirement))
