"""What to advise for a top-level module that is not installed: install its known distribution,
or — for a name no distribution kerasmagic knows provides — the near name that is installed or
known (``import tensorfow``: did you mean ``tensorflow``?), never ``pip install <the name>``.

A name on the package index is not vouched for by being importable-sounding: misspelt names of
popular packages are registered by attackers (typosquatting), so install advice names only a
distribution known to provide that import (``knowledge/import_names.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from kerasmagic.knowledge.import_names import DISTRIBUTIONS
from kerasmagic.probes.top_modules import installed_top_modules

# a typo is a near name: difflib's ratio at least this, and at most this many typing edits
# (each at most a third of the name: ``np`` is not a typo of ``nt``)
NEAR_RATIO = 0.75
MAX_EDITS = 2
MIN_LENGTH = 4


@dataclass(frozen=True)
class MissingModule:
    """The advice for one missing top-level module. ``distribution``: the distribution known to
    provide it (install advice); else ``near``: an installed or known module whose name is a
    typing slip away, with ``near_installed`` and the distribution that provides it."""

    module: str
    distribution: str | None = None
    near: str | None = None
    near_installed: bool = False
    near_distribution: str | None = None


def missing_module(top: str) -> MissingModule:
    """The advice for ``import top`` when no package provides ``top`` here."""
    known = DISTRIBUTIONS.get(top)
    if known is not None:
        return MissingModule(top, distribution=known)
    installed = installed_top_modules()
    near = _near(top, sorted(set(installed) | set(DISTRIBUTIONS)))
    if near is None:
        return MissingModule(top)
    providers = installed.get(near, ())
    return MissingModule(
        top,
        near=near,
        near_installed=near in installed,
        near_distribution=DISTRIBUTIONS.get(near) or (providers[0] if providers else None),
    )


def _near(top: str, candidates: list[str]) -> str | None:
    """The candidate a typing slip away from ``top`` (None when none is, or ``top`` is short)."""
    if len(top) < MIN_LENGTH:
        return None
    from kerasmagic.knowledge.api_index import closest, edit_distance

    limit = min(MAX_EDITS, len(top) // 3)
    close = closest(top, [c for c in candidates if c != top], n=3, cutoff=NEAR_RATIO)
    return next((c for c in close if edit_distance(top.lower(), c.lower()) <= limit), None)
