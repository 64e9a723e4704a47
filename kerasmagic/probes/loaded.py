"""What ``sys.modules`` holds, read without trusting it.

Anything can sit there: ``None`` (an import blocked on purpose), a number, an object whose every
attribute raises. A probe asks :func:`loaded` for the module and reads it with :func:`attribute`,
so such an entry reads as "not imported" instead of stopping a report.
"""

from __future__ import annotations

import sys
import types
from typing import Any


def loaded(name: str) -> types.ModuleType | None:
    """``sys.modules[name]`` when it is a module; None when it is absent, blocked or not a module
    (decided by its type alone: ``isinstance`` would ask the object for ``__class__``)."""
    value = sys.modules.get(name)
    return value if issubclass(type(value), types.ModuleType) else None


def attribute(obj: Any, name: str, default: Any = None) -> Any:
    """``getattr(obj, name, default)``, and ``default`` when reading it raises anything."""
    try:
        return getattr(obj, name, default)
    except Exception:
        return default


def module_version(module: object) -> str | None:
    """A module's own version (``__version__``, else ``version.VERSION``), or None."""
    version = attribute(module, "__version__")
    if version is None:
        version = attribute(attribute(module, "version"), "VERSION")
    try:
        return str(version) if version is not None else None
    except Exception:  # a version object whose str() raises
        return None
