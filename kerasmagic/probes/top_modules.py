"""The top-level module names this interpreter can import, and the distribution of each.

What a misspelt import is compared with (``import numpyy``: ``numpy`` is installed): the
top-level modules of the installed distributions (``importlib.metadata.packages_distributions``),
the other modules on ``sys.path`` (a student's ``utils.py``) and the standard library. Read once per
import state (``path_state.remembered``: an install changes it).
"""

from __future__ import annotations

import contextlib
import importlib.metadata as md
import pkgutil
import sys

from kerasmagic.probes import path_state


def installed_top_modules() -> dict[str, tuple[str, ...]]:
    """``{top-level module: the distributions providing it}`` (a name with no distribution, such
    as a local file or a standard module, maps to ``()``); private names left out."""
    return path_state.remembered("top-modules", "", _read)  # type: ignore[return-value]


def _read() -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    with contextlib.suppress(Exception):  # corrupt metadata: the names on sys.path still count
        found.update((m, tuple(d)) for m, d in md.packages_distributions().items())
    with contextlib.suppress(Exception):
        found.update((m.name, found.get(m.name, ())) for m in pkgutil.iter_modules())
    for name in getattr(sys, "stdlib_module_names", sys.builtin_module_names):
        found.setdefault(name, ())
    return {m: d for m, d in found.items() if m.isidentifier() and not m.startswith("_")}
