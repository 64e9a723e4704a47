"""The diagnosis core has one shape: registered rules over one cell context, one engine path.

These tests name what breaks when that shape is lost: a cell parsed more than once per check, a
rule module that registers nothing, an id that is neither a catalogue entry nor a documented
generic id, a door of the engine that gives another result than the others.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import kerasmagic
from kerasmagic.diagnosis import context, engine
from kerasmagic.diagnosis.rules import RULE_MODULES, registry
from kerasmagic.knowledge.catalogue import find_entry

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
    monkeypatch.setattr(rules_package, "_selected", {})
    monkeypatch.setattr(rules_package, "_waiting", {})
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


def test_the_manifest_is_the_registry():
    """The manifest the engine reads to import a rule module only when one of its rules could
    apply says what the rules' own ``@rule(...)`` say (regenerate: scripts/rule_manifest.py)."""
    from kerasmagic.diagnosis import rules as rules_package
    from kerasmagic.diagnosis.rule_manifest import MANIFEST

    assert rules_package.manifest() == MANIFEST, "run python3 scripts/rule_manifest.py"


LAZY_PROBE = """
import json, sys
from kerasmagic.diagnosis import engine, rules
cells = json.loads(sys.argv[1])
if sys.argv[2] == "eager":
    rules.registry()
out = []
for cell, error in cells:
    if error:
        try:
            exec(compile(cell, "<cell>", "exec"), {})
        except Exception as exc:
            result = engine.diagnose(cell, exc, namespace={})
    else:
        result = engine.lint(cell)
    out.append(result.to_dict())
loaded = sorted(m for m in rules.RULE_MODULES if m in sys.modules)
print(json.dumps({"results": out, "loaded": loaded}))
"""


def test_rule_modules_load_only_when_needed_and_results_do_not_change():
    """A fresh process imports only the rule modules whose rules could apply to its cells, and
    finds what a process with every rule module imported finds."""
    import json
    import subprocess
    import sys

    cells = [
        ["total = sum(range(10))\n", False],
        ["from keras.utils.np_utils import to_categorical\n", False],
        ["import tf\n", False],
        ["x = undefined_name + 1\n", True],
        ["opt = Adam(lr=0.1)\n", False],
    ]

    def run(mode: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-c", LAZY_PROBE, json.dumps(cells), mode],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout.splitlines()[-1])

    lazy, eager = run("lazy"), run("eager")
    assert lazy["results"] == eager["results"]
    assert eager["loaded"] == sorted(RULE_MODULES)
    skipped = set(RULE_MODULES) - set(lazy["loaded"])
    # rules that need a literal none of the cells holds, or another error than a NameError
    for module in ("keras3_data", "trap_files", "trap_environment", "error_saving"):
        assert f"kerasmagic.diagnosis.rules.{module}" in skipped, skipped


def test_an_import_cell_loads_no_call_rules():
    """A cell of imports only (no call, no keyword, no removed name) never imports the rule
    modules about calls, keywords and removed methods: their ``needs=`` rule it out."""
    import json
    import subprocess
    import sys

    cells = [["from keras.utils.np_utils import to_categorical\n", False]]
    done = subprocess.run(
        [sys.executable, "-c", LAZY_PROBE, json.dumps(cells), "lazy"],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(json.loads(done.stdout.splitlines()[-1])["loaded"])
    for module in ("calls", "removed_calls", "methods", "backend_ops", "keras3_calls"):
        assert f"kerasmagic.diagnosis.rules.{module}" not in loaded, sorted(loaded)
    assert "kerasmagic.diagnosis.rules.imports" in loaded


def test_may_find_is_every_rule_asked():
    """``may_find`` (kept per moment until a rule module is imported) says what asking each
    rule's own pre-filter says, before and after every rule module is imported."""
    from kerasmagic.diagnosis import context
    from kerasmagic.diagnosis import rules as rules_package

    cells = [
        "total = sum(range(10))\n",
        "import keras\n",
        "opt = Adam(lr=0.1)\n",
        "os.environ['TF_USE_LEGACY_KERAS'] = '1'\n",
        "model.load_weights('w.h5')\n",
        "Adadelta()\n",
    ]
    before = {c: rules_package.may_find(context.AFTER_RUN, "trap", c) for c in cells}
    asked = {
        cell: any(
            rules_package._needed(r, cell)
            for r in rules_package.registry()
            if context.AFTER_RUN in r.when and r.kind == "trap"
        )
        for cell in cells
    }
    assert (
        before == asked == {c: rules_package.may_find(context.AFTER_RUN, "trap", c) for c in cells}
    )
    assert not asked["total = sum(range(10))\n"] and asked["import keras\n"]
