"""An import that fails here, of names nothing reads before the code binds them again (an
editor's auto-import of ``token`` above ``token = Tokenizer()``; a module this Python no longer
has): left out (rules/error_dead_import.py). Where nothing mentions the name, only ``migrate``,
which holds the cells after it, can know nothing reads it; the magics explain the error only.
Diagnosed in-process, the corrected cell run."""

from __future__ import annotations

import pytest
from cell_helpers import run_as_cell

from kerasmagic.diagnosis.engine import diagnose

MISSING = "kerasmagic_test_module_nowhere"


def _diagnosed(source: str, later: tuple[str, ...] = ()):
    namespace: dict = {}
    with pytest.raises(ModuleNotFoundError) as raised:
        run_as_cell(source, "<cell-dead-import>", namespace)
    return diagnose(source, raised.value, namespace=namespace, later=later), namespace


def test_a_name_bound_again_before_any_read_is_left_out_of_the_import():
    source = (
        f"import os\nfrom {MISSING}.sub import token, other as o\nimport json\n"
        "token = os.sep\no = 2\nprint(token, o, json.dumps([1]))\n"
    )
    result, namespace = _diagnosed(source)
    ids = [s.id for s in result.suggestions]  # (an environment's own finding may follow)
    assert ids[0] == "import-never-read" and "package-not-installed" not in ids, ids
    assert "`token = os.sep`" in result.suggestions[0].cause
    assert result.fixed_source == source.replace(f"from {MISSING}.sub import token, other as o\n", "")  # fmt: skip
    run_as_cell(result.fixed_source, "<cell-fixed>", namespace)  # the rest of the cell runs
    assert namespace["token"] == __import__("os").sep


def test_only_the_names_of_the_missing_module_go():
    source = f"import json, {MISSING} as gone\ngone = None\nprint(json.dumps(gone))\n"
    result, _ = _diagnosed(source)
    assert result.fixed_source == "import json\ngone = None\nprint(json.dumps(gone))\n"


def test_a_read_before_the_name_is_bound_again_keeps_the_import():
    for source in (
        f"from {MISSING} import token\nprint(token)\ntoken = 1\n",
        f"from {MISSING} import token\ndef f():\n    return token\ntoken = f()\n",
        f"from {MISSING} import token\ntoken = token + 1\n",
    ):
        result, _ = _diagnosed(source)
        assert "import-never-read" not in [s.id for s in result.suggestions], source


def test_a_name_never_mentioned_is_left_out_only_where_the_later_cells_are_known():
    source = f"import {MISSING}\nx = 1\n"
    result, _ = _diagnosed(source)  # the magics: a later cell may read it
    assert "import-never-read" not in [s.id for s in result.suggestions]
    result, _ = _diagnosed(source, later=("print(x)\n",))  # migrate: no later cell reads it
    assert result.fixed_source == "x = 1\n"
    result, _ = _diagnosed(source, later=(f"print({MISSING}.VALUE)\n",))
    assert "import-never-read" not in [s.id for s in result.suggestions]
