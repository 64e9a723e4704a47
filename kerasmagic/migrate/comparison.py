"""Two targets or more side by side (``migrate PATH --python OLD --to PINS``, ``--to A --to B``):
each target's ``MigrationReport``, and per document and cell what each target did with it —
what broke there (the first error the cell raised) and the fix, verified by running or not.

``Comparison.to_dict`` lines the cells up (a document is cut into the same cells in every target:
a notebook's code cells, a script's ``sources.script_blocks``) and is what every view renders; the
JSON carries each target's whole report beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kerasmagic.migrate.results import MigrationReport

NAMED = ("tensorflow", "keras", "tf_keras")  # the versions a target is known by in the report


@dataclass
class TargetRun:
    """One target: how it was given (``--python PATH``, ``--to PINS``), its Python, its report
    (None: refused or not built, ``problem`` says why), the exit status of its run."""

    given: str
    report: MigrationReport | None
    status: int
    problem: str = ""

    def versions(self) -> dict[str, str]:
        """The TF/Keras versions its kernels showed (the first document that has them)."""
        docs = self.report.documents if self.report else []
        return next((d.versions for d in docs if d.versions), {})

    def to_dict(self) -> dict[str, Any]:
        versions = self.versions()
        named = [f"{k} {versions[k]}" for k in NAMED if k in versions]
        rep = self.report.to_dict() if self.report else None
        return {
            "given": self.given,
            "label": " · ".join(named) or self.given,
            "python": rep["python"] if rep else None,
            "target": rep["target"] if rep else "",
            "versions": versions,
            "status": self.status,
            "problem": self.problem,
            "summary": rep["summary"] if rep else None,
            "report": rep,
        }


def breaks(cell: dict[str, Any]) -> str | None:
    """The error the cell raised in this target (before any fix), or None when it ran."""
    first = next((c for c in cell["changes"] if c["trigger"] == "error" and c["error"]), None)
    return first["error"] if first else cell["error"]


def outcome(cell: dict[str, Any]) -> dict[str, Any]:
    """What one target did with one cell: the report's facts a comparison shows."""
    return {
        "number": cell["number"],
        "status": cell["status"],
        "ran": cell["ran"],
        "breaks": breaks(cell),
        "changed": cell["changed"],
        "verified": cell["verified"],
        "error": cell["error"],
        "rules": [
            {"id": r.get("id"), "title": r.get("title")}
            for ch in cell["changes"]
            for r in ch["rules"]
        ],
        "original": cell["original"],
        "final": cell["final"],
    }


def _key(cell: dict[str, Any] | None) -> tuple:
    return (None,) if cell is None else (cell["status"], cell["breaks"] is None, cell["final"])


def aligned(path: str, docs: list[dict[str, Any] | None]) -> dict[str, Any]:
    """One document across the targets (``None``: that target has no result for it)."""
    present = [d for d in docs if d is not None]
    numbers = sorted({c["number"] for d in present for c in d["cells"]})
    cells = []
    for number in numbers:
        each = [
            next((outcome(c) for c in d["cells"] if c["number"] == number), None) if d else None
            for d in docs
        ]
        shown = next(c for c in each if c is not None)
        cells.append(
            {
                "number": number,
                "original": shown["original"],
                "differs": len({_key(c) for c in each}) > 1,
                "targets": each,
            }
        )
    return {
        "path": path,
        "kind": present[0]["kind"] if present else "notebook",
        "targets": [
            {"status": d["status"], "message": d["message"], "stopped_at": d["stopped_at"]}
            if d
            else None
            for d in docs
        ],
        "cells": cells,
    }


@dataclass
class Comparison:
    """Every target of one ``migrate`` run that compares them."""

    targets: list[TargetRun] = field(default_factory=list)
    kerasmagic: str = ""
    created: str = ""
    seconds: float = 0.0
    check: bool = True
    interrupted: bool = False

    def to_dict(self) -> dict[str, Any]:
        targets = [t.to_dict() for t in self.targets]
        paths: list[str] = []
        for t in targets:
            for doc in (t["report"] or {}).get("documents", []):
                if doc["path"] not in paths:
                    paths.append(doc["path"])
        documents = []
        for path in paths:
            docs = [
                next(
                    (d for d in (t["report"] or {}).get("documents", []) if d["path"] == path), None
                )
                for t in targets
            ]
            documents.append(aligned(path, docs))
        return {
            "kerasmagic": self.kerasmagic,
            "created": self.created,
            "seconds": round(self.seconds, 3),
            "check": self.check,
            "interrupted": self.interrupted,
            "targets": targets,
            "summary": {
                "documents": len(documents),
                "cells": sum(len(d["cells"]) for d in documents),
                "cells_differ": sum(c["differs"] for d in documents for c in d["cells"]),
            },
            "documents": documents,
        }
