"""The mutants of one module: small deliberate breaks of its functions, found with ``ast``.

Each operator names one way code can be wrong (a comparison flipped, ``and`` for ``or``, a
return emptied, a constant changed, a statement of an ``if`` body dropped, a ``not`` lost). A
mutant is a span of the source and the text that replaces it, so everything else in the file
stays as written. ``scripts/mutate.py`` runs the tests against each one.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass

FLIPPED_COMPARISONS: dict[type, type] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
EMPTY_OF: dict[type, str] = {
    ast.List: "[]",
    ast.ListComp: "[]",
    ast.Tuple: "()",
    ast.Dict: "{}",
    ast.DictComp: "{}",
    ast.Set: "set()",
    ast.SetComp: "set()",
}
OPERATORS = (
    "comparison",
    "boolean-operator",
    "true-false",
    "return-none",
    "return-empty",
    "constant",
    "if-statement-deleted",
    "not-removed",
)


@dataclass(frozen=True)
class Mutant:
    """One break: replace ``before`` (lines ``line``..``end_line``, columns as ``ast`` counts
    them) with ``after``; ``id`` is stable while the module's text does not change."""

    id: str
    operator: str
    function: str
    line: int
    col: int
    end_line: int
    end_col: int
    before: str
    after: str

    def to_dict(self) -> dict:
        return asdict(self)


def _span(node: ast.AST) -> tuple[int, int, int, int]:
    return node.lineno, node.col_offset, node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]


def _offset(lines: list[str], line: int, col: int) -> int:
    """Character offset of ``ast``'s (line, UTF-8 byte column) in the joined ``lines``."""
    text = lines[line - 1]
    return sum(len(x) for x in lines[: line - 1]) + len(text.encode()[:col].decode())


def apply(source: str, mutant: Mutant) -> str:
    """The module's text with ``mutant``'s span replaced; refuses a span that moved."""
    lines = source.splitlines(keepends=True)
    start = _offset(lines, mutant.line, mutant.col)
    end = _offset(lines, mutant.end_line, mutant.end_col)
    if source[start:end] != mutant.before:
        raise ValueError(f"{mutant.id}: the source changed since the mutant was made")
    mutated = source[:start] + mutant.after + source[end:]
    ast.parse(mutated)  # a mutant is still a valid module
    return mutated


def _skipped_subtrees(tree: ast.AST) -> set[int]:
    """Nodes never mutated: annotations (not evaluated under ``from __future__ import
    annotations``), docstrings and f-string parts (their spans are not their source)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        parts: list[ast.AST | None] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            parts.append(node.returns)
            parts.extend(a.annotation for a in ast.walk(node.args) if isinstance(a, ast.arg))
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                parts.append(body[0])
        elif isinstance(node, ast.AnnAssign):
            parts.append(node.annotation)
        elif isinstance(node, ast.JoinedStr):
            parts.extend(node.values)
        for part in parts:
            if part is not None:
                skipped.update(id(n) for n in ast.walk(part))
    return skipped


def _mutations(node: ast.AST, segment: str) -> Iterator[tuple[str, str]]:
    """(operator, replacement text) for one node whose source is ``segment``."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            flipped = FLIPPED_COMPARISONS.get(type(op))
            if flipped:
                ops = [*node.ops[:i], flipped(), *node.ops[i + 1 :]]
                new = ast.Compare(node.left, ops, node.comparators)
                yield "comparison", f"({ast.unparse(new)})"
    elif isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield "boolean-operator", f"({ast.unparse(ast.BoolOp(other, node.values))})"
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield "true-false", str(not node.value)
    elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
        yield "constant", repr("XX" + node.value)
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        yield "constant", repr(node.value + 1)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "not-removed", f"({ast.unparse(node.operand)})"
    elif isinstance(node, ast.Return) and node.value is not None:
        value = node.value
        if not (isinstance(value, ast.Constant) and value.value is None):
            yield "return-none", "return None"
        empty = EMPTY_OF.get(type(value))
        if empty and segment != f"return {empty}":
            yield "return-empty", f"return {empty}"


def _if_bodies(node: ast.AST) -> Iterator[ast.stmt]:
    """Statements of an ``if`` body (and its ``else``), the ones a deletion removes."""
    if isinstance(node, ast.If):
        for stmt in [*node.body, *node.orelse]:
            if not isinstance(stmt, (ast.If, ast.Pass)):
                yield stmt


def _own_nodes(stmt: ast.stmt) -> Iterator[ast.AST]:
    """``stmt`` and what it holds, stopping at nested functions (walked as their own)."""
    todo: list[ast.AST] = [stmt]
    while todo:
        node = todo.pop()
        yield node
        todo.extend(
            child
            for child in ast.iter_child_nodes(node)
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
        )


def all_mutants(source: str) -> list[Mutant]:
    """Every mutant of the functions (methods included) of the module ``source``."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    skipped = _skipped_subtrees(tree)
    found: dict[str, Mutant] = {}

    def add(node: ast.AST, function: str, operator: str, after: str) -> None:
        line, col, end_line, end_col = _span(node)
        before = source[_offset(lines, line, col) : _offset(lines, end_line, end_col)]
        mutant_id = f"{operator}@{line}:{col}"
        n = 2
        while mutant_id in found:  # two comparisons in one chain start at one column
            mutant_id, n = f"{operator}@{line}:{col}#{n}", n + 1
        found[mutant_id] = Mutant(
            mutant_id, operator, function, line, col, end_line, end_col, before, after
        )

    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for stmt in func.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in _own_nodes(stmt):
                if id(node) in skipped or not hasattr(node, "lineno"):
                    continue
                line, col, end_line, end_col = _span(node)
                segment = source[_offset(lines, line, col) : _offset(lines, end_line, end_col)]
                for operator, after in _mutations(node, segment):
                    add(node, func.name, operator, after)
                for deleted in _if_bodies(node):
                    add(deleted, func.name, "if-statement-deleted", "pass")
    return sorted(found.values(), key=lambda m: (m.line, m.col, m.id))


def sample(mutants: list[Mutant], count: int, seed: int) -> list[Mutant]:
    """``count`` mutants chosen deterministically by ``seed``, taken round-robin across the
    operators so that a module's many message strings do not crowd out its comparisons."""
    rng = random.Random(seed)
    by_operator: dict[str, list[Mutant]] = {}
    for m in mutants:
        by_operator.setdefault(m.operator, []).append(m)
    for group in by_operator.values():
        rng.shuffle(group)
    chosen: list[Mutant] = []
    while len(chosen) < count and any(by_operator.values()):
        for op in OPERATORS:
            if by_operator.get(op) and len(chosen) < count:
                chosen.append(by_operator[op].pop())
    return sorted(chosen, key=lambda m: (m.line, m.col, m.id))
