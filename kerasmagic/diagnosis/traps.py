"""Silent traps of a cell, before or after running it: the trap rules of the engine.

``lint_traps(source)`` flags them before running, only where they apply to the Keras
implementations and versions of this kernel; ``inspect_after_run(source, namespace, captured)``
confirms them after a successful run from the objects the cell left and what it emitted. The
rules are in ``diagnosis/rules/trap_*.py``, their knowledge in ``knowledge/catalogue/traps.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kerasmagic.diagnosis.engine import after_cell, lint
from kerasmagic.findings import Finding


def lint_traps(source: Any) -> list[Finding]:
    """Silent traps ``source`` would fall into here, found before running. Never raises."""
    return lint(source, traps_only=True).traps


def inspect_after_run(
    source: Any, namespace: Mapping[str, Any] | None, captured: Any
) -> list[Finding]:
    """Silent traps a cell that ran without error fell into. Never raises."""
    ns = (
        dict(namespace)
        if isinstance(namespace, Mapping) and not isinstance(namespace, dict)
        else namespace
    )
    result = after_cell(source, namespace=ns if ns is not None else {}, captured=captured)
    return result.traps if result is not None else []
