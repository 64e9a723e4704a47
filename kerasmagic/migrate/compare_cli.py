"""``migrate PATH --python OLD --to PINS`` (or ``--to A --to B``): the targets side by side.

Each target is migrated in turn as a run of its own would be (``cli.run_target``: ``--to`` builds
or finds its environment), its report kept, not printed; then one report compares them cell by
cell (``comparison.Comparison``, rendered by ``render/comparison.py``): printed (``--json``: the
JSON), and written to ``--report FILE`` and, with ``-o OUT_DIR``, to
``OUT_DIR/migration-comparison.md``/``.html`` beside one folder per target (``OUT_DIR/1-python``,
``OUT_DIR/2-tensorflow-2.21.0-keras-3.15.1``) holding that target's copies and report. Without
``-o`` nothing is written but ``--report``; ``--in-place`` is refused (one file, several targets).
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import kerasmagic
from kerasmagic.migrate import sources, targets
from kerasmagic.migrate.comparison import Comparison, TargetRun
from kerasmagic.migrate.results import MigrationReport
from kerasmagic.render.base import HTML, JSON, MARKDOWN
from kerasmagic.render.comparison import ComparisonView
from kerasmagic.render.migration import text_of

REPORT_NAMES = ("migration-comparison.md", "migration-comparison.html")
FORMATS = {".html": HTML, ".htm": HTML, ".json": JSON}
RunTarget = Callable[..., "tuple[int, MigrationReport | None]"]


def planned(args: argparse.Namespace) -> list[tuple[str, str | None, str | None]]:
    """The targets of the run, in order: ``(as given, --python, --to)``; ``--python`` first
    when it stands beside ``--to`` (the Python of today, then the upgrades)."""
    out: list[tuple[str, str | None, str | None]] = []
    if args.python and args.to:
        out.append((f"--python {args.python}", args.python, None))
    out += [(f"--to {spec}", None, spec) for spec in args.to or []]
    return out


def compared(args: argparse.Namespace) -> bool:
    """Does this run compare two targets or more?"""
    return len(planned(args)) > 1


def comparison_problem(args: argparse.Namespace) -> str | None:
    """What a comparison cannot do with these options (one line), or None."""
    if args.in_place:
        return (
            "--in-place: comparing targets migrates each file once per target; -o OUT_DIR "
            "writes each target's copies to a folder of its own"
        )
    seen: set[frozenset[str]] = set()
    for spec in args.to or []:
        pins = frozenset(spec.lower().replace(",", " ").split())
        if pins in seen:
            return f"--to {spec!r} is given twice: name each target once"
        seen.add(pins)
    return None


def folder(number: int, given: str) -> str:
    """The target's folder under ``OUT_DIR``: its number and a name read from its pins."""
    name = "python" if given.startswith("--python") else given.removeprefix("--to ")
    return f"{number}-" + re.sub(r"[^A-Za-z0-9.]+", "-", name.replace("==", "-")).strip("-")[:60]


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _report_paths(args: argparse.Namespace) -> list[Path]:
    paths = list(args.report)
    if args.output_dir is not None:
        paths += [args.output_dir / name for name in REPORT_NAMES]
    return paths


def _refused(found: list[sources.Source], args: argparse.Namespace) -> str | None:
    """Why the comparison must not start: a report written over a file being migrated, or
    (without ``--overwrite``) a target's copy or a report over a file already in ``OUT_DIR``."""
    refused = targets.refusal(found, None, False, _report_paths(args), True, True)
    if refused:
        return refused
    if args.output_dir is None:
        return None
    each = not args.static and len(found) > 1
    for number, (given, _, _) in enumerate(planned(args), start=1):  # each target's copies
        out = args.output_dir / folder(number, given)
        refused = targets.refusal(found, out, False, [], args.check, args.overwrite, each)
        if refused:
            return refused
    if not args.overwrite:
        for name in REPORT_NAMES:
            if os.path.lexists(args.output_dir / name):
                return f"{args.output_dir / name} already exists: pass --overwrite to replace files in OUT_DIR"  # fmt: skip
    return None


def run(found: list[sources.Source], args: argparse.Namespace, run_target: RunTarget) -> int:
    """Migrate ``found`` in each target, then print and write the comparison; the exit status
    (130 interrupted, 2 a target not run or a file not written, else the highest of the
    targets': 1 when a target would change or still fails a document)."""
    refused = _refused(found, args)
    if refused:
        _say(f"kerasmagic migrate: {refused}")
        return 2
    wanted = planned(args)
    comparison = Comparison(
        kerasmagic=kerasmagic.__version__,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        check=args.output_dir is None,
    )
    start = time.perf_counter()
    for number, (given, python, to) in enumerate(wanted, start=1):
        one = copy.copy(args)
        one.python, one.to, one.json, one.report = python, to, False, []
        one.check = args.check or args.output_dir is None  # a preview: nothing written without -o
        one.output_dir = args.output_dir / folder(number, given) if args.output_dir else None
        _say(f"target {number} of {len(wanted)}: {given}")
        status, rep = run_target(found, one, show=False)
        problem = "" if rep else "not run (said on standard error)"
        comparison.targets.append(TargetRun(given, rep, status, problem))
        if status == 130:
            comparison.interrupted = True
            break
    comparison.seconds = time.perf_counter() - start
    view = ComparisonView(comparison)
    unwritten = []
    for path in _report_paths(args):
        try:
            sources.write(path, text_of(view, FORMATS.get(path.suffix.lower(), MARKDOWN)).encode("utf-8"))  # fmt: skip
        except OSError as exc:
            unwritten.append(f"cannot write {path}: {exc.strerror or exc}")
            continue
        _say(f"comparison written to {path}")
    sys.stdout.write(text_of(view, JSON if args.json else MARKDOWN))
    sys.stdout.flush()
    for why in unwritten:
        _say(f"kerasmagic migrate: {why}")
    statuses = [t.status for t in comparison.targets]
    if comparison.interrupted:
        return 130
    if unwritten or 2 in statuses:
        return 2
    return max(statuses, default=0)
