"""Parse a cell (IPython syntax allowed) and rewrite exact text spans of the original source.

IPython's ``TransformerManager`` turns ``%magic``/``!cmd``/``x?`` lines into Python line for line,
so positions from ``ast`` on the transformed text are positions in the original cell. Edits are
applied to the ORIGINAL text: comments, formatting and IPython lines are kept byte for byte.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field

from kerasmagic.diagnosis.word_merge import merge_changes

IPYTHON_SYNTAX = re.compile(r"^\s*[%!]|\?\s*$|^\s*\w+\s*=\s*[%!]", re.M)


def called_name(func: ast.AST) -> str | None:
    """The last name of what a call calls: ``Dense`` of ``layers.Dense(…)``, ``f`` of ``f(…)``."""
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def walk(tree: ast.AST) -> list[ast.AST]:
    """Every node under ``tree``, in ``ast.walk`` order."""
    return list(ast.walk(tree))


def parent_map(tree: ast.AST) -> dict[int, ast.AST]:
    """Each node's parent under ``tree``, by the child's ``id``."""
    return {id(child): node for node in walk(tree) for child in ast.iter_child_nodes(node)}


def single_assignment(tree: ast.AST, name: str) -> ast.expr | None:
    """The value ``name`` is bound to when the cell binds it exactly once, by a plain assignment
    (``path = 'cp-{epoch}'``); None when it is bound otherwise, more than once, or not at all."""
    values: list[ast.expr | None] = []
    for node in walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    values.append(node.value)
                elif any(isinstance(n, ast.Name) and n.id == name for n in walk(target)):
                    values.append(None)  # unpacked from a structure: not the whole value
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            if any(isinstance(n, ast.Name) and n.id == name for n in walk(node.target)):
                values.append(None)
        elif isinstance(node, ast.NamedExpr) and node.target.id == name:
            values.append(None)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            if any(isinstance(n, ast.Name) and n.id == name for n in walk(node.optional_vars)):
                values.append(None)
    return values[0] if len(values) == 1 else None


IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def guarded_imports(tree: ast.AST) -> set[int]:
    """The ``id`` of each import statement in a ``try`` body whose handlers catch its failure
    (``except ImportError:``, a bare ``except:`` …): code that runs on without the module."""
    guarded: set[int] = set()
    for node in walk(tree):
        if not isinstance(node, ast.Try):
            continue
        caught = set()
        for handler in node.handlers:
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            caught |= {called_name(k) if k is not None else "BaseException" for k in kinds}
        if caught & IMPORT_ERRORS:
            for stmt in node.body:
                guarded |= {id(n) for n in walk(stmt) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return guarded


@dataclass(frozen=True)
class Edit:
    """Replace original text from (line, col) to (end_line, end_col) — 1-based lines, character
    columns — with ``text``. ``cell``: None for the cell at hand, ``i`` for the earlier cell
    ``CellContext.earlier[i]`` (where a value the cell uses gets it: ``diagnosis/provenance.py``)."""

    line: int
    col: int
    end_line: int
    end_col: int
    text: str
    cell: int | None = None
    # an insertion derived from existing text (a name bound again at the top: its binding as
    # written): two insertions at one place from the same ``base`` merge their changes
    base: str | None = None


@dataclass
class ParsedCell:
    """A cell's original text, its Python form and syntax tree (None if it does not parse)."""

    source: str
    python: str
    tree: ast.Module | None
    error: str | None = None
    frozen_lines: set[int] = field(default_factory=set)  # IPython lines: never edit

    @property
    def lines(self) -> list[str]:
        return self.source.splitlines(keepends=True)


def _without_cell_magic(source: str) -> str:
    """The cell with a leading ``%%magic`` line blanked (its body is what is parsed)."""
    lines = source.splitlines(keepends=True)
    if lines and lines[0].lstrip().startswith("%%"):
        lines[0] = "\n"
    return "".join(lines)


def _to_python(source: str) -> str:
    """The cell as Python: a leading ``%%magic`` line blanked (its body is parsed), other IPython
    syntax transformed by IPython when it is installed."""
    text = _without_cell_magic(source)
    if "IPython" not in sys.modules and not IPYTHON_SYNTAX.search(text):
        return text  # plain Python: no need to import IPython (outside a kernel)
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except Exception:
        return text
    try:
        transformed = TransformerManager().transform_cell(text)
    except Exception:
        return text
    if len(transformed.splitlines()) < len(text.splitlines()):
        return text  # not line for line (an unusual construct): parse the raw text
    return transformed


def parse_cell(source: str) -> ParsedCell:
    """Parse ``source``; never raises (a syntax error leaves ``tree`` None)."""
    if not isinstance(source, str):
        source = str(source)
    python = _without_cell_magic(source)
    try:  # plain Python (most cells): IPython's transforms would leave it as it is
        tree: ast.Module | None = ast.parse(python)
    except Exception:
        tree = None
    if tree is None:
        try:
            python = _to_python(source)
        except Exception:
            python = source
    original = source.splitlines()
    transformed = python.splitlines()
    frozen = {
        i + 1 for i, line in enumerate(original) if i >= len(transformed) or transformed[i] != line
    }
    if tree is None:
        try:
            tree = ast.parse(python)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            return ParsedCell(source, python, None, f"{type(exc).__name__}: {exc}", frozen)
    return ParsedCell(source, python, tree, None, frozen)


def char_col(line_text: str, byte_col: int) -> int:
    """ast's UTF-8 byte column → character column of ``line_text``."""
    return len(line_text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def node_edit(cell: ParsedCell, node: ast.AST, text: str) -> Edit | None:
    """An edit replacing exactly ``node``'s text, or None if it has no position or lies on an
    IPython-transformed line."""
    line = getattr(node, "lineno", None)
    end_line = getattr(node, "end_lineno", None)
    if line is None or end_line is None:
        return None
    if any(n in cell.frozen_lines for n in range(line, end_line + 1)):
        return None
    lines = cell.python.splitlines()
    try:
        col = char_col(lines[line - 1], node.col_offset)
        end_col = char_col(lines[end_line - 1], node.end_col_offset)  # type: ignore[attr-defined]
    except IndexError:
        return None
    return Edit(line, col, end_line, end_col, text)


def node_text(cell: ParsedCell, node: ast.AST) -> str | None:
    """The original source text of ``node``."""
    edit = node_edit(cell, node, "")
    if edit is None:
        return None
    lines = cell.source.splitlines(keepends=True)
    if edit.line == edit.end_line:
        return lines[edit.line - 1][edit.col : edit.end_col]
    parts = [lines[edit.line - 1][edit.col :]]
    parts += lines[edit.line : edit.end_line - 1]
    parts.append(lines[edit.end_line - 1][: edit.end_col])
    return "".join(parts)


def _offset(lines: list[str], line: int, col: int) -> int:
    return sum(len(x) for x in lines[: line - 1]) + col


def apply_within(text: str, whole: Edit, edits: list[Edit]) -> str:
    """``text``, the source of the span ``whole`` covers, with ``edits`` (written against the
    cell, inside that span) made in it."""

    def local(line: int, col: int) -> tuple[int, int]:  # the text's first line starts at whole.col
        return line - whole.line + 1, col - whole.col if line == whole.line else col

    return apply_edits(text, [Edit(*local(e.line, e.col), *local(e.end_line, e.end_col), e.text) for e in edits])  # fmt: skip


def apply_edits(source: str, edits: list[Edit], cell: int | None = None) -> str:
    """Apply non-overlapping edits (overlapping or duplicate ones: the first wins; several
    different insertions at one place are all kept); only those of ``cell`` (None: the cell at
    hand, ``i``: the earlier cell ``i``). Two edits changing different parts of the same text
    (one literal: its suffix and a key inside it; two re-bindings of one name from the same
    ``base``) are merged into one edit making both changes."""
    lines = source.splitlines(keepends=True)
    unended = bool(lines) and not source.endswith(("\n", "\r"))  # a cell's last line, as typed
    spans: list[tuple[int, int, str, str | None]] = []
    for e in edits:
        if e.cell != cell:
            continue
        try:
            start, end = _offset(lines, e.line, e.col), _offset(lines, e.end_line, e.end_col)
        except Exception:
            continue
        if start > end or _merged_into(spans, source, start, end, e):
            continue
        if any(s < end and start < t or (s == start == end == t and x == e.text) for s, t, x, _ in spans):  # fmt: skip
            continue
        text = e.text
        if unended and e.line > len(lines) and start == end:  # lines put after the last line
            text = "\n" + text.rstrip("\n")
        spans.append((start, end, text, e.base))
    out = source
    # from the end back; insertions at one place come out in the order the edits were given
    order = sorted(range(len(spans)), key=lambda i: (spans[i][0], spans[i][1], i), reverse=True)
    for start, end, text, _ in (spans[i] for i in order):
        out = out[:start] + text + out[end:]
    return out


def _merged_into(spans: list[tuple[int, int, str, str | None]], source: str, start: int, end: int, edit: Edit) -> bool:  # fmt: skip
    """Merge ``edit`` into the kept edit it overlaps (a replacement: both widened to the text the
    two cover; an insertion: at the same place, from the same base), where their changes touch
    different words of that text."""
    for i, (s, t, text, base) in enumerate(spans):
        if text == edit.text and (s, t) == (start, end):
            continue
        if s < t and start < end and s < end and start < t:  # two replacements overlapping
            lo, hi = min(s, start), max(t, end)
            first = source[lo:s] + text + source[t:hi]
            second = source[lo:start] + edit.text + source[end:hi]
            merged = merge_changes(source[lo:hi], first, second)
        elif s == t == start == end and base is not None and base == edit.base:
            lo, hi, merged = s, t, merge_changes(base, text, edit.text)
        else:
            continue
        if merged is not None:
            spans[i] = (lo, hi, merged, base)
            return True
    return False


def delete_keyword_edit(cell: ParsedCell, call: ast.Call, kw: ast.keyword) -> Edit | None:
    """An edit removing ``kw`` (and its separating comma) from ``call``'s arguments."""
    args: list[ast.AST] = [*call.args, *call.keywords]
    args.sort(key=lambda a: (a.lineno, a.col_offset))  # type: ignore[attr-defined]
    index = args.index(kw)
    span = node_edit(cell, kw, "")
    if span is None:
        return None
    if index > 0:  # remove from the end of the previous argument
        prev = node_edit(cell, args[index - 1], "")
        if prev is None:
            return None
        return Edit(prev.end_line, prev.end_col, span.end_line, span.end_col, "")
    if len(args) > 1:  # first of several: remove up to the next argument
        nxt = node_edit(cell, args[1], "")
        if nxt is None:
            return None
        return Edit(span.line, span.col, nxt.line, nxt.col, "")
    return span


def closing_insert_edit(cell: ParsedCell, call: ast.Call, text: str) -> Edit | None:
    """An edit adding ``text`` (an argument) just before ``call``'s closing parenthesis, with a
    separating comma unless the call has no argument or already ends with one."""
    whole = node_edit(cell, call, "")
    if whole is None:
        return None
    args = [*call.args, *(k.value for k in call.keywords)]
    sep = ""
    if args:
        last = max(args, key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0))
        after = node_edit(cell, last, "")
        if after is None:
            return None
        lines = cell.source.splitlines()
        if after.end_line == whole.end_line:
            between = lines[whole.end_line - 1][after.end_col : whole.end_col - 1]
        else:
            between = "\n".join(
                [lines[after.end_line - 1][after.end_col :], *lines[after.end_line : whole.end_line - 1],
                 lines[whole.end_line - 1][: whole.end_col - 1]]
            )  # fmt: skip
        sep = "" if "," in between else ", "
    at = whole.end_col - 1
    return Edit(whole.end_line, at, whole.end_line, at, sep + text)


def callee_name(call: ast.Call) -> str | None:
    """The name a call calls by: ``save`` of ``model.save(…)`` and of ``save(…)``."""
    return getattr(call.func, "attr", getattr(call.func, "id", None))


def statement_of(tree: ast.AST | None, node: ast.AST) -> ast.stmt | None:
    """The innermost statement of ``tree`` that holds ``node`` (by identity)."""
    best = None
    for stmt in walk(tree) if tree is not None else ():
        if isinstance(stmt, ast.stmt) and stmt.lineno <= node.lineno <= (stmt.end_lineno or 0):  # type: ignore[attr-defined]
            if any(child is node for child in ast.walk(stmt)):
                best = stmt if best is None or stmt.lineno >= best.lineno else best
    return best


def top_level_start(tree: ast.Module, line: int) -> int:
    """The first line (its decorators included) of the top-level statement holding ``line``:
    where code written in before that statement goes."""
    for stmt in tree.body:
        if stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
            return min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
    return line


def after_statement(cell: ParsedCell, statement: ast.stmt, text: str) -> Edit:
    """``text`` on a new line right after ``statement``, at its indent."""
    lines = cell.source.splitlines()
    end = statement.end_lineno or statement.lineno
    first = lines[statement.lineno - 1]
    indent = first[: len(first) - len(first.lstrip())]
    return Edit(end, len(lines[end - 1]), end, len(lines[end - 1]), f"\n{indent}{text}")


CODING_LINE = re.compile(r"^[ \t\f]*#.*?coding[:=]")  # PEP 263, read in a file's first two lines


def insertion_line(cell: ParsedCell) -> int:
    """Where a new import goes: line 1, or after a leading ``%%magic`` line, a script's ``#!``
    line and ``coding`` comment (which must stay in its first two lines) and any ``from
    __future__`` imports."""
    lines = cell.source.splitlines()
    first = 2 if lines and lines[0].lstrip().startswith("%%") else 1
    for index, text in enumerate(lines[:2]):
        if (index == 0 and text.startswith("#!")) or CODING_LINE.match(text):
            first = max(first, index + 2)
    if cell.tree is not None:
        for node in cell.tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                first = max(first, (node.end_lineno or node.lineno) + 1)
    return first


def quoted_like(original: str | None, value: str) -> str:
    """``value`` as a string literal in the quotes ``original`` (a literal of the cell) uses."""
    quote = "'" if original and original.lstrip("rbuRBU").startswith("'") else '"'
    return f"{quote}{value}{quote}" if "\\" not in value and quote not in value else repr(value)


def statement_removal(cell: ParsedCell, stmt: ast.stmt, tree: ast.Module) -> Edit | None:
    """Remove a whole-line statement, or replace it by ``pass`` when it is a block's only one."""
    siblings = None
    for node in walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and stmt in block:
                siblings = block
    edit = node_edit(cell, stmt, "")
    if edit is None:
        return None
    lines = cell.source.splitlines(keepends=True)
    line_text = lines[edit.line - 1]
    whole = line_text[: edit.col].strip() == "" and lines[edit.end_line - 1][
        edit.end_col :
    ].strip() in ("", ";")
    if siblings is not None and len(siblings) == 1:
        return Edit(edit.line, edit.col, edit.end_line, edit.end_col, "pass")
    if whole:
        return (
            Edit(edit.line, 0, edit.end_line + 1, 0, "")
            if edit.end_line < len(lines)
            else Edit(edit.line, 0, edit.end_line, len(lines[edit.end_line - 1]), "")
        )
    return Edit(edit.line, edit.col, edit.end_line, edit.end_col, "pass")
