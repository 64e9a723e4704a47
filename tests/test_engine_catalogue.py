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
    "library-module-move",
    "name-rename",
    "keyword-rename",
    "released-keyword-rename",
    "renamed-choice",
    "keras2-ignored-keywords",
    "numpy-abstract-dtype",
    "keyword-remove",
    "method-rename",
    "call-remove",
    "save-extension",
    "h5-operations",
    "private-helper-home",
    "instantiate-class",
    "package-neutral",
    "string-identifier",
    "unify-keras",
    "unify-keras-imports",
    "needs-package",
    "optimizer-variables",
    "keras2-h5-reload",
    "h5-optimizer",
    "savedmodel-reload",
    "array-inputs",
    "keras1-conv-kernel",
    "user-callable-keyword",
    "optional-output",
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


def test_reading_the_catalogue_writes_nothing_beside_it(tmp_path, monkeypatch):
    """The catalogue is its TOML files parsed by tomllib, and reading it leaves the installed
    package as it was (no parse kept beside the files), also where bytecode would be written."""
    import shutil
    import sys

    import tomllib

    from kerasmagic.knowledge import catalogue

    files = tmp_path / "catalogue"
    shutil.copytree(catalogue.CATALOGUE_DIR, files, ignore=shutil.ignore_patterns("__pycache__"))
    before = sorted(p.name for p in files.rglob("*"))
    monkeypatch.setattr(catalogue, "CATALOGUE_DIR", files)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    plain = [(p.name, tomllib.loads(p.read_text())) for p in sorted(files.glob("*.toml"))]
    assert catalogue._catalogue_files() == plain
    assert sorted(p.name for p in files.rglob("*")) == before
