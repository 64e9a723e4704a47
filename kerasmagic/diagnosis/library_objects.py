"""What a rule about a library reads of a callee: its library's top package and its qualified
name, ``sklearn.GridSearchCV``, ``seaborn.barplot``, ``numpy.reshape`` (the key of the
catalogue's per-callable tables), from the kernel's object (read only) or, where the kernel
holds none, from the cell's imports."""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.live_loops import live_value


def object_key(obj: Any) -> str | None:
    """``top.qualname`` of a live function or class (None for an object without them)."""
    top = str(getattr(obj, "__module__", "") or "").split(".")[0]
    name = getattr(obj, "__qualname__", None)
    return f"{top}.{name}" if top and isinstance(name, str) else None


def path_key(path: str) -> str:
    """The same key of a dotted path (``sklearn.preprocessing.OneHotEncoder``: its package and
    last name)."""
    return f"{path.split('.')[0]}.{path.rsplit('.', 1)[-1]}"


def callee_key(ctx: CellContext, func: ast.expr) -> str | None:
    """The key of what ``func`` names: the kernel's object, else the path the cell's imports
    bind it to."""
    value = live_value(func, ctx.namespace or {})
    if value is not None:
        return object_key(value)
    path = ctx.scope.bound_path(func)
    return path_key(path) if path else None
