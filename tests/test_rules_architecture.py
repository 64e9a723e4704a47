"""The diagnosis core has one shape: registered rules over one cell context, one engine path.

These tests name what breaks when that shape is lost: a cell parsed more than once per check, a
rule module that registers nothing, an id that is neither a catalogue entry nor a documented
generic id, a door of the engine that gives another result than the others.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys

import pytest
from environments import MACHINERY_ENVS

import kerasmagic
from kerasmagic.diagnosis import context, engine
from kerasmagic.diagnosis.rules import RULE_MODULES, registry
from kerasmagic.knowledge.catalogue import find_entry

pytestmark = pytest.mark.envs(*MACHINERY_ENVS)

# rule ids that are not catalogue entries: their words are built by the rule from the live API
GENERIC_RULE_IDS = {
    "unresolvable-import",
    "stub-from-earlier-import",
    "missing-attribute",
    "removed-method",
    "rejected-keyword",
    "removed-call",
    "keyword-typo",
    "catalogue-explanation",
}

FAILING = "import keras\nfrom keras.utils.np_utils import to_categorical\nx = tf.constant(1)\n"


@pytest.fixture
def parses(monkeypatch):
    """Count how often each source is parsed by the engine's contexts."""
    counts: dict[str, int] = {}
    real = context.parse_cell

    def counting(source):
        counts[source] = counts.get(source, 0) + 1
        return real(source)

    monkeypatch.setattr(context, "parse_cell", counting)
    return counts


def test_a_failing_cell_is_parsed_once(parses):
    try:
        exec(compile(FAILING, "<cell>", "exec"), {})
    except Exception as exc:  # the user's error
        error = exc
    result = engine.diagnose(FAILING, error, namespace={})
    assert result.internal_error is None, result.internal_error
    assert parses[FAILING] == 1, parses


def test_lint_parses_the_cell_once(parses):
    result = engine.lint(FAILING)
    assert result.internal_error is None, result.internal_error
    assert parses[FAILING] == 1, parses


def test_every_rule_module_registers_rules_and_every_id_is_known():
    from pathlib import Path

    from kerasmagic.diagnosis import rules as rules_package

    on_disk = {
        f"kerasmagic.diagnosis.rules.{p.stem}"
        for p in Path(rules_package.__file__).parent.glob("*.py")
        if p.stem != "__init__"
    }
    assert on_disk == set(RULE_MODULES), "every rules module is listed in RULE_MODULES"
    rules = registry()
    modules = {r.module for r in rules}
    assert modules == set(RULE_MODULES), set(RULE_MODULES) - modules
    for r in rules:
        assert r.when, r
        assert r.id in GENERIC_RULE_IDS or find_entry(r.id) is not None, r.id
        assert r.function.__doc__, f"rule {r.id} needs a docstring (its one-line description)"
    assert len({r.id for r in rules}) == len(rules), "rule ids are unique"
    # the silent traps are the trap_* modules' rules, and only theirs
    traps = {r.id for r in rules if r.kind == "trap"}
    assert traps == {r.id for r in rules if r.module.rsplit(".", 1)[1].startswith("trap_")}
    assert traps and all(find_entry(t).kind == "trap" for t in traps)


def test_a_rule_that_breaks_is_reported_not_hidden(monkeypatch):
    """A bug in one rule shows as kerasmagic's internal error; the other rules still run."""
    rules = registry()
    broken = next(r for r in rules if r.id == "history-acc-key")
    module = importlib.import_module(broken.module)

    def boom(ctx):
        raise RuntimeError("rule bug")

    from kerasmagic.diagnosis import rules as rules_package

    patched = [
        r if r is not broken else type(r)(r.id, r.when, r.family, boom, r.module) for r in rules
    ]
    monkeypatch.setattr(rules_package, "_REGISTRY", patched)
    # every rule runs, also where no Keras is installed (which skips the live-API rules)
    monkeypatch.setattr(rules_package, "LIVE_KERAS_MODULES", frozenset())
    result = engine.lint("import tf\n")
    assert "rule history-acc-key: RuntimeError: rule bug" in (result.internal_error or "")
    assert result.suggestions, "the other rules still found the alias"
    assert module  # the module itself stays importable


@pytest.mark.parametrize("cell", ["import tf\n", "from keras.layers.core import Dense\n"])
def test_the_doors_give_the_same_result(cell: str):
    """The library (``kerasmagic.check``) and the CLI as typed (``python -m kerasmagic check -
    --json``, another process) find the same problems and the same corrected cell; only the
    install line may differ (the CLI aims it at a terminal)."""
    a = kerasmagic.check(cell).to_dict()
    proc = subprocess.run(
        [sys.executable, "-m", "kerasmagic", "check", "-", "--json"],
        input=cell, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    b = json.loads(proc.stdout)
    assert a["versions"] == b["versions"] and a["versions"] is not None
    assert a["error_type"] == b["error_type"] is not None
    assert [s["id"] for s in a["suggestions"]] == [s["id"] for s in b["suggestions"]]
    assert a["suggestions"] and a["fixed_source"] == b["fixed_source"]


def test_a_pre_filter_with_a_leading_word_boundary_matches_what_it_says():
    """``needs=r"\\bl\\s*="`` is searched word first (the engine's literal scan), and still
    accepts exactly the sources the regex as written accepts."""
    from kerasmagic.diagnosis.rules import _patterns

    for written in (r"\bl\s*=", r"\bname\s*=", r"\bnb_words\s*=", r"\bfit\b"):
        (searched,) = _patterns((written,))
        assert not isinstance(searched, str) and searched.pattern != written
        for source in ("l=1", "f(l = 2)", "model = 1", "x.l=3", "val=2", "name=1",
                       "layer_name = 'a'", "(name =", "\nnb_words=5", "mnb_words=5", "fit(",
                       "refit(", "m.fit(x)", "fitted(", "fit"):  # fmt: skip
            assert bool(searched.search(source)) == bool(re.search(written, source)), source


def test_a_succeeding_cell_no_trap_rule_would_read_is_not_examined():
    """``after_cell`` returns at once for a succeeding cell that emitted nothing and that no
    after-run rule's ``needs=`` pre-filter accepts; its result is the examination's result."""
    from kerasmagic.diagnosis.rules import may_find

    assert not may_find(context.AFTER_RUN, "trap", "total = sum(range(10))\n")
    assert may_find(context.AFTER_RUN, "trap", "opt = Adam(lr=0.1)\n")
    for cell in ("total = sum(range(10))\n", "items = [1, 2]\nsize = len(items)\n", "lr = 0.1\n"):
        ns: dict = {}
        exec(cell, ns)
        quick = engine.after_cell(cell, namespace=ns)
        examined = engine.examine(context.CellContext.of(cell, namespace=ns, ran=True))
        assert quick is not None and quick.to_dict() == examined.to_dict()
        assert quick.ok and not quick.traps and quick.versions == {}  # versions go with findings
