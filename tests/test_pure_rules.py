"""A rule is a function from the cell context to problems: it writes nothing shared.

Every registered rule runs on every case of the corpus (``tests/cases/*.toml``: the static moment
on the source, the error moment on its imports where they fail here), and the context is
compared before and after each rule: its fields, the scope's bindings, the namespace and the
problems the rules before it returned. Then the rules run in registry order, reversed and
shuffled: each order finds the same problems, since no rule reads what another one left.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ENV_NAME

from kerasmagic.diagnosis import rules as rules_package
from kerasmagic.diagnosis.context import ERROR, STATIC, CellContext
from kerasmagic.diagnosis.rules import registry

sys.path.insert(0, str(Path(__file__).parent / "cases"))
import case_runner as runner  # noqa: E402

CASES = [c for c in runner.load_cases() if runner.applies(c, ENV_NAME)]


@pytest.fixture(scope="module", autouse=True)
def keras_imported() -> None:
    """The Keras packages installed here, imported as a kernel that ran the cell's imports has
    them (the rules that read the live API find nothing in a module never imported)."""
    for top in ("tensorflow", "keras", "tf_keras"):
        if importlib.util.find_spec(top) is not None:
            importlib.import_module(top)


def _frozen(value: Any, depth: int = 0) -> Any:
    """A comparable copy of ``value``: containers and dataclasses by content, other objects by
    identity (a rule may not rebind what the context holds, nor change what it holds)."""
    if depth > 6:
        return id(value)
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, dict):
        return ("dict", id(value), tuple((k, _frozen(v, depth + 1)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_frozen(v, depth + 1) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("set", frozenset(_frozen(v, depth + 1) for v in value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            id(value),
            tuple(
                (f.name, _frozen(getattr(value, f.name), depth + 1))
                for f in dataclasses.fields(value)
                if f.name != "ctx" and not f.name.startswith("_")  # (lazily read, once)
            ),
        )
    return ("object", id(value))


# the facts of the context several rules read (worked out once, before the first rule here)
FACTS = ("scope_as_written", "import_fixes", "scope", "chain_fixes")


def _state(ctx: CellContext, returned: list) -> Any:
    """What a rule must leave as it found it: the context's fields and facts (the scope's
    bindings and names, the import and chain fixes), the namespace (names and the objects bound
    to them) and the problems the rules before it returned."""
    fields = tuple(
        (f.name, _frozen(getattr(ctx, f.name)))
        for f in dataclasses.fields(ctx)
        if f.name != "namespace"
    )
    facts = tuple((name, _frozen(getattr(ctx, name, None))) for name in FACTS)
    namespace = tuple((k, id(v)) for k, v in (ctx.namespace or {}).items())
    return fields, facts, namespace, _frozen(returned)


def _run_checked(ctx: CellContext, when: str) -> list[str]:
    """Run every rule of ``when`` the engine would run on ``ctx``; the rules that wrote."""
    wrote = []
    returned: list = []
    error_type = ctx.error_type if when == ERROR else ""
    for name in FACTS:  # what the rules read, read before the first rule
        getattr(ctx, name, None)
    for r in registry():
        if when not in r.when or not rules_package._needed(r, ctx.source, error_type):
            continue
        before = _state(ctx, returned)
        try:
            found = list(r.function(ctx) or ())
        except Exception:
            found = []
        if _state(ctx, returned) != before:
            wrote.append(r.id)
        returned.extend(found)
    return wrote


def _imports_only(source: str) -> str | None:
    """The cell's top-level import statements, as a cell of their own (None if it has none)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    lines = source.splitlines()
    kept = [
        "\n".join(lines[n.lineno - 1 : n.end_lineno])
        for n in tree.body
        if isinstance(n, (ast.Import, ast.ImportFrom))
    ]
    return "\n".join(kept) + "\n" if kept else None


# the registry's property, in one environment of each kind its rules read: Keras 3 over TF,
# Keras 2, tf_keras (colab, k3-jax and tf215-broken-k3 take the same branches: CI time, issue 29)
@pytest.mark.envs("tf221-k3", "tf215-k2", "tf221-legacy")
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_no_rule_writes_to_the_context(case: dict) -> None:
    static = CellContext.of(case["source"])
    assert _run_checked(static, STATIC) == [], "these rules wrote to the context"
    imports = _imports_only(case["source"])
    if imports is None:
        return
    namespace: dict = {"__name__": "__main__"}
    try:
        exec(compile(imports, "<cell>", "exec"), namespace)
    except Exception as exc:  # the cell's own import error: the error moment, for real
        failed = CellContext.of(imports, namespace=namespace, exc=exc, filename="<cell>")
        assert _run_checked(failed, ERROR) == [], "these rules wrote to the context"


def _problems(source: str, order: list) -> list[tuple]:
    """The static problems of ``source`` when its rules run in ``order`` (a fresh context)."""
    ctx = CellContext.of(source)
    out = []
    for r in order:
        if STATIC not in r.when or not rules_package._needed(r, source):
            continue
        try:
            found = list(r.function(ctx) or ())
        except Exception as exc:
            found = [("failed", r.id, type(exc).__name__)]
        out.extend(repr(dataclasses.asdict(p)) if dataclasses.is_dataclass(p) else repr(p) for p in found)  # fmt: skip
    return sorted(out)


@pytest.mark.envs("tf221-k3")  # the registry's property, where its rules find most (Keras 3)
def test_the_order_rules_run_in_changes_nothing() -> None:
    """The registry's order against its reverse, which puts every pair of rules the other way
    round: a rule that depends on another having run (or not) before it shows in one of them."""
    rules = registry()
    differ = []
    for case in CASES:
        source = case["source"]
        if _problems(source, rules[::-1]) != _problems(source, rules):
            differ.append(case["name"])
    assert differ == [], "these cases' problems depend on the order the rules run in"
