"""Does a fix survive the same real code laid out another way? A probe of generalisation on the
corpus's TUNING files only (never a sealed one): each published script becomes a notebook (a cell
per paragraph of top-level statements, as the same lesson is written in Jupyter), each published
notebook a script (its code cells one after another, line magics and shell lines left out; a
notebook with cell magics or a bare ``display(...)`` is skipped).

    python3 scripts/realcode_relayout.py --out DIR --manifest PATH [--env tf221-k3] [--sample N] [--seed S]

It picks tuning files that the kept runs (``docs/realcode_runs/*.json``) show breaking as
published and fixed by ``migrate`` in ``--env``, writes the relaid files to ``DIR/files`` (with
their data), and a manifest of them to ``PATH``; the report then runs them like any corpus file:

    KERASMAGIC_REALCODE=DIR python scripts/realcode_report.py tf221-k3 --only NAMES --json OUT

(from a checkout whose ``tests/realcode/manifest/`` holds ``PATH``). A file fixed as published
and not once relaid is a fix that matched the layout it was written in.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import random
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "realcode"))

import corpus  # noqa: E402

MAGIC_LINE = re.compile(r"^\s*[%!]")


def fixed_tuning(env: str) -> list[str]:
    """The tuning files the newest kept run in ``env`` shows breaking and fixed."""
    newest: dict[str, tuple[str, dict]] = {}
    for path in (ROOT / "docs" / "realcode_runs").glob("*.json"):
        for run in json.loads(path.read_text(encoding="utf-8")):
            if run.get("env") != env or run.get("control_only"):
                continue
            for f in run.get("files", []):
                if f["name"] not in newest or newest[f["name"]][0] < run["date"]:
                    newest[f["name"]] = (run["date"], f)
    return sorted(
        name
        for name, (_, f) in newest.items()
        if f.get("split") == "tuning" and not f.get("runs_as_published") and f.get("fixed")
    )


def as_notebook(source: str) -> str | None:
    """The script as a notebook: a new cell at each top-level statement after a blank line."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    lines = source.splitlines(keepends=True)
    starts = [0]
    for stmt in tree.body[1:]:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])]) - 1
        while first > 0 and lines[first - 1].lstrip().startswith("#"):
            first -= 1  # the comments above it go with it
        if first > 0 and not lines[first - 1].strip():
            starts.append(first)
    starts.append(len(lines))
    cells = ["".join(lines[a:b]).strip("\n") for a, b in zip(starts, starts[1:])]
    cells = [c for c in cells if c.strip()]
    return notebook_json(cells) if len(cells) >= 2 else None


def notebook_json(cells: list[str]) -> str:
    """A notebook of the code cells ``cells`` (no outputs, a Python 3 kernel), as JSON text."""
    notebook = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": c.splitlines(keepends=True)}
            for c in cells
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def as_script(text: str) -> str | None:
    """The notebook's code cells as one script; None when a cell needs IPython to run."""
    try:
        cells = json.loads(text)["cells"]
    except (ValueError, KeyError):
        return None
    parts = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", []))
        if source.lstrip().startswith("%%") or re.search(r"^\s*display\(", source, re.M):
            return None
        kept = "".join(line for line in source.splitlines(keepends=True) if not MAGIC_LINE.match(line))  # fmt: skip
        if kept.strip():
            parts.append(kept.rstrip("\n") + "\n")
    script = "\n\n".join(parts)
    try:
        ast.parse(script)
    except SyntaxError:
        return None
    return script


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="the folder of the relaid corpus")
    parser.add_argument("--manifest", required=True, help="the manifest of the relaid files")
    parser.add_argument("--env", default="tf221-k3")
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    entries = {e.name: e for e in corpus.load()}
    names = [n for n in fixed_tuning(args.env) if n in entries and entries[n].split == "tuning"]
    random.Random(args.seed).shuffle(names)
    files = Path(args.out) / "files"
    files.mkdir(parents=True, exist_ok=True)
    blocks, made = [], []
    for name in names:
        if len(made) >= args.sample:
            break
        entry = entries[name]
        if not entry.file().is_file():
            continue
        text = entry.file().read_text(encoding="utf-8", errors="replace")
        relaid = as_notebook(text) if entry.kind == "script" else as_script(text)
        if relaid is None:
            continue
        kind = "notebook" if entry.kind == "script" else "script"
        new = f"rl{corpus.KINDS[kind][1:3]}-{name}"
        stem, _, _ext = entry.path.rpartition(".")
        target = files / (new + corpus.KINDS[kind])
        target.write_text(relaid, encoding="utf-8")
        data = entry.file().parent / f"{name}.data"
        if data.is_dir():
            shutil.copytree(data, files / f"{new}.data", dirs_exist_ok=True)
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        lists = "".join(
            f"{key} = {json.dumps(list(values))}\n"
            for key, values in (("data", entry.data), ("folders", entry.folders))
            if values
        )
        blocks.append(
            f'[[file]]\nname = "{new}"\nkind = "{kind}"\nrepo = "{entry.repo}"\n'
            f'path = "{stem}_relaid{corpus.KINDS[kind]}"\ncommit = "{entry.commit}"\n'
            f'license = "{entry.license}"\nsha256 = "{digest}"\n{lists}control = "{entry.control}"\n'
            f'note = "relaid from the tuning file {name} (scripts/realcode_relayout.py)"\n'
        )
        made.append(new)
    header = "# Relaid tuning files (scripts/realcode_relayout.py): a probe, never part of the corpus.\n\n"  # fmt: skip
    Path(args.manifest).write_text(header + "\n".join(blocks), encoding="utf-8")
    print(" ".join(made))
    return 0


if __name__ == "__main__":
    sys.exit(main())
