"""What migrating produced: per document, per cell, per change — one structure that the
Markdown, HTML and JSON views all render (``to_dict`` is the JSON of ``--json``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_OUTPUT_CHARS = 3000  # a cell's captured output in the report (the notebook keeps it whole)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# a cell's status
OK, FIXED, FAILED, TIMEOUT, DEAD = "ok", "fixed", "failed", "timeout", "kernel-died"
NOT_RUN, SKIPPED, EMPTY, NOT_REACHED, STATIC = (
    "not-run",
    "skipped",
    "empty",
    "not-reached",
    "static",
)
STOPPING = (FAILED, TIMEOUT, DEAD)
# a document's status when it is not Python (an R or Julia notebook beside the Python ones): left
# as it is, not written, and no failure of the run
NOT_PYTHON = "not-python"
# with --check, a document a run would change (nothing is written)
WOULD_CHANGE = "would-change"


@dataclass
class Change:
    """One rewrite of a cell. ``trigger``: ``error`` (fixed the error the cell raised), ``trap``
    (a silent trap found after the cell ran), ``static`` (proved from the source, not run),
    ``lint`` (proved from the source, tried on the failing code when nothing explained its error).
    ``verified``: the cell ran without error after it, in the kernel's versions."""

    before: str
    after: str
    trigger: str
    rules: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    verified: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "error": self.error,
            "verified": self.verified,
            "rules": self.rules,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class CellResult:
    """One code cell (a script: the whole file)."""

    number: int  # 1-based among the code cells
    index: int  # position in the notebook (0 for a script)
    original: str
    final: str
    status: str = NOT_RUN
    ran: bool = False
    seconds: float = 0.0
    changes: list[Change] = field(default_factory=list)
    error: str | None = None  # the error left, if the cell still fails
    left: list[dict[str, Any]] = field(default_factory=list)  # explanations without a fix
    notes: list[str] = field(default_factory=list)
    outputs: list[Any] = field(default_factory=list)  # of the last run (kept in the notebook)
    execution_count: int | None = None

    @property
    def changed(self) -> bool:
        return self.final != self.original

    @property
    def verified(self) -> bool:
        return self.changed and self.ran and self.status in (OK, FIXED)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "index": self.index,
            "status": self.status,
            "ran": self.ran,
            "changed": self.changed,
            "verified": self.verified,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "changes": [c.to_dict() for c in self.changes],
            "left": self.left,
            "notes": self.notes,
            "output": output_text(self.outputs),
            "original": self.original,
            "final": self.final,
        }


@dataclass
class ModuleResult:
    """A module of the user's beside the document (``utils.py``, ``core/model.py``) that a cell
    failed in, corrected there: its copy goes where the document's goes, at the same path
    relative to it (``relative``), or over it with ``--in-place``. ``cells``: the numbers of the
    cells whose failure each change fixed; a change is ``verified`` when that cell, run again
    over it, no longer raised its error."""

    path: str
    relative: str
    original: str
    final: str
    placed: str = ""  # where its copy goes, relative to the document's copy (``place_of``)
    changes: list[Change] = field(default_factory=list)
    cells: list[int] = field(default_factory=list)
    destination: str | None = None
    written: bool = False

    @property
    def changed(self) -> bool:
        return self.final != self.original

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "relative": self.relative,
            "placed": self.placed,
            "changed": self.changed,
            "cells": self.cells,
            "destination": self.destination,
            "written": self.written,
            "changes": [c.to_dict() for c in self.changes],
            "original": self.original,
            "final": self.final,
        }


@dataclass
class DocumentResult:
    """One notebook or script. ``status``: migrated, unchanged, stopped (a failure without a
    fix), interrupted (Ctrl-C), error (could not be read or run), not-python (left as it is),
    would-change (``--check``: changes found, nothing written);
    ``message`` says it plainly."""

    path: str
    kind: str
    mode: str  # run | static
    status: str = "unchanged"
    message: str = ""
    destination: str | None = None
    written: bool = False
    cells: list[CellResult] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    python: str | None = None
    seconds: float = 0.0
    stopped_at: int | None = None  # the cell number where running stopped
    diagnosis_seconds: float = 0.0  # of ``seconds``: kerasmagic's calls in the kernel
    reports: list[str] = field(default_factory=list)  # its own report (.md, .html), from OUT_DIR
    modules: list[ModuleResult] = field(default_factory=list)  # the user's, corrected
    # beside them, the other modules of the user's the document imported (relative path → where
    # the copy goes, ``module_fixes.UserModules.place_of``): with -o they are copied unchanged,
    # so that the copy imports the corrected ones from OUT_DIR
    module_files: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.cells) or any(m.changed for m in self.modules)

    def count(self, *statuses: str) -> int:
        return sum(c.status in statuses for c in self.cells)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "mode": self.mode,
            "status": self.status,
            "message": self.message,
            "destination": self.destination,
            "written": self.written,
            "changed": self.changed,
            "python": self.python,
            "versions": self.versions,
            "seconds": round(self.seconds, 3),
            "diagnosis_seconds": round(self.diagnosis_seconds, 3),
            "stopped_at": self.stopped_at,
            "reports": self.reports,
            "summary": {
                "cells": len(self.cells),
                "changed": sum(c.changed for c in self.cells),
                "verified": sum(c.verified for c in self.cells),
                "not_run_changed": sum(c.changed and not c.ran for c in self.cells),
                "failed": self.count(*STOPPING),
                "rules": sum(len(ch.rules) for c in self.cells for ch in c.changes),
            },
            "cells": [c.to_dict() for c in self.cells],
            "modules": [m.to_dict() for m in self.modules],
            "module_files": self.module_files,
        }


@dataclass
class MigrationReport:
    """Every document of one ``migrate`` run."""

    mode: str
    python: str
    documents: list[DocumentResult] = field(default_factory=list)
    seconds: float = 0.0
    check: bool = False
    interrupted: bool = False
    kerasmagic: str = ""
    created: str = ""
    target: str = ""  # --to: the pins the environment was built with (and their source)

    def to_dict(self) -> dict[str, Any]:
        docs = [d.to_dict() for d in self.documents]
        return {
            "kerasmagic": self.kerasmagic,
            "created": self.created,
            "mode": self.mode,
            "check": self.check,
            "python": self.python,
            "target": self.target,
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3),
            "summary": {
                "documents": len(docs),
                "changed": sum(d["changed"] for d in docs),
                "stopped": sum(d["status"] in ("stopped", "error") for d in docs),
                "cells_changed": sum(d["summary"]["changed"] for d in docs),
                "cells_verified": sum(d["summary"]["verified"] for d in docs),
            },
            "documents": docs,
        }


def output_text(outputs: list[Any], limit: int = MAX_OUTPUT_CHARS) -> str:
    """A cell's outputs as plain text for the report, ANSI codes removed, at most ``limit``
    characters (the end is kept: that is where an error is)."""
    parts: list[str] = []
    for out in outputs or []:
        kind = out.get("output_type")
        if kind == "stream":
            parts.append(out.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if "text/plain" in data:
                text = data["text/plain"]
                parts.append(("".join(text) if isinstance(text, list) else text) + "\n")
            else:
                parts.append(f"[{', '.join(sorted(data))}]\n")
        elif kind == "error":
            tb = out.get("traceback") or []
            parts.append(
                "\n".join(tb[-6:]) + "\n" if tb else f"{out.get('ename')}: {out.get('evalue')}\n"
            )
    text = ANSI.sub("", "".join(parts))
    if len(text) > limit:
        cut = len(text) - limit
        text = f"[… {cut} characters of output left out …]\n" + text[-limit:]
    return text
