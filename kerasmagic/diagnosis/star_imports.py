"""A star import of a module Keras 3 removed (``from keras.preprocessing.text import *``): where
the names it gave the code live here, and the words of the finding that imports them from there.

The names are those the code reads without binding them (``import_bindings.unbound_reads``) that
the generated Keras map says the removed module had, so a name another star import gives
(``Dense`` from ``keras.layers``) is never counted. Their home is the same module of another
Keras package installed here (tf.keras's legacy copy), found by ``keras_paths.removed_home``."""

from __future__ import annotations

from typing import Any

from kerasmagic.diagnosis.import_bindings import unbound_reads
from kerasmagic.diagnosis.keras_paths import removed_home
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import Edit


def star_home(fx: Any, module: str) -> tuple[str, list[str]] | None:
    """The one module here that holds every name the code took from ``from MODULE import *``,
    and those names (sorted); None when they are in no such module, or in more than one."""
    homes: dict[str, list[str]] = {}
    for name in sorted(unbound_reads(fx)):
        home = removed_home(module, name)[1]
        if home is not None:
            homes.setdefault(home, []).append(name)
    return next(iter(homes.items())) if len(homes) == 1 else None


def star_problem(fx: Any, module: str, home: str, names: list[str], line: int, edit: Edit) -> Problem:  # fmt: skip
    """The finding of the star import of ``module`` rewritten to import ``names`` from ``home``."""
    return Problem(
        id="moved-name",
        line=line,
        title=f"`{module}` is gone here; `{home}` holds what the code takes from it",
        cause=f"Keras {fx.versions.get('keras', '3')} removed `{module}`. `{home}`, the same "
        "module of another Keras package installed here, still holds the names the code reads "
        "from it without binding them: " + ", ".join(f"`{n}`" for n in names) + ".",
        fix=f"Import them from `{home}`, by name (the corrected cell does).",
        edits=[edit],
        names=[module, "*"],
    )
