"""What the traps read from a cell's source: its calls, dotted paths, imports, the names it binds
and the environment variables it sets (``os.environ[...] = …``, ``%env``)."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kerasmagic.diagnosis.rewrite import ParsedCell, walk

DEFAULT_ALIASES = {"tf": "tensorflow", "keras": "keras", "tf_keras": "tf_keras"}


@dataclass
class CellFacts:
    """What the traps need from a cell's source."""

    cell: Any
    aliases: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[ast.Call, str, str]] = field(default_factory=list)  # (call, text, resolved)
    paths: list[tuple[ast.AST, str, str]] = field(default_factory=list)  # every dotted name
    bound: dict[str, int] = field(default_factory=dict)  # names bound by the cell → line
    targets: dict[int, str] = field(default_factory=dict)  # id(call) → name its result is bound to
    imports: list[tuple[ast.AST, str]] = field(default_factory=list)  # (node, module)
    env_sets: list[tuple[str, int, str | None]] = field(default_factory=list)  # (var, line, value)


def dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def resolve(text: str, aliases: Mapping[str, str]) -> str:
    head, _, rest = text.partition(".")
    base = aliases.get(head) or DEFAULT_ALIASES.get(head)
    if base is None:
        return text
    return base + ("." + rest if rest else "")


ENV_MAGIC = re.compile(r"^\s*%env\s+(TF_USE_LEGACY_KERAS|KERAS_BACKEND)\s*[= ]\s*(\S*)", re.M)


def _const(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _value(node: ast.AST | None) -> str | None:
    """A set value: the string itself, else the expression's text (``wanted``)."""
    const = _const(node)
    if const is not None or node is None:
        return const
    try:
        return ast.unparse(node)
    except Exception:
        return None


def _env_set(node: ast.AST) -> tuple[str, str | None] | None:
    """``os.environ["X"] = v`` / ``os.environ.setdefault("X", v)`` / ``os.putenv("X", v)``."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Subscript) and (dotted(target.value) or "").endswith(
                "environ"
            ):
                name = _const(target.slice)
                if name:
                    return name, _value(node.value)
    if isinstance(node, ast.Call):
        func = dotted(node.func) or ""
        if func.endswith(("environ.setdefault", "putenv")) and node.args:
            name = _const(node.args[0])
            if name:
                return name, _value(node.args[1]) if len(node.args) > 1 else None
        if func.endswith("environ.update"):
            for kw in node.keywords:
                if kw.arg:
                    return kw.arg, _value(kw.value)
    return None


_ASSIGNMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign)


def cell_facts(cell: ParsedCell, outer: Mapping[str, str] | None = None) -> CellFacts | None:
    """The facts of a parsed cell; None when it does not parse. ``outer``: what earlier cells
    bound (name → public path, ``bindings.Scope``), used where the cell does not import."""
    source = cell.source
    if cell.tree is None:
        return None
    facts = CellFacts(cell)
    facts.aliases.update(outer or {})
    nodes = walk(cell.tree)
    for node in nodes:  # the aliases first: a call is resolved with every import of the cell
        kind = type(node)
        if kind is ast.Import:
            for a in node.names:
                facts.imports.append((node, a.name))
                if a.asname:
                    facts.aliases[a.asname] = a.name
                    facts.bound[a.asname] = node.lineno
                else:
                    top = a.name.split(".")[0]
                    facts.aliases[top] = top
                    facts.bound[top] = node.lineno
        elif kind is ast.ImportFrom and node.module and not node.level:
            facts.imports.append((node, node.module))
            for a in node.names:
                if a.name != "*":
                    facts.aliases[a.asname or a.name] = f"{node.module}.{a.name}"
                    facts.bound[a.asname or a.name] = node.lineno
    for node in nodes:
        kind = type(node)
        if kind is ast.Name or kind is ast.Attribute:
            if type(node.ctx) is ast.Load:
                text = dotted(node)
                if text:
                    facts.paths.append((node, text, resolve(text, facts.aliases)))
        elif kind is ast.Call:
            _note_call(facts, node)
        elif kind in _ASSIGNMENTS:
            _note_assignment(facts, node)
    for m in ENV_MAGIC.finditer(source):
        line = source.count("\n", 0, m.start()) + 1
        facts.env_sets.append((m.group(1), line, m.group(2) or None))
    return facts


def _note_assignment(facts: CellFacts, node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    for t in targets:
        if type(t) is ast.Name:
            facts.bound.setdefault(t.id, node.lineno)
            continue
        for n in ast.walk(t):
            if isinstance(n, ast.Name):
                facts.bound.setdefault(n.id, node.lineno)
    value = node.value
    if isinstance(value, ast.Call) and len(targets) == 1 and isinstance(targets[0], ast.Name):
        facts.targets[id(value)] = targets[0].id
    _note_env_set(facts, node)


def _note_call(facts: CellFacts, node: ast.Call) -> None:
    text = dotted(node.func)
    if text:
        facts.calls.append((node, text, resolve(text, facts.aliases)))
        if text.endswith(".compile"):
            owner = text.rsplit(".", 1)[0]
            opt = next((k.value for k in node.keywords if k.arg == "optimizer"), None)
            if opt is None and node.args:
                opt = node.args[0]
            if isinstance(opt, ast.Call):
                facts.targets[id(opt)] = owner + ".optimizer"
    _note_env_set(facts, node)


def _note_env_set(facts: CellFacts, node: ast.AST) -> None:
    found = _env_set(node)
    if found:
        facts.env_sets.append((found[0], getattr(node, "lineno", 0), found[1]))
