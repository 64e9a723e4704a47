"""What is wrong with ``migrate``'s options, found before anything runs: one line for the user
(exit status 2), never a traceback after a kernel has started."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

MAX_CELL_TIMEOUT = 7 * 24 * 3600.0  # a week: above it, waiting overflows the kernel client's timer
# the report's formats by suffix (no suffix: Markdown); any other suffix (.pdf, .docx) is refused
REPORT_SUFFIXES = ("", ".md", ".markdown", ".html", ".htm", ".json")


def option_problem(args: argparse.Namespace) -> str | None:
    """The first problem of the parsed options, in words; None when they can be used."""
    timeout = args.cell_timeout
    if timeout is not None and not (math.isfinite(timeout) and 0 < timeout <= MAX_CELL_TIMEOUT):
        return (
            f"--cell-timeout {timeout:g}: give a number of seconds above 0 and at most "
            f"{MAX_CELL_TIMEOUT:g} (a week)"
        )
    to = getattr(args, "to", None) or []
    if to:
        from kerasmagic.migrate.preview import spec_problem

        for spec in to:
            problem = spec_problem(spec)
            if problem:
                return problem
    if len(to) + bool(to and args.python) > 1:  # a comparison of targets
        from kerasmagic.migrate.compare_cli import comparison_problem

        problem = comparison_problem(args)
        if problem:
            return problem
    jobs = getattr(args, "jobs", None)
    if jobs is not None and jobs < 1:
        return f"-j {jobs}: give the number of documents to migrate at a time, 1 or more"
    out = args.output_dir
    if out is not None:
        blocking = _file_in_the_way(out)
        if blocking == out:
            return f"-o {out}: that is a file; -o names the folder the migrated copies go to"
        if blocking is not None:
            return f"-o {out}: {blocking} is a file, so the folder cannot be made there"
    for report in args.report:
        if report.suffix.lower() not in REPORT_SUFFIXES:
            return (
                f"--report {report}: kerasmagic writes the report as Markdown (.md), HTML (.html) "
                f"or JSON (.json), not {report.suffix}"
            )
        if report.is_dir():
            return (
                f"--report {report}: that is a folder; name the report's file (.md, .html or .json)"
            )
        blocking = _file_in_the_way(report.parent)
        if blocking is not None:
            return f"--report {report}: {blocking} is a file, so the report cannot be written there"
    return None


def _file_in_the_way(folder: Path) -> Path | None:
    """The nearest existing path of ``folder`` and its parents when it is not a folder."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    return existing if existing is not None and not existing.is_dir() else None
