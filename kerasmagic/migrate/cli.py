"""``python -m kerasmagic migrate``: bring old TF/Keras notebooks and scripts to the Keras in front
of you, every change verified by running it (or, with ``--static``, only the certain rewrites).

Where the migrated copy goes: ``-o OUT_DIR`` (a directory argument's tree is mirrored under it,
every file written, plus ``migration-report.md``/``.html``), ``--in-place`` (only changed files
are rewritten), else ``NAME.migrated.ipynb`` / ``NAME.migrated.py`` beside each changed file.
A run that would write over an original, write two copies to one file or (without
``--overwrite``) replace a file in OUT_DIR is refused before anything runs (``targets``); every
file is written whole or not at all, and a file that cannot be written is said in one line (the
report is still printed, exit status 2).
The Markdown report goes to standard output (``--json``: the JSON), progress to standard error.
Two targets or more (``--to`` twice, or ``--to`` beside ``--python``) are migrated in turn and
compared in one report (``compare_cli``).
Exit status: 0 done; 1 a document still fails (``--check``: a change would be made); 2 a usage
or set-up problem, or a file that could not be written; 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import kerasmagic
from kerasmagic import line_endings
from kerasmagic.migrate import compare_cli, gate, loop, sources, static_cells, targets
from kerasmagic.migrate.options import option_problem
from kerasmagic.migrate.results import (
    NOT_PYTHON,
    WOULD_CHANGE,
    DocumentResult,
    MigrationReport,
    ModuleResult,
)
from kerasmagic.render.base import HTML, JSON, MARKDOWN
from kerasmagic.render.migration import MigrationView, text_of
from kerasmagic.source_encoding import decoded, encoded

DEFAULT_TIMEOUT = 600.0
FORMATS = {".html": HTML, ".htm": HTML, ".json": JSON}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m kerasmagic migrate",
        description="Migrate old TF/Keras notebooks (.ipynb) and scripts (.py) to the Keras of an "
        "interpreter: run each in a fresh kernel cell by cell, fix what fails with the engine of "
        "%%keras_check, verify every fix by running it.",
        epilog="The original files are never touched without --in-place (a symbolic link is "
        "written through to its file). Without -o or --in-place a changed FILE is written as "
        "FILE.migrated.ipynb / .py beside it. A run that would write over a file being migrated, "
        "write two files to one path, or replace a file already in OUT_DIR (without --overwrite) "
        "is refused before anything runs (exit 2). Every file is written whole or not at all; "
        "one that cannot be written is named on standard error, the report is still printed, "
        "and the exit status is 2. Run mode runs the notebook's own code: kerasmagic installs "
        "nothing, and blocks the package installs it can see (!pip / %pip / %conda install, "
        "get_ipython().system(...) and run_line_magic('pip', ...) spellings, install lines of a "
        "%%bash cell); other shell commands (!, %%bash, os.system, subprocess) run as the "
        "notebook has them, and the report names each cell that runs one.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, scripts or directories")
    where = p.add_mutually_exclusive_group()
    where.add_argument("-o", "--output-dir", type=Path, metavar="OUT_DIR", help="write the migrated copies (and the report) here")  # fmt: skip
    where.add_argument("--in-place", action="store_true", help="rewrite the changed files themselves")  # fmt: skip
    p.add_argument("--overwrite", action="store_true", help="with -o: replace files already in OUT_DIR (never an original)")  # fmt: skip
    p.add_argument("--static", action="store_true", help="only the certain source rewrites; run nothing (no kernel)")  # fmt: skip
    p.add_argument("--report", action="append", default=[], type=Path, metavar="FILE", help="also write the report to FILE (.md, .html or .json; repeatable)")  # fmt: skip
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 when a change would be made")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--python", metavar="INTERPRETER", help="run the kernels (and the static checks) with this Python (default: this one); beside --to, one more target of the comparison")  # fmt: skip
    p.add_argument("--to", action="append", metavar="PINS", help='preview an upgrade: build an environment of exactly these pins ("tensorflow==2.21.0 keras==3.15.1", or "colab" for Colab\'s) plus ipykernel with uv, cached, and migrate there; uses the network (the only option that does); nothing is written without -o or --in-place. Repeatable: two targets (--to twice, or --to beside --python) are migrated in turn and compared cell by cell in one report')  # fmt: skip
    p.add_argument("-j", "--jobs", type=int, metavar="N", help="run mode, several documents: migrate N at a time, each in its own kernel (default: the cores here)")  # fmt: skip
    p.add_argument("--cell-timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS", help=f"interrupt a cell after this long and stop that notebook (default {DEFAULT_TIMEOUT:g})")  # fmt: skip
    gate.add_arguments(p)
    return p


Progress = Callable[[str], None]
Watch = Callable[[Any], Any]  # a kernel → the context manager the run holds it with (course.py)


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _fail(message: str) -> int:
    print(f"kerasmagic migrate: {message}", file=sys.stderr)
    return 2


def _migrate(
    document: sources.Document,
    args: argparse.Namespace,
    python: str,
    progress: Progress = _progress,
    watch: Watch | None = None,
) -> DocumentResult:
    if document.language != "python":
        return DocumentResult(
            str(document.path), document.source.kind, "static" if args.static else "run",
            status=NOT_PYTHON, message=f"not a Python notebook ({document.language}): left as it is",
        )  # fmt: skip
    if args.static:
        return static_cells.migrate_static(document, python, progress)
    from kerasmagic.migrate.kernel import MigrationKernel

    def kernel(doc: sources.Document) -> Any:
        started = MigrationKernel(python, doc.path.parent, args.cell_timeout, len(doc.cells))
        return watch(started) if watch else started

    return loop.migrate_run(document, kernel, python, progress)


def _unwritable(path: Path, exc: OSError) -> str:
    """The one line that says a file could not be written (standard error, and the report)."""
    return f"cannot write {path}: {exc.strerror or exc}"


def _write(
    document: sources.Document, result: DocumentResult, args: argparse.Namespace
) -> str | None:
    """Write the migrated copy where it goes; the reason when it could not be written."""
    target = sources.destination(document.source, args.output_dir, args.in_place)
    result.destination = str(target)
    if args.check or result.status in ("error", NOT_PYTHON):
        return None
    if not any(c.changed for c in result.cells) and args.output_dir is None:
        return None  # in place or beside it: an unchanged file is left alone (its modules aside)
    try:
        if not result.changed and result.mode == "static":
            sources.write(target, document.path.read_bytes())  # byte for byte
        else:
            finals = [c.final for c in result.cells]
            outputs = {c.number - 1: (c.outputs, c.execution_count) for c in result.cells if c.ran}
            sources.write(target, sources.render(document, finals, outputs))
    except OSError as exc:
        why = _unwritable(target, exc)
        result.message = "; ".join(filter(None, [result.message, f"not written: {why}"]))
        return why
    result.written = True
    return None


def _module_destination(module: ModuleResult, document: DocumentResult, in_place: bool) -> Path:
    """Where a corrected module of the user's goes: over itself (``--in-place``), else at its
    place (``UserModules.place_of``) from where the document's copy goes (``-o OUT_DIR``), else
    as ``NAME.migrated.py`` beside it."""
    if in_place:
        return Path(module.path)
    copy = Path(document.destination or document.path)
    if copy.name.endswith(sources.MIGRATED + copy.suffix):
        plain = Path(module.path)
        return plain.with_name(plain.stem + sources.MIGRATED + plain.suffix)
    return Path(os.path.normpath(copy.parent / (module.placed or module.relative)))


def _outside(target: Path, args: argparse.Namespace) -> bool:
    """Would ``target`` be written outside ``-o OUT_DIR`` (a module above the document's folder,
    when only the document was named)?"""
    if args.output_dir is None:
        return False
    out = os.path.realpath(args.output_dir)
    return os.path.commonpath([os.path.realpath(target), out]) != out


def _write_modules(rep: MigrationReport, args: argparse.Namespace) -> list[str]:
    """Write the user's modules the run corrected, once every document is written (a module that
    is itself one of the documents gets the corrected text); the lines saying what could not be."""
    if args.check:
        return []
    originals = {str(Path(d.path).resolve()) for d in rep.documents}
    ours = {str(Path(d.destination).resolve()) for d in rep.documents if d.written and d.destination}  # fmt: skip
    failed = []
    for document in rep.documents:
        for module in (m for m in document.modules if m.changed):
            target = _module_destination(module, document, args.in_place)
            module.destination, key = str(target), str(target.resolve())
            if not args.in_place and (key in originals or key == str(Path(module.path).resolve())):
                why = f"not written: {target} is an original file (only --in-place rewrites it)"
            elif _outside(target, args):
                why = f"not written: {target} is outside {args.output_dir} (migrate the folder that holds both)"
            elif target.exists() and key not in ours and not args.in_place and not args.overwrite:
                why = f"not written: {target} already exists (pass --overwrite)"
            else:
                try:
                    stored = decoded(Path(module.path).read_bytes())
                    sources.write(target, encoded(line_endings.restore(stored, module.final)))
                except (OSError, SyntaxError, UnicodeDecodeError) as exc:
                    why = _unwritable(target, exc) if isinstance(exc, OSError) else f"not written: {exc}"
                else:
                    module.written, why = True, ""
                    ours.add(key)
            if why:
                document.message = "; ".join(filter(None, [document.message, f"module {module.relative} {why}"]))  # fmt: skip
                failed.append(f"module {module.relative}: {why}")
        if args.output_dir is not None and any(m.written for m in document.modules):
            _copy_beside(document, ours, args)
    return failed


def _copy_beside(document: DocumentResult, ours: set[str], args: argparse.Namespace) -> None:
    """The document's other modules of the user's, copied unchanged beside the corrected ones
    in OUT_DIR (a file already there is kept unless this run wrote it or ``--overwrite``)."""
    folder, copy = Path(document.path).parent, Path(document.destination or document.path).parent
    for relative, placed in document.module_files.items():
        source, target = folder / relative, Path(os.path.normpath(copy / placed))
        key = str(target.resolve())
        if _outside(target, args) or (target.exists() and key not in ours and not args.overwrite):
            continue
        with suppress(OSError):
            sources.write(target, source.read_bytes())
            ours.add(key)


def _reports(rep: MigrationReport, args: argparse.Namespace, show: bool = True) -> list[str]:
    """Write the report files, then print the report (``show``); the files that could not be
    written."""
    view = MigrationView(rep)
    failed = []
    for path in targets.report_paths(args.report, args.output_dir, args.check):
        mime = FORMATS.get(path.suffix.lower(), MARKDOWN)
        try:
            sources.write(path, text_of(view, mime).encode("utf-8"))
        except OSError as exc:
            failed.append(_unwritable(path, exc))
            continue
        _progress(f"report written to {path}")
    if show:
        sys.stdout.write(text_of(view, JSON if args.json else MARKDOWN))
        sys.stdout.flush()
    return failed


def _document(
    source: sources.Source,
    args: argparse.Namespace,
    python: str,
    mode: str,
    progress: Progress = _progress,
    watch: Watch | None = None,
) -> tuple[DocumentResult, str | None]:
    """Read, migrate and write one document: its result, and the line saying it could not be
    written (None when it was, or needed not be)."""
    from kerasmagic.migrate.kernel import KernelUnavailable

    try:
        document = sources.read(source)
    except (OSError, ValueError) as exc:
        return DocumentResult(str(source.path), source.kind, mode, status="error", message=f"cannot read it: {exc}"), None  # fmt: skip
    try:
        result = _migrate(document, args, python, progress, watch)
    except KernelUnavailable as exc:
        result = DocumentResult(str(source.path), source.kind, mode, status="error", message=str(exc))  # fmt: skip
    if args.check and result.status == "migrated":  # nothing written: say what would be
        result.status = WOULD_CHANGE
        result.message = f"would change: {result.message} (--check wrote nothing)"
    return result, _write(document, result, args)


def _skip_unused_schema_formats() -> None:
    """nbformat and nbclient import jsonschema, whose string-format checkers import
    ``rfc3987_syntax`` where it is installed (jupyter-events brings it with JupyterLab, Notebook 7
    and Colab's pins) and compile 38 Lark grammars doing so: 1.2 s of every run (measured: ``import
    nbformat`` 1.45 s in tf221-k3 and colab, 0.22 s in the environments without it). No notebook
    schema checks a string format, so in migrate's own process (the user's code runs in a kernel,
    never here) the module is marked absent, as when it is not installed, unless already imported."""
    if "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    _skip_unused_schema_formats()
    args = parser().parse_args(argv)
    if gate.wanted(args):
        return gate.main(args)
    problem = option_problem(args)
    if problem is not None:
        return _fail(problem)
    try:
        found = sources.discover(args.paths)
    except sources.SourceError as exc:
        return _fail(str(exc))
    if not found:
        return _fail("no notebook (.ipynb) or script (.py) found in " + ", ".join(args.paths))
    from kerasmagic.migrate.kernel import missing_run_dependencies

    missing = missing_run_dependencies() if not args.static else []
    if args.static and any(s.kind == "notebook" for s in found):
        missing = [m for m in missing_run_dependencies() if m == "nbformat"]
    if missing:
        return _fail(
            f"{', '.join(missing)} not installed here; run mode needs them: "
            f'install "kerasmagic[migrate]" (kerasmagic installs nothing itself)'
        )
    if compare_cli.compared(args):  # two targets or more: one report side by side
        return compare_cli.run(found, args, run_target)
    args.to = args.to[0] if args.to else None
    status, _ = run_target(found, args)
    return status


def run_target(
    found: list[sources.Source], args: argparse.Namespace, show: bool = True
) -> tuple[int, MigrationReport | None]:
    """Migrate ``found`` in the one target of ``args`` (``--to PINS``, ``--python``, else this
    Python), write what goes to files and print the report (``show``); the exit status and the
    report (None when the run was refused before it started)."""
    if args.to and not (args.output_dir or args.in_place):
        args.check = True  # a preview of the upgrade: nothing is written
        _progress("--to: a preview, nothing is written (-o OUT_DIR or --in-place writes the files)")
    course = not args.static and len(found) > 1  # several documents, -j kernels side by side
    refused = targets.refusal(
        found, args.output_dir, args.in_place, args.report, args.check, args.overwrite, course
    )
    if refused:
        return _fail(refused), None
    from kerasmagic.migrate.kernel import KernelUnavailable, check_interpreter, resolve_interpreter

    target = ""
    if args.to:  # a preview of the upgrade: its environment, built (or found in the cache) here
        from kerasmagic.migrate import preview

        try:
            chosen = preview.target(args.to)
            args.python = preview.environment(chosen, _progress)
        except preview.PreviewError as exc:
            return _fail(str(exc)), None
        except KeyboardInterrupt:  # the unfinished environment is built again at the next --to
            _fail("interrupted while building the --to environment; nothing was migrated")
            return 130, None
        target = preview.described(chosen)
    try:
        python = resolve_interpreter(args.python)
        if not args.static:
            check_interpreter(python)
    except KernelUnavailable as exc:
        return _fail(str(exc)), None

    rep = MigrationReport(
        mode="static" if args.static else "run",
        python=python,
        check=args.check,
        kerasmagic=kerasmagic.__version__,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        target=target,
    )
    start = time.perf_counter()
    unwritten: list[str] = []
    if course:
        from kerasmagic.migrate import course_cli

        unwritten += course_cli.run_course(found, args, python, rep, _document)
    else:
        try:
            for source in found:
                result, why = _document(source, args, python, rep.mode)
                if why:
                    unwritten.append(why)
                rep.documents.append(result)
                if result.status == "interrupted":
                    rep.interrupted = True
                    break
        except KeyboardInterrupt:
            rep.interrupted = True
    rep.seconds = time.perf_counter() - start
    if rep.interrupted and not course:  # a course run has said which documents are written
        _progress("kerasmagic migrate: interrupted; what was migrated so far is written")
    unwritten += _write_modules(rep, args)
    unwritten += _reports(rep, args, show)
    for why in unwritten:
        _fail(why)
    return exit_status(rep, args.check, bool(unwritten)), rep


def exit_status(rep: MigrationReport, check: bool, unwritten: bool = False) -> int:
    """130 interrupted, 2 a file not written, with ``check`` 1 when a change would be made,
    else 1 when a document still fails; 0 otherwise."""
    if rep.interrupted:
        return 130
    if unwritten:
        return 2
    if check:
        return 1 if any(d.changed for d in rep.documents) else 0
    return 1 if any(d.status in ("stopped", "error") for d in rep.documents) else 0


if __name__ == "__main__":
    raise SystemExit(main())
