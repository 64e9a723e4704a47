"""The error catalogue is valid data, and its facts hold where an environment can measure them."""

from __future__ import annotations

import re

import pytest
from conftest import run_python_json
from packaging.specifiers import SpecifierSet

from kerasmagic.knowledge.catalogue import load_catalogue

ERRORS = [e for e in load_catalogue() if e.file == "errors.toml"]
RULES = {
    "module-alias",
    "module-move",
    "name-rename",
    "keyword-rename",
    "keyword-remove",
    "method-rename",
    "call-remove",
    "save-extension",
    "instantiate-class",
    "package-neutral",
    "string-identifier",
    "unify-keras",
    "unify-keras-imports",
    "needs-package",
    "optimizer-variables",
    "keras2-h5-reload",
    "savedmodel-reload",
    "array-inputs",
    "keras1-conv-kernel",
    "user-callable-keyword",
}


def test_entries_have_sources_valid_specifiers_unique_ids():
    ids = [e.id for e in load_catalogue()]
    assert len(ids) == len(set(ids))
    assert ERRORS
    for e in ERRORS:
        assert re.match(r"https://\S+$", e.source), e.id
        for spec in e.applies.values():
            if spec != "absent":
                SpecifierSet(spec)
        rule = e.data.get("rule")
        assert rule is None or rule in RULES, (e.id, rule)
        for pattern in (e.match.get("message"), e.match.get("source")):
            if pattern:
                re.compile(pattern)


def test_rename_targets_are_distinct_names():
    for e in ERRORS:
        for old, new in e.data.get("renames", {}).items():
            assert old != new, (e.id, old)


MEASURE = """
import json, warnings
out = {}
try:
    import keras
except Exception:
    print(json.dumps(None)); raise SystemExit
out["keras"] = keras.__version__
def outcome(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
        return "ok"
    except Exception as exc:
        return type(exc).__name__ + ": " + str(exc)[:300]
out["lr"] = outcome(lambda: keras.optimizers.Adam(lr=0.01))
out["decay"] = outcome(lambda: keras.optimizers.Adam(decay=0.01))
out["fit_generator"] = hasattr(keras.Model, "fit_generator")
out["np_utils"] = outcome(lambda: __import__("keras.utils.np_utils"))
out["cudnn"] = hasattr(keras.layers, "CuDNNLSTM")
out["save"] = outcome(lambda: keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]).save("/tmp/km_noext_model_x"))
print(json.dumps(out))
"""


def test_measurable_entries_hold_here():
    data = run_python_json(MEASURE)
    if data is None:
        pytest.skip("no Keras in this environment")
    major = int(data["keras"].split(".")[0])
    assert data["np_utils"].startswith("ModuleNotFoundError")  # moved-module: every release here
    assert data["cudnn"] is False  # renamed-name CuDNNLSTM -> LSTM
    if major >= 3:
        assert "lr" in data["lr"] and data["lr"].startswith("ValueError")  # optimizer-lr-renamed
        assert data["decay"] == "ok"  # Keras 3 warns and ignores decay
        assert data["fit_generator"] is False  # generator-methods-removed
        assert data["save"].startswith("ValueError") and ".keras" in data["save"]
    else:
        assert data["decay"].startswith("ValueError") and "decay" in data["decay"]
        assert data["lr"] == "ok"  # accepted and ignored (a silent trap)


def test_the_parsed_catalogue_is_kept_beside_its_files_and_read_again_only_while_they_stand(
    tmp_path, monkeypatch
):
    """The parse is kept in ``__pycache__`` (as bytecode is) and used while every file's size and
    time are the same; an edited file is parsed again; nothing is written under
    ``PYTHONDONTWRITEBYTECODE``."""
    import shutil
    import sys

    from kerasmagic.knowledge import catalogue

    files = tmp_path / "catalogue"
    shutil.copytree(catalogue.CATALOGUE_DIR, files, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(catalogue, "CATALOGUE_DIR", files)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    first = catalogue._catalogue_files()
    assert not (files / "__pycache__").exists()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    assert catalogue._catalogue_files() == first
    kept = list((files / "__pycache__").glob("catalogue.*.marshal"))
    assert len(kept) == 1
    # the kept parse is what is read next (a marked copy stands in for it)
    import marshal

    stamp, parsed = marshal.loads(kept[0].read_bytes())
    marked = [(name, {**data, "marked": True}) for name, data in parsed]
    kept[0].write_bytes(marshal.dumps([stamp, marked]))
    assert all(data.get("marked") for _, data in catalogue._catalogue_files())
    # an edited file (another size) is parsed again, and the new parse kept
    defaults = files / "defaults.toml"
    defaults.write_text(defaults.read_text() + "\n# edited\n")
    again = catalogue._catalogue_files()
    assert not any(data.get("marked") for _, data in again)
    assert again == first


def test_a_recurring_catalogue_string_is_one_object_in_the_parse_and_in_the_kept_form(
    tmp_path, monkeypatch
):
    """``"error"``, ``"message"``, a specifier… recur in many entries: each is kept once."""
    import shutil
    import sys

    import tomllib

    from kerasmagic.knowledge import catalogue

    files = tmp_path / "catalogue"
    shutil.copytree(catalogue.CATALOGUE_DIR, files, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(catalogue, "CATALOGUE_DIR", files)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    plain = [(p.name, tomllib.loads(p.read_text())) for p in sorted(files.glob("*.toml"))]
    for parsed in (catalogue._catalogue_files(), catalogue._catalogue_files()):  # parse, then kept
        assert parsed == plain
        kinds = [raw["kind"] for _, data in parsed for raw in data["entry"]]
        assert len(kinds) > 50 and len({id(k) for k in kinds}) == len(set(kinds))
