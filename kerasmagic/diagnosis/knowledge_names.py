"""What a document's names stand for, read from its imports alone (no module is imported): the
bindings (``K`` → ``keras.backend``, ``tf`` → ``tensorflow``) and the dotted path of an attribute
chain or a call, for the static gate that checks against generated knowledge
(``knowledge_lint``).

A name is trusted only when every binding of it in the document is the same import: a name also
assigned, defined, imported twice differently or taken as a parameter anywhere is left alone.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from kerasmagic.knowledge import keras_map

LINE_BREAK = re.compile(r"\r\n|\r|\n")
KERAS_TOPS = ("keras", "tensorflow", "tf_keras")


@dataclass(frozen=True)
class Span:
    """A stretch of a cell's text: 1-based lines, 0-based character columns."""

    line: int
    col: int
    end_line: int
    end_col: int


class Positions:
    """Character columns of a cell's lines (``ast`` gives UTF-8 byte offsets)."""

    def __init__(self, source: str) -> None:
        self.lines = LINE_BREAK.split(source)

    def column(self, line: int, byte_col: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> Span:
        line, end = node.lineno, node.end_lineno or node.lineno  # type: ignore[attr-defined]
        return Span(
            line,
            self.column(line, node.col_offset),  # type: ignore[attr-defined]
            end,
            self.column(end, node.end_col_offset or 0),  # type: ignore[attr-defined]
        )

    def text(self, span: Span) -> str:
        if span.line == span.end_line:
            return self.lines[span.line - 1][span.col : span.end_col]
        first = self.lines[span.line - 1][span.col :]
        middle = self.lines[span.line : span.end_line - 1]
        last = self.lines[span.end_line - 1][: span.end_col]
        return "\n".join([first, *middle, last])


def _is_keras_path(path: str) -> bool:
    top = path.split(".")[0]
    return top in KERAS_TOPS


def bindings(walks: list[list[ast.AST]]) -> dict[str, str]:
    """``{name: dotted path}`` of the names the document's imports bind to TF/Keras modules and
    objects, only where the name has that one meaning in the whole document."""
    imported: dict[str, set[str]] = {}
    other: set[str] = set()
    for nodes in walks:  # every node of each cell (``ast.walk``)
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        imported.setdefault(alias.asname, set()).add(alias.name)
                    else:
                        top = alias.name.split(".")[0]
                        imported.setdefault(top, set()).add(top)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        name = alias.asname or alias.name
                        imported.setdefault(name, set()).add(f"{node.module}.{alias.name}")
            elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                other.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                other.add(node.name)
            elif isinstance(node, ast.arg):
                other.add(node.arg)
    return {
        name: next(iter(paths))
        for name, paths in imported.items()
        if len(paths) == 1 and name not in other and _is_keras_path(next(iter(paths)))
    }


def chain(node: ast.AST) -> list[ast.AST] | None:
    """``a.b.c`` → [Name a, Attribute .b, Attribute .c] (None when it does not start at a name)."""
    parts: list[ast.AST] = []
    while isinstance(node, ast.Attribute):
        parts.append(node)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node)
    return parts[::-1]


def dotted(parts: list[ast.AST], names: dict[str, str]) -> str | None:
    """The dotted path a chain stands for through ``names`` (None when its name is not bound)."""
    head = parts[0]
    base = names.get(head.id) if isinstance(head, ast.Name) else None
    if base is None:
        return None
    return ".".join([base, *(p.attr for p in parts[1:] if isinstance(p, ast.Attribute))])


def keras_form(path: str) -> str | None:
    """``tf.keras.layers.Dense``/``tensorflow.keras…``/``tf_keras…`` → ``keras.layers.Dense``."""
    return keras_map.normalise(path)


def spelled(new_keras_path: str, old_path: str, names: dict[str, str]) -> str | None:
    """``new_keras_path`` (``keras.X``) written through a name the document binds, in the root the
    old path used (``tf.keras`` stays ``tf.keras``); None when no bound name reaches it."""
    old_root = old_path[: len(old_path) - len(keras_form(old_path) or "") + len("keras")]
    if keras_form(old_path) is None:
        return None
    full = old_root + new_keras_path[len("keras") :]
    best: tuple[int, str] | None = None
    for name, path in names.items():
        if full == path or full.startswith(path + "."):
            text = name + full[len(path) :]
            if best is None or len(text) < best[0]:
                best = (len(text), text)
    return best[1] if best else None
