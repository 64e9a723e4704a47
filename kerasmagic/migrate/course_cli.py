"""``migrate DIR -j N`` (run mode, several documents): the course runner's shell — one progress
line per document as it finishes, its own report beside the index (with ``-o``), a summary table
at the end, all on standard error; the index (the run's report) is written by ``cli``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from kerasmagic.migrate import sources, targets
from kerasmagic.migrate.course import Course, default_jobs
from kerasmagic.migrate.results import DocumentResult, MigrationReport
from kerasmagic.render.base import HTML, MARKDOWN
from kerasmagic.render.migration import MigrationView, done_line, summary_text, text_of

Outcome = tuple[DocumentResult, "str | None"]  # a document's result, the line if unwritten


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _quiet(line: str) -> None:
    """Per-cell progress is left out: N documents' cells would interleave."""


def _write_report(
    source: sources.Source, result: DocumentResult, rep: MigrationReport, args: argparse.Namespace
) -> str | None:
    """The document's own report (Markdown and HTML) under ``OUT_DIR``; the line saying it could
    not be written, or None."""
    if args.output_dir is None or args.check:
        return None
    alone = MigrationReport(rep.mode, rep.python, [result], result.seconds, rep.check, False, rep.kerasmagic, rep.created)  # fmt: skip
    view = MigrationView(alone)
    paths = targets.document_report_paths(source, args.output_dir)
    for path, mime in zip(paths, (MARKDOWN, HTML)):
        try:
            sources.write(path, text_of(view, mime).encode("utf-8"))
        except OSError as exc:
            return f"cannot write {path}: {exc.strerror or exc}"
    result.reports = [str(p.relative_to(args.output_dir)) for p in paths]
    return None


def run_course(
    found: list[sources.Source],
    args: argparse.Namespace,
    python: str,
    rep: MigrationReport,
    document: Callable[..., Outcome],
) -> list[str]:
    """Migrate ``found`` ``args.jobs`` at a time into ``rep.documents`` (in their order); the
    lines of the files that could not be written. Ctrl-C: see ``course``."""
    jobs = args.jobs or default_jobs()
    total = len(found)
    finished = 0

    def done(index: int, outcome: Outcome) -> None:
        nonlocal finished
        finished += 1
        _say(done_line(finished, total, outcome[0].to_dict()))

    course: Course[sources.Source, Outcome] = Course(jobs, done)

    def work(source: sources.Source) -> Outcome:
        result, why = document(source, args, python, rep.mode, _quiet, course.watched)
        return result, why or _write_report(source, result, rep, args)

    _say(f"migrating {total} documents, {min(jobs, total)} at a time (-j {jobs})")
    start = time.perf_counter()
    outcomes = course.run(found, work)
    rep.seconds = time.perf_counter() - start
    unwritten: list[str] = []
    for source, outcome in zip(found, outcomes):
        if outcome is None:
            rep.documents.append(_left(source, rep.mode))
            continue
        result, why = outcome
        rep.documents.append(result)
        if why:
            unwritten.append(why)
    rep.interrupted = course.stopped
    _say(summary_text(rep.to_dict()))
    if course.stopped:
        _say(
            f"interrupted (Ctrl-C): {finished} of {total} documents finished and written; "
            f"the others are left as they were (every kernel was ended)"
        )
    return unwritten


def _left(source: sources.Source, mode: str) -> DocumentResult:
    """A document the interrupt stopped or never reached: nothing of it is written."""
    return DocumentResult(
        str(source.path), source.kind, mode, status="interrupted",
        message="interrupted (Ctrl-C) before it finished: nothing written, the file is as it was",
    )  # fmt: skip
