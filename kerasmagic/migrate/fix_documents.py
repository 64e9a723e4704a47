"""The fix document of one engine result, as the migrate kernel's side emits it (see
``kernel_side``'s module documentation for its keys). Imports only the standard library."""

from __future__ import annotations

from typing import Any

CERTAIN = 0.9  # a trap's rewrite is applied after a run only when it is at least this sure
RULE_KEYS = ("id", "title", "cause", "fix", "fix_code", "verify", "references", "severity")


def _rule(finding: Any) -> dict[str, Any]:
    data = finding.to_dict() if hasattr(finding, "to_dict") else dict(finding)
    return {key: data.get(key) for key in RULE_KEYS}


def fix_document(result: Any, at_least: float = 0.0, prefix: str = "") -> dict[str, Any]:
    """The fix document of one engine result: its corrected cell (``fixing(at_least)``'s; with
    ``prefix``, the cell's part of it, or none where the fix touched the prefix), the findings
    it fixes and those it leaves, as the engine split them."""
    fixes, left = result.split(at_least)
    fixed = fixes[0].fixed_source if fixes else None
    if fixed is not None and prefix:
        fixed = fixed[len(prefix) :] if fixed.startswith(prefix) else None
    if fixed is None:
        fixes, left = [], fixes + left
    error = None
    if getattr(result, "error_type", None):
        error = f"{result.error_type}: {result.error_message}"
    return {
        "fixed_source": fixed,
        "rules": [_rule(f) for f in fixes],
        "left": [_rule(f) for f in left],
        "error": error,
        "versions": dict(getattr(result, "versions", None) or versions()),
        "internal_error": getattr(result, "internal_error", None),
        **dict(zip(("fixed_earlier", "fixed_across"), getattr(result, "fixed_across", None) or ())),
    }


def versions() -> dict[str, str]:
    """The TF/Keras versions this interpreter shows in a finding."""
    try:
        from kerasmagic.diagnosis.live import shown_versions

        return dict(shown_versions())
    except Exception:
        return {}
