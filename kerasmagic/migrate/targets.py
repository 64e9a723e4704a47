"""The files a ``migrate`` run would write, checked before anything runs: a run that would lose a
file of the user's is refused whole (exit 2), saying which file and what to do instead.

Refused: a migrated copy or a report written over a file being migrated (only ``--in-place``
rewrites the originals), two migrated copies written to one file, and, without ``--overwrite``,
a file already in ``-o OUT_DIR``. Paths are compared as the files they name (links resolved).
"""

from __future__ import annotations

import os
from pathlib import Path

from kerasmagic.migrate.sources import Source, destination

REPORT_NAMES = ("migration-report.md", "migration-report.html")
DOCUMENT_REPORTS = "migration-reports"  # under OUT_DIR: each document's own report (a course run)


def report_paths(reports: list[Path], out_dir: Path | None, check: bool) -> list[Path]:
    """The report files written: those of ``--report``, else the two in ``OUT_DIR``."""
    if reports or out_dir is None or check:
        return list(reports)
    return [out_dir / name for name in REPORT_NAMES]


def document_report_paths(source: Source, out_dir: Path) -> list[Path]:
    """A document's own report in a run of several (Markdown, HTML): ``OUT_DIR/migration-reports/``
    mirroring the tree, named after the file with its suffix (``a.ipynb.md`` beside ``a.py.md``)."""
    stem = out_dir / DOCUMENT_REPORTS / source.relative
    return [stem.with_name(stem.name + ".md"), stem.with_name(stem.name + ".html")]


def _key(path: Path) -> str:
    return os.path.normcase(os.path.realpath(path))


def refusal(
    found: list[Source],
    out_dir: Path | None,
    in_place: bool,
    reports: list[Path],
    check: bool,
    overwrite: bool,
    each: bool = False,
) -> str | None:
    """Why this run must not start (one line), or None when it loses nothing. ``each``: every
    document gets its own report under ``OUT_DIR`` too (a run of several, ``course_cli``)."""
    originals = {_key(s.path): s.path for s in found}
    copies: dict[str, Source] = {}
    if not check:
        for source in found:
            target = destination(source, out_dir, in_place)
            key = _key(target)
            if not in_place and key in originals:
                over = f"itself ({target})" if originals[key] == source.path else originals[key]
                instead = "pick another -o folder" if out_dir else f"leave {target} out of the run"
                return (
                    f"the migrated copy of {source.path} would be written over {over}: "
                    f"only --in-place rewrites the files being migrated; {instead}"
                )
            if key in copies:
                return (
                    f"{copies[key].path} and {source.path} would both be written to {target}: "
                    f"migrate them in separate runs, or name the folder that holds both (its tree "
                    f"is mirrored under OUT_DIR)"
                )
            copies[key] = source
            if out_dir is not None and not overwrite and os.path.lexists(target):
                return f"{target} already exists: pass --overwrite to replace files in OUT_DIR"
    own = [p for s in found for p in document_report_paths(s, out_dir)] if each and out_dir and not check else []  # fmt: skip
    for path in report_paths(reports, out_dir, check) + own:
        key = _key(path)
        if key in originals:
            return f"the report {path} would be written over {originals[key]}, a file being migrated: name another --report file"  # fmt: skip
        if key in copies:
            return f"the report {path} would be written over the migrated copy of {copies[key].path}: name another --report file"  # fmt: skip
        in_out = not reports or path in own
        if out_dir is not None and in_out and not overwrite and os.path.lexists(path):
            return f"{path} already exists: pass --overwrite to replace files in OUT_DIR"
    return None
