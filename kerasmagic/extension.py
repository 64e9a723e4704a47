"""Registering and unregistering kerasmagic in an IPython shell, leaving nothing behind."""

from __future__ import annotations

import importlib
import sys
from typing import Any

# Modules defining one ``Magics`` subclass named ``MAGICS`` each; one module per magic family.
MAGIC_MODULES = ("kerasmagic.magics.env", "kerasmagic.magics.check", "kerasmagic.magics.optimizers")

_loaded: dict[int, list[Any]] = {}


def load(shell: Any) -> None:
    """Register every magic family in ``shell`` once."""
    if id(shell) in _loaded:
        return
    instances = []
    for name in MAGIC_MODULES:
        try:
            module = importlib.import_module(name)
            instance = module.MAGICS(shell)
            shell.register_magics(instance)
        except Exception as exc:  # one broken family must not take the others down
            print(
                f"kerasmagic: could not load {name} ({type(exc).__name__}: {exc}); "
                "the other magics are available.",
                file=sys.stderr,
            )
            continue
        instances.append(instance)
    _loaded[id(shell)] = instances


def unload(shell: Any) -> None:
    """Undo :func:`load`: close hooks (events, exception handlers) and drop the magics."""
    instances = _loaded.pop(id(shell), [])
    table = shell.magics_manager.magics
    for instance in instances:
        close = getattr(instance, "close", None)
        if close is not None:
            close()
        for kind, names in instance.magics.items():
            for name in names:
                if table.get(kind, {}).get(name) is not None:
                    bound = table[kind][name]
                    if getattr(bound, "__self__", None) is instance:
                        del table[kind][name]
        registry = shell.magics_manager.registry
        for key, value in list(registry.items()):
            if value is instance:
                del registry[key]
        configurables = getattr(shell, "configurables", None)  # Magics.__init__ appends to it
        if isinstance(configurables, list):
            configurables[:] = [c for c in configurables if c is not instance]


def is_loaded(shell: Any) -> bool:
    return id(shell) in _loaded
