"""Local files and folders that shadow an installed package (``keras.py`` in the working folder)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from kerasmagic.probes import path_state
from kerasmagic.probes.loaded import attribute, loaded

WATCHED = ("tensorflow", "keras", "tf_keras", "jax", "torch", "numpy", "tf", "google")


@dataclass
class Shadow:
    module: str
    path: str
    imported: bool


def _is_site_dir(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    return "site-packages" in parts or "dist-packages" in parts


def _candidate(entry: str, module: str) -> str | None:
    for candidate in (
        os.path.join(entry, module + ".py"),
        os.path.join(entry, module, "__init__.py"),
    ):
        if os.path.isfile(candidate):
            return (
                candidate
                if candidate.endswith(".py") and "__init__" not in candidate
                else os.path.dirname(candidate)
            )
    return None


def _found_later(module: str, entries: list[str]) -> bool:
    """Does another copy of ``module`` exist further down the path (looked up, not imported)?"""
    from importlib.machinery import PathFinder

    try:
        return PathFinder.find_spec(module, [e for e in entries if os.path.isdir(e)]) is not None
    except (ImportError, ValueError, OSError):
        return True  # cannot tell: keep reporting it


def find_shadows(
    modules: tuple[str, ...] = WATCHED, working_folder: str | None = None
) -> list[Shadow]:
    """Files on ``sys.path`` ahead of site-packages that ``import <module>`` would pick first.

    ``working_folder``: a folder searched first, as ``python`` or a kernel started there puts it
    first (the CLI, whose ``python -m`` entry takes it off its own path, passes the folder it was
    run in)."""
    shadows = []
    first = (working_folder,) if working_folder else ()
    for module, found in path_state.remembered(
        "shadows", ",".join(modules + first), lambda: _local(modules, first)
    ):  # type: ignore[attr-defined]
        if module == "tf" and module not in sys.modules:
            continue  # a local tf.py only matters when something imports it
        live_file = attribute(loaded(module), "__file__") or ""
        shadows.append(
            Shadow(
                module=module,
                path=found,
                imported=bool(live_file) and live_file.startswith(found),
            )
        )
    return shadows


def _local(modules: tuple[str, ...], first: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``(module, file or folder)`` of each module found ahead of site-packages that hides
    another copy further down the path (a local ``tf.py`` hides nothing and is kept for the
    caller to judge by whether ``tf`` is imported)."""
    out = []
    entries = [os.getcwd() if e == "" else e for e in sys.path]
    entries = [f for f in first if f not in entries] + entries
    for module in modules:
        for index, entry in enumerate(entries):
            if _is_site_dir(entry) or not os.path.isdir(entry):
                if _is_site_dir(entry):
                    break  # site-packages reached: what follows is the installed package
                continue
            if module == "google":
                continue  # namespace package; only the other names are single-owner
            found = _candidate(entry, module)
            if found is None:
                continue
            if module != "tf" and not _found_later(module, entries[index + 1 :]):
                break  # the only copy (`pip install --target DIR` on PYTHONPATH): hides nothing
            out.append((module, found))
            break
    return tuple(out)
