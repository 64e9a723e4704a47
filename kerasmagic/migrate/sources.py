"""The notebooks and scripts to migrate: found, read, and written where the user asked.

Directories are searched recursively, skipping hidden directories (``.git``,
``.ipynb_checkpoints``, ``.venv``…), virtual environments (a ``pyvenv.cfg`` or ``conda-meta``),
``site-packages``, ``__pycache__`` and ``node_modules``, and earlier ``*.migrated.*`` copies.
A notebook is read with nbformat; a script as Python reads a source file (``tokenize``'s encoding
rules: a coding cookie or a BOM), each line's ending kept for writing back (``line_endings``). A
script is read as the cells a notebook of it would have: its top-level statements grouped by the
blank lines between them (a statement is never split; comments go with the code after them), each
block an exact slice of the file, so that the blocks, joined, are the file again.
"""

from __future__ import annotations

import ast
import io
import json
import os
import tokenize
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kerasmagic import line_endings
from kerasmagic.atomic_write import write_atomic
from kerasmagic.diagnosis.compiled_cell import code_lines, leading_blank_lines

SUFFIXES = (".ipynb", ".py")
SKIP_DIRS = {"site-packages", "__pycache__", "node_modules", "dist-packages"}
ENV_MARKERS = ("pyvenv.cfg", "conda-meta")
MIGRATED = ".migrated"


class SourceError(ValueError):
    """A path that is neither a notebook, a script nor a directory holding some."""


@dataclass(frozen=True)
class Source:
    """A file to migrate; ``root`` is the directory argument it was found under (None for a
    file named on the command line)."""

    path: Path
    root: Path | None = None
    read_as: str = ""  # a file named without .py/.ipynb: the kind its content was found to be

    @property
    def kind(self) -> str:
        return self.read_as or ("notebook" if self.path.suffix == ".ipynb" else "script")

    @property
    def relative(self) -> Path:
        return self.path.relative_to(self.root) if self.root else Path(self.path.name)


@dataclass
class Document:
    """A source's content: code cells as text (a script: its blocks), plus what writing needs."""

    source: Source
    cells: list[str]
    notebook: Any = None  # nbformat.NotebookNode for notebooks
    code_indices: list[int] = field(default_factory=list)  # notebook cell index of each cell
    encoding: str = "utf-8"
    stored: str = ""  # a script's text with its line endings as read

    @property
    def path(self) -> Path:
        return self.source.path

    @property
    def language(self) -> str:
        if self.notebook is None:
            return "python"
        meta = self.notebook.metadata
        return (meta.get("kernelspec", {}).get("language") or meta.get("language_info", {}).get("name") or "python").lower()  # fmt: skip


def _skipped_dir(path: Path) -> bool:
    if path.name.startswith(".") or path.name in SKIP_DIRS:
        return True
    return any((path / marker).exists() for marker in ENV_MARKERS)


def _wanted_file(name: str) -> bool:
    if not name.endswith(SUFFIXES) or name.startswith("."):
        return False
    # Jupyter's own checkpoints live in the hidden .ipynb_checkpoints folder, skipped above: a
    # user's `model-checkpoint.ipynb` is a notebook like any other
    return not name.rsplit(".", 1)[0].endswith(MIGRATED)


def discover(paths: list[str | Path]) -> list[Source]:
    """Every notebook and script under ``paths`` (files named explicitly are always taken),
    each once, in a stable order."""
    found: list[Source] = []
    seen: set[Path] = set()

    def add(source: Source) -> None:
        key = source.path.resolve()
        if key not in seen:
            seen.add(key)
            found.append(source)

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                here = Path(dirpath)
                dirnames[:] = sorted(d for d in dirnames if not _skipped_dir(here / d))
                for name in sorted(filenames):
                    if _wanted_file(name):
                        add(Source(here / name, path))
        elif path.is_file():
            if path.suffix and path.suffix not in SUFFIXES:  # notes.txt, data.json: not code by name
                raise SourceError(f"{path}: not a notebook (.ipynb) or a script (.py)")
            add(Source(path) if path.suffix else Source(path, read_as=_content_kind(path)))
        else:
            raise SourceError(f"{path}: no such file or directory")
    return found


def _content_kind(path: Path) -> str:
    """The kind of a file named without a suffix (a script called ``train``, a course's
    ``SqueezeNet - Simplified Alexnet``), read from its content: a notebook's JSON (an object
    with ``cells``), else Python source that parses and holds a statement; ``SourceError`` for
    anything else."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read it ({exc})") from None
    with suppress(ValueError):
        document = json.loads(data)
        if isinstance(document, dict) and "cells" in document:
            return "notebook"
    try:
        code = ast.parse(data).body
    except (SyntaxError, ValueError):
        code = []
    if not code:  # prose, an empty file
        raise SourceError(f"{path}: not a notebook (.ipynb) or a script (.py), by name or content") from None
    return "script"


# -- reading --------------------------------------------------------------------------------------
def read(source: Source) -> Document:
    """The document at ``source`` (``OSError``/``ValueError`` when it cannot be read)."""
    if source.kind == "notebook":
        return _notebook(source)
    data = source.path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    stored = data.decode(encoding)
    blocks = script_blocks(line_endings.universal(stored))
    return Document(source, blocks, None, list(range(len(blocks))), encoding, stored)


def script_blocks(text: str) -> list[str]:
    """``text`` cut before each top-level statement that a blank line separates from the one
    before it, after the last blank line between them (a block starts with code or a comment,
    never a blank line). ``"".join(blocks) == text``; one block when it does not parse."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError):
        return [text]
    lines = text.splitlines(keepends=True)
    cuts = [0]
    for before, statement in zip(body, body[1:]):
        end = before.end_lineno or before.lineno  # 1-based, inclusive
        start = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])
        gap = lines[end : start - 1]
        blanks = [i for i, ln in enumerate(gap) if not ln.strip()]
        if blanks:  # cut after the last blank line: IPython drops a cell's leading blank lines
            cuts.append(end + blanks[-1] + 1)  # (its tracebacks count lines without them)
    cuts.append(len(lines))
    return ["".join(lines[a:b]) for a, b in zip(cuts, cuts[1:]) if b > a] or [text]



def _notebook(source: Source) -> Document:
    """A notebook as nbformat reads it; ``ValueError`` when it is not one (a JSON list, a code
    cell without ``source``: nbformat's own exceptions for these vary)."""
    import nbformat

    with open(source.path, encoding="utf-8") as fh:
        text = fh.read()
    try:
        nb = nbformat.reads(text, as_version=4)
        indices = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        cells = [nb.cells[i].source for i in indices]
        if not all(isinstance(c, str) for c in cells):
            raise TypeError("a code cell's source is not text")
    except Exception as exc:
        raise ValueError(
            f"not a notebook nbformat can read ({type(exc).__name__}: {exc})"
        ) from None
    return Document(source, cells, nb, indices)


# -- writing --------------------------------------------------------------------------------------
def destination(source: Source, out_dir: Path | None, in_place: bool) -> Path:
    """Where the migrated copy goes: the file itself (``--in-place``), ``OUT_DIR`` (a directory
    argument's tree mirrored under it), else ``NAME.migrated.ipynb`` / ``.py`` beside it."""
    if in_place:
        return source.path
    if out_dir is not None:
        return out_dir / source.relative
    return source.path.with_name(source.path.stem + MIGRATED + source.path.suffix)


def render(document: Document, cells: list[str], outputs: dict[int, Any] | None = None) -> bytes:
    """The migrated file's bytes: ``cells`` replace the document's code cells; ``outputs``
    (cell number → (outputs, execution_count)) replace those cells' outputs."""
    if document.notebook is None:
        return line_endings.restore(document.stored, "".join(cells)).encode(document.encoding)
    import copy

    import nbformat

    nb = copy.deepcopy(document.notebook)
    for number, index in enumerate(document.code_indices):
        cell = nb.cells[index]
        if cells[number] != cell.source:
            cell.source = cells[number]
            cell.outputs, cell.execution_count = [], None
        if outputs and number in outputs:
            cell.outputs, cell.execution_count = outputs[number]
    return (nbformat.writes(nb) + "\n").encode("utf-8")


def write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (``OSError``: nothing written or left)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)


def grown_names(source: str) -> set[str]:
    """The names of models whose state the cell changes so that a second run of it over the same
    objects differs from one over fresh objects: those it calls ``.add(…)`` on (a model it grows
    layer by layer), and those whose ``trainable`` it sets without compiling them (Keras 3 keeps
    the training step it built at the first ``train_on_batch``/``fit``: a model frozen then
    unfrozen by a corrected cell trains only when built again)."""
    tree = _parsed(source)
    nodes = list(ast.walk(tree)) if tree is not None else []
    methods: dict[str, set[str]] = {}
    for node in nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if isinstance(node.func.value, ast.Name):
                methods.setdefault(node.func.attr, set()).add(node.func.value.id)
    toggled = {
        target.value.id
        for node in nodes
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute)
        and target.attr == "trainable"
        and isinstance(target.value, ast.Name)
    }
    return methods.get("add", set()) | (toggled - methods.get("compile", set()))


def bound_names(source: str) -> set[str]:
    """The names a cell assigns at its top level."""
    tree = _parsed(source)
    return {
        target.id
        for node in (tree.body if tree is not None else ())
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


# methods whose call adds to the object each time it runs (``model.add(Dense(8))`` run twice adds two)
ACCUMULATING = frozenset({"add", "append", "extend", "insert"})


def accumulated_names(source: str) -> set[str]:
    """The names a cell adds to at its top level (``model_left.add(…)``, ``layers.append(…)``)
    without binding them itself: running it again adds again to what an earlier cell made."""
    tree = _parsed(source)
    added = {
        node.value.func.value.id
        for node in (tree.body if tree is not None else ())
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and node.value.func.attr in ACCUMULATING
        and isinstance(node.value.func.value, ast.Name)
    }
    return added - bound_names(source)


def same_cell_code(ours: str, ran: str) -> bool:
    """Is ``ran`` (IPython's copy of a cell: its lines' trailing blanks dropped, a newline added,
    its leading empty lines dropped before compiling) the cell ``ours``?"""
    return code_lines(ours.splitlines()) == code_lines(ran.splitlines())


def as_written(fixed: str, ours: str, ran: str) -> str:
    """``fixed``, a corrected version of ``ran`` (the kernel's copy of the cell ``ours``), laid
    out as ``ours``: its leading empty lines kept, no final newline where it has none."""
    fixed = fixed if ours.endswith("\n") else fixed.rstrip("\n")
    return "\n" * max(0, leading_blank_lines(ours) - leading_blank_lines(ran)) + fixed


def imported_tops(source: str) -> set[str]:
    """The first part of every module name the cell imports absolutely (``core`` for ``from
    core.model import Model``), at any depth."""
    tree = _parsed(source)
    tops: set[str] = set()
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Import):
            tops |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            tops.add(node.module.split(".")[0])
    return tops


def _parsed(source: str) -> ast.Module | None:
    """The cell's tree; a notebook cell's IPython lines (``%matplotlib inline``, ``!pip …``) read
    as blank lines, so the Python around them still counts (a cell that imports the user's
    module and ends with a magic imports it)."""
    for text in (source, _without_ipython_lines(source)):
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
    return None


def _without_ipython_lines(source: str) -> str:
    """``source`` with each line that starts (after its indentation) with ``%`` or ``!`` blank,
    or ``pass`` where it is indented (a block's only statement stays a block)."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped[:1] in ("%", "!"):
            indent = line[: len(line) - len(stripped)]
            line = f"{indent}pass" if indent else ""
        lines.append(line)
    return "\n".join(lines)
