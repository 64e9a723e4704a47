"""The user's modules a migrate run corrected, shown as the report shows a cell: a diff, each
rewrite with its rules and whether running verified it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _verification(cells: list[int]) -> Callable[[bool, str], str]:
    named = ", ".join(str(n) for n in cells) or "?"

    def words(verified: bool, versions: str) -> str:
        if verified:
            return f"verified: cell {named} ran past the error it raised in this module, in {versions}"  # fmt: skip
        return f"not verified: cell {named} still raised it"

    return words


def module_cells(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Each corrected module of the document (``DocumentResult.to_dict()["modules"]``) in the
    shape of a cell of the report."""
    out = []
    for module in doc.get("modules") or []:
        where = f"written to {module['destination']}" if module.get("written") else "not written"
        out.append(
            {
                "label": f"Module {module['relative']} (the user's, imported by cell "
                f"{', '.join(str(n) for n in module['cells'])})",
                "file": module["relative"],
                "verification": _verification(module["cells"]),
                "number": 0,
                "status": "fixed",
                "ran": True,
                "changed": module["changed"],
                "changes": module["changes"],
                "original": module["original"],
                "final": module["final"],
                "error": None,
                "left": [],
                "notes": [where],
                "output": "",
            }
        )
    return out
