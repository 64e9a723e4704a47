"""scripts/mutants.py: the mutants scripts/mutate.py runs the tests against (docs/mutation.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import mutants as M  # noqa: E402

pytestmark = pytest.mark.envs("bare", "local")

MODULE = '''"""A module."""

from __future__ import annotations

LIMIT = 3


def pick(items: list[int], wanted: str = "all") -> list[int]:
    """Docstrings are not mutated."""
    if not items or len(items) > LIMIT:
        print(f"skipped {wanted}")
        return []
    return [i for i in items if i in (1, 2) and True]
'''


def test_each_operator_breaks_what_it_names():
    found = {(m.operator, m.before, m.after) for m in M.all_mutants(MODULE)}
    assert ("comparison", "len(items) > LIMIT", "(len(items) <= LIMIT)") in found
    assert ("comparison", "i in (1, 2)", "(i not in (1, 2))") in found
    assert ("boolean-operator", "not items or len(items) > LIMIT",
            "(not items and len(items) > LIMIT)") in found  # fmt: skip
    assert ("not-removed", "not items", "(items)") in found
    assert ("true-false", "True", "False") in found
    assert ("constant", "1", "2") in found
    assert ("return-none", "return []", "return None") in found
    assert ("return-empty", "return [i for i in items if i in (1, 2) and True]",
            "return []") in found  # fmt: skip
    assert ("if-statement-deleted", 'print(f"skipped {wanted}")', "pass") in found
    befores = {before for _, before, _ in found}
    # module level, docstrings, annotations, defaults' strings inside f-strings: left alone
    assert not any("Docstrings" in b or "list[int]" in b or b == "3" for b in befores)
    assert not any(b.startswith("'skipped") or b == "skipped " for b in befores)


def test_a_mutant_changes_its_span_and_nothing_else():
    for mutant in M.all_mutants(MODULE):
        mutated = M.apply(MODULE, mutant)
        ast.parse(mutated)
        start = MODULE.index(
            mutant.before, sum(map(len, MODULE.splitlines(True)[: mutant.line - 1]))
        )
        assert mutated == MODULE[:start] + mutant.after + MODULE[start + len(mutant.before) :]


def test_a_mutant_of_other_text_is_refused():
    mutant = next(m for m in M.all_mutants(MODULE) if m.operator == "comparison")
    with pytest.raises(ValueError, match="changed"):
        M.apply(MODULE.replace("if not items", "if not  items"), mutant)


def test_the_sample_is_the_same_for_a_seed_and_spans_the_operators():
    every = M.all_mutants((ROOT / "kerasmagic" / "diagnosis" / "engine.py").read_text())
    first, again = M.sample(every, 20, seed=30), M.sample(every, 20, seed=30)
    assert [m.id for m in first] == [m.id for m in again] and len(first) == 20
    assert [m.id for m in M.sample(every, 20, seed=31)] != [m.id for m in first]
    assert len({m.operator for m in first}) >= 6
    assert len({m.id for m in every}) == len(every)
