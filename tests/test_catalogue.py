"""The version catalogue's own logic (knowledge/catalogue.py): which versions an entry applies
to, which errors it matches, how its words are filled, how a malformed entry is refused, and
the parsed form kept beside the files. Entries are the real ones, or built with the fields under
test.

Written from the mutants of ``catalogue.py`` that ``tests/test_engine_catalogue.py`` let
through (docs/mutation.md).
"""

from __future__ import annotations

import pytest
from conftest import run_python_json
from packaging.specifiers import InvalidSpecifier

from kerasmagic.knowledge import catalogue as C

pytestmark = pytest.mark.envs("tf221-k3", "bare")


def _entry(**fields) -> C.Entry:
    base = {"id": "x", "family": "f", "kind": "error", "severity": "error", "title": "t",
            "source": "s"}  # fmt: skip
    return C.Entry(**{**base, **fields})


def test_applies_to_every_specifier_and_absent():
    e = _entry(applies={"keras": ">=3", "tf-keras": "absent"})
    assert e.applies_to({"keras": "3.1.0"})
    assert e.applies_to({"keras": "3.1.0", "tf-keras": None})
    assert not e.applies_to({"keras": "3.1.0", "tf-keras": "2.16.0"})
    assert not e.applies_to({"keras": "2.15.0"})
    assert not e.applies_to({})  # missing: not applicable
    assert not e.applies_to({"keras": "not-a-version"})
    assert _entry().applies_to({})
    assert _entry(applies={"tensorflow": ">=2.16"}).applies_to({"tensorflow": "2.17.0rc0"})


def test_matches_error_by_class_message_and_source():
    e = _entry(match={"exception": ["ImportError", "ModuleNotFoundError"], "message": r"keras\.",
                      "source": r"^from keras"})  # fmt: skip
    source = "from keras.layers.core import Dense\n"
    assert e.matches_error("ModuleNotFoundError", "No module named 'keras.layers.core'", source)
    assert not e.matches_error("AttributeError", "No module named 'keras.layers.core'", source)
    assert not e.matches_error("ImportError", "No module named 'numpy'", source)
    assert not e.matches_error("ImportError", "No module named 'keras.x'", "import os\n")
    assert _entry(match={"exception": "KeyError"}).matches_error("KeyError", "'k'")
    assert not _entry(match={"exception": "KeyError"}).matches_error("ValueError", "'k'")
    assert not _entry(kind="trap").matches_error("KeyError", "")


def test_a_real_entry_matches_its_error():
    lr = C.entry("optimizer-lr-attribute")
    assert lr.matches_error("AttributeError", "'Adam' object has no attribute 'lr'")
    assert not lr.matches_error("AttributeError", "'Adam' object has no attribute 'decay'")


def test_fill_placeholders():
    values = {"tf-keras": "2.16.0", "n": 3, "gone": None}
    assert C.fill("{tf_keras} {n} {gone} {other} {{x}} {}", values) == (
        "2.16.0 3 {gone} {other} {{x}} {}"
    )
    assert C.fill(None, values) == "" and C.fill("", values) == ""


def test_a_malformed_entry_is_refused():
    raw = {"id": "x", "family": "f", "kind": "error", "severity": "error", "title": "t",
           "source": "s"}  # fmt: skip
    assert C._entry(raw, "a.toml").id == "x"
    with pytest.raises(ValueError, match="lacks source"):
        C._entry({k: v for k, v in raw.items() if k != "source"}, "a.toml")
    with pytest.raises(ValueError, match="kind must be"):
        C._entry({**raw, "kind": "warning"}, "a.toml")
    with pytest.raises(InvalidSpecifier):
        C._entry({**raw, "applies": {"keras": "=>3"}}, "a.toml")
    assert C._entry({**raw, "applies": {"keras": "absent"}}, "a.toml").applies == {
        "keras": "absent"
    }


def test_entries_by_id_and_rule():
    assert C.find_entry("no-such-entry") is None
    with pytest.raises(KeyError):
        C.entry("no-such-entry")
    moves = C.entries_with_rule("module-move")
    assert moves and all(e.data["rule"] == "module-move" for e in moves)
    ids = [e.id for e in C.load_catalogue()]
    assert len(ids) == len(set(ids)) > 50
    names = C.data_names("module-move", "moves")
    assert list(names) == sorted(names)


def test_the_catalogue_is_its_files_as_they_are_now(tmp_path):
    """A fresh process parses the files themselves: a catalogue copied elsewhere and changed is
    read with the change, and nothing is kept beside it (issue 30: no parsed form written)."""
    import shutil

    catalogue = tmp_path / "catalogue"
    shutil.copytree(C.CATALOGUE_DIR, catalogue, ignore=shutil.ignore_patterns("__pycache__"))
    code = f"""
        import json, sys
        from pathlib import Path
        sys.dont_write_bytecode = False  # as in a process without PYTHONDONTWRITEBYTECODE
        from kerasmagic.knowledge import catalogue as C
        C.CATALOGUE_DIR = Path({str(catalogue)!r})
        first = C._catalogue_files()
        path = C.CATALOGUE_DIR / "traps.toml"
        path.write_text(path.read_text() + '\\n[[entry]]\\nid = "added-km"\\n')
        second = C._catalogue_files()
        ids = [e.get("id") for _, d in second for e in d.get("entry", [])]
        print(json.dumps([len(first), "added-km" in ids]))
    """
    files, added = run_python_json(code)
    assert files == len(list(C.CATALOGUE_DIR.glob("*.toml")))
    assert added
    assert sorted(p.name for p in catalogue.iterdir()) == sorted(
        p.name for p in C.CATALOGUE_DIR.glob("*.toml")
    )


def test_every_dropped_keyword_says_why_it_had_no_effect():
    data = C.find_entry("keras3-removed-keyword").data
    listed = set(data["methods"]) | set(data["layers"])
    listed |= {k for words in data["classes"].values() for k in words}
    listed |= {k for words in data["members"].values() for k in words}
    reasons = data["reasons"]
    assert listed == set(reasons), listed ^ set(reasons)
    assert all(reason.strip().endswith(".") for reason in reasons.values())
