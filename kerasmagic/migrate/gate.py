"""``migrate --target SPEC`` / ``--diff``: the fast static gate for CI and pre-commit.

Checks notebooks and scripts against the generated knowledge of a named Keras
(``knowledge.known_targets``; ``--target auto``, the default with ``--diff``: the installed Keras
when present, else the newest known) without importing TensorFlow or Keras, and without nbformat
(a notebook is read as JSON; its magics and shell lines are left out of the check). Nothing is
written. Output as ruff's: one line per finding on standard output (``[*]``: a certain rewrite
exists), or with ``--diff`` the unified diff of those rewrites; what the gate is and is not checking
goes to standard error. Exit status: 1 findings, 0 none, 2 usage (an unknown target included).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from kerasmagic.diagnosis.knowledge_lint import Edit, GateFinding, KnowledgeLint
from kerasmagic.diagnosis.knowledge_names import LINE_BREAK
from kerasmagic.knowledge import known_targets
from kerasmagic.migrate import sources

# options the gate refuses (exit 2, one line): it writes nothing, runs no kernel (so no -j and no
# --python) and checks against generated knowledge of --target (so it builds no --to environment)
NOT_WITH = ("output_dir", "in_place", "overwrite", "report", "json", "python", "jobs", "to")
SPELLED = {"output_dir": "-o/--output-dir", "jobs": "-j/--jobs"}
MAGIC = re.compile(r"^\s*[%!]")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The gate's options, on ``migrate``'s parser."""
    p.add_argument("--target", metavar="SPEC", help="check only, from generated knowledge, without importing TF/Keras: keras==3.15, tensorflow==2.21, or auto (the installed Keras, else the newest known)")  # fmt: skip
    p.add_argument("--diff", action="store_true", help="with the gate (--target, default auto): print the unified diff of the certain rewrites; write nothing")  # fmt: skip


def wanted(args: argparse.Namespace) -> bool:
    """Is this run the gate (``--target`` or ``--diff`` given)?"""
    return args.target is not None or bool(args.diff)


@dataclass
class Checked:
    """One file: its cells (index in the notebook, source), what was skipped, the findings."""

    path: Path
    notebook: bool
    cells: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    findings: list[GateFinding] = field(default_factory=list)


def _read(path: Path) -> Checked:
    """A script's text in its own encoding, or a notebook's code cells (``ValueError``)."""
    data = path.read_bytes()
    if path.suffix != ".ipynb":
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return Checked(path, False, [(0, data.decode(encoding))])
    try:
        nb = json.loads(data.decode("utf-8"))
        meta = nb.get("metadata") or {}
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a notebook ({type(exc).__name__}: {exc})") from None
    language = (meta.get("kernelspec") or {}).get("language") or (meta.get("language_info") or {}).get("name") or "python"  # fmt: skip
    checked = Checked(path, True)
    if str(language).lower() != "python":
        checked.skipped.append(f"not a Python notebook ({language})")
        return checked
    for index, cell in enumerate(cells):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            checked.cells.append((index, "".join(source) if isinstance(source, list) else str(source)))  # fmt: skip
    return checked


def _parsable(source: str) -> str | None:
    """The cell with its IPython magics and shell lines blanked (lines kept); None for a cell
    magic (``%%bash``…), which is not Python."""
    lines = LINE_BREAK.split(source)
    if lines and lines[0].lstrip().startswith("%%"):
        return None
    return "\n".join("" if MAGIC.match(line) else line for line in lines)


def check_file(path: Path, lint: KnowledgeLint) -> Checked:
    checked = _read(path)
    trees = []
    for number, (index, source) in enumerate(checked.cells, start=1):
        where = f"cell {number}" if checked.notebook else "the file"
        text = _parsable(source)
        if text is None:
            continue
        try:
            trees.append((index, ast.parse(text), source))
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            checked.skipped.append(f"{where} does not parse as Python (line {line}): not checked")
    checked.findings = lint.check(trees)
    return checked


def apply_edits(source: str, edits: list[Edit]) -> str:
    """``source`` with ``edits`` made (an edit overlapping one already made is left out)."""
    starts = [0] + [m.end() for m in LINE_BREAK.finditer(source)]

    def offset(line: int, col: int) -> int:
        return starts[line - 1] + col

    spans = sorted(
        {
            (offset(e.span.line, e.span.col), offset(e.span.end_line, e.span.end_col), e.text)
            for e in edits
        },  # fmt: skip
        reverse=True,
    )
    out, limit = source, len(source) + 1
    for start, end, text in spans:
        if end > limit:
            continue
        out = out[:start] + text + out[end:]
        limit = start
    return out


LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
NO_NEWLINE = "\n\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    """The lines of ``text``, each with its own ending (the last may have none)."""
    return [m.group(0) for m in LINES.finditer(text)]


def _diff_lines(lines: list[str]) -> list[str]:
    return [line if line.endswith(("\n", "\r")) else line + NO_NEWLINE for line in lines]


def diff_of(checked: Checked) -> str:
    """The unified diff of the file's certain rewrites ('' when there are none)."""
    by_cell: dict[int, list[Edit]] = {}
    for finding in checked.findings:
        by_cell.setdefault(finding.cell, []).extend(finding.edits)
    chunks = []
    for number, (index, source) in enumerate(checked.cells, start=1):
        edits = by_cell.get(index)
        if not edits:
            continue
        name = f"{checked.path}:cell {number}" if checked.notebook else str(checked.path)
        new = apply_edits(source, edits)
        chunks.extend(
            _diff_lines(list(difflib.unified_diff(_lines(source), _lines(new), name, name)))
        )
    return "".join(chunks)


def _where(checked: Checked, finding: GateFinding) -> str:
    if checked.notebook:
        number = next(n for n, (i, _) in enumerate(checked.cells, start=1) if i == finding.cell)
        return f"{checked.path}:cell {number}:{finding.line}:{finding.col}"
    return f"{checked.path}:{finding.line}:{finding.col}"


def _line(checked: Checked, finding: GateFinding) -> str:
    mark = " [*]" if finding.edits else ""
    return f"{_where(checked, finding)}: {finding.rule}{mark} {finding.message}"


def _usage(message: str) -> int:
    print(f"kerasmagic migrate: {message}", file=sys.stderr)
    return 2


def main(args: argparse.Namespace) -> int:
    """Run the gate for parsed ``migrate`` options; the exit status."""
    given = [n for n in NOT_WITH if getattr(args, n, None) not in (None, [], "") and getattr(args, n) is not False]  # fmt: skip
    clash = [SPELLED.get(name, f"--{name.replace('_', '-')}") for name in given]
    if clash:
        return _usage(f"{', '.join(clash)}: not with --target/--diff (the gate reads the files against generated knowledge of --target: it runs no kernel, builds no environment and writes nothing)")  # fmt: skip
    try:
        target = known_targets.resolve(args.target)
    except known_targets.UnknownTarget as exc:
        return _usage(str(exc))
    try:
        found = sources.discover(args.paths)
    except sources.SourceError as exc:
        return _usage(str(exc))
    lint = KnowledgeLint(target)
    problems = fixable = files = 0
    for source in found:
        try:
            checked = check_file(source.path, lint)
        except (OSError, ValueError) as exc:
            print(f"{source.path}: cannot read it: {exc}", file=sys.stderr)
            problems += 1
            continue
        files += 1
        for why in checked.skipped:
            print(f"{source.path}: {why}", file=sys.stderr)
        problems += len(checked.findings)
        fixable += sum(bool(f.edits) for f in checked.findings)
        if args.diff:
            sys.stdout.write(diff_of(checked))
            for finding in checked.findings:
                if not finding.edits:
                    print(_line(checked, finding), file=sys.stderr)
        else:
            for finding in checked.findings:
                print(_line(checked, finding))
    sys.stdout.flush()
    tf = f", tensorflow {target.tensorflow}" if target.tensorflow else ""
    print(
        f"kerasmagic migrate: {files} file(s) checked against keras {target.keras}{tf} "
        f"({target.chosen}) from generated knowledge, TensorFlow and Keras not imported; "
        f"{problems} problem(s), {fixable} with a certain rewrite (--diff shows it). "
        "The engine's static rules that read the live API do not run in this "
        f"mode: `migrate --static` where the target is installed runs them.",
        file=sys.stderr,
    )
    return 1 if problems else 0
