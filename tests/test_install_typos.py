"""Issue 32, item 14: a misspelt import is never answered with ``pip install <misspelling>``.

Misspelt names of popular packages are registered on the package index by attackers
(typosquatting). kerasmagic advises installing only a distribution known to provide the import;
a misspelling gets the near name that is installed or known ("did you mean `tensorflow`?"), an
unknown name gets no install line at all. Through the CLI as typed and a real IPython shell.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from environments import MACHINERY_ENVS
from test_robustness import assert_no_internal_traceback, run_shell

pytestmark = pytest.mark.envs(*MACHINERY_ENVS)

TYPOS = {
    "tensorfow": "tensorflow",
    "kears": "keras",
    "numpyy": "numpy",
    "sklern": "sklearn",
    "matplotlb": "matplotlib",
    "pnadas": "pandas",
}


def _check_json(path: Path, *options: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "kerasmagic", "check", str(path), "--json", *options],
        capture_output=True,
        text=True,
        cwd=path.parent,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert_no_internal_traceback(proc.stderr)
    return json.loads(proc.stdout)


def _advice(data: dict) -> str:
    findings = data["suggestions"] + data.get("traps", [])
    return "\n".join(f"{f['title']}\n{f['fix']}\n{f.get('fix_code') or ''}" for f in findings)


def _installs(text: str, name: str) -> bool:
    """Does ``text`` advise installing ``name`` (any install command, any quoting)?"""
    return re.search(rf"install\s+[\"'`]?{re.escape(name)}\b", text, re.I) is not None


@pytest.mark.parametrize("options", [(), ("--lint",)], ids=["run", "lint"])
@pytest.mark.parametrize("typo", sorted(TYPOS))
def test_a_misspelt_import_gets_the_near_name_never_its_install(tmp_path, typo, options):
    script = tmp_path / "lesson.py"
    script.write_text(f"import {typo} as lib\nprint(lib)\n")
    data = _check_json(script, *options)
    advice = _advice(data)
    assert not _installs(advice, typo), advice
    assert not _installs(advice, typo.replace("_", "-")), advice
    found = [f for f in data["suggestions"] if f["id"] == "import-typo"]
    assert len(found) == 1, [f["id"] for f in data["suggestions"]]
    near = TYPOS[typo]
    assert f"did you mean `{near}`?" in found[0]["title"], found[0]["title"]
    assert f"Import `{near}` instead of `{typo}`" in found[0]["fix"]
    assert found[0]["fix_code"] is None  # nothing to run: the import is to be corrected
    if importlib.util.find_spec(near) is None:  # known, not installed: its own distribution
        assert "install" in found[0]["fix"], found[0]["fix"]
    else:
        assert "installed here" in found[0]["message"] and "install" not in found[0]["fix"]


def test_a_misspelt_local_module_gets_the_local_name(tmp_path):
    (tmp_path / "helpers.py").write_text("ANSWER = 42\n")
    script = tmp_path / "lesson.py"
    script.write_text("from helpres import ANSWER\n")
    data = _check_json(script)
    advice = _advice(data)
    assert not _installs(advice, "helpres"), advice
    assert "did you mean `helpers`?" in advice, advice


def test_an_unknown_module_gets_no_install_line(tmp_path):
    script = tmp_path / "lesson.py"
    script.write_text("import surely_not_installed_pkg_km\n")
    data = _check_json(script)
    top = data["suggestions"][0]
    assert top["id"] == "package-not-installed"
    assert top["fix_code"] is None
    assert not _installs(_advice(data), "surely_not_installed_pkg_km"), _advice(data)
    assert not _installs(_advice(data), "surely-not-installed-pkg-km"), _advice(data)
    assert "Look up which distribution provides `surely_not_installed_pkg_km`" in top["fix"]


@pytest.mark.parametrize("module, distribution", [("sklearn", "scikit-learn"), ("catboost", "catboost")])  # fmt: skip
def test_a_known_distribution_is_still_advised(tmp_path, module, distribution):
    if importlib.util.find_spec(module) is not None:
        pytest.skip(f"{module} is installed here")
    script = tmp_path / "lesson.py"
    script.write_text(f"import {module}\n")
    top = _check_json(script)["suggestions"][0]
    assert top["id"] == "package-not-installed"
    # `%pip install NAME`, or uv's form where the interpreter has no pip: NAME is the last word
    assert top["fix_code"].split()[-1] == distribution, top["fix_code"]
    assert "install" in top["fix_code"], top["fix_code"]


def test_the_magics_answer_a_misspelt_import_with_the_near_name():
    out = run_shell(
        [
            "%load_ext kerasmagic",
            "%%keras_check\nimport tensorfow as tf\n",
            "%%keras_check --lint\nimport kears\n",
            "%keras_check on",
            "import numpyy\n",
        ]
    )
    for (text, _), (typo, near) in zip(
        out[1:3] + out[4:], [("tensorfow", "tensorflow"), ("kears", "keras"), ("numpyy", "numpy")]
    ):
        flat = " ".join(text.split())
        assert f"did you mean `{near}`?" in flat, text[-3000:]
        assert not _installs(flat, typo), text[-3000:]
        assert_no_internal_traceback(text)


def test_an_import_the_code_guards_is_no_problem(tmp_path):
    script = tmp_path / "lesson.py"
    script.write_text(
        "try:\n    import surely_not_installed_pkg_km\nexcept ImportError:\n"
        "    surely_not_installed_pkg_km = None\n"
        "try:\n    from surely_not_installed_pkg_km.sub import thing\nexcept (ValueError, ModuleNotFoundError):\n"
        "    thing = None\nimport also_surely_not_installed_km\n"
    )  # fmt: skip
    for options in ((), ("--lint",)):
        found = [(s["id"], s["title"]) for s in _check_json(script, *options)["suggestions"]]
        assert [i for i, _ in found] == ["package-not-installed"], found
        assert "also_surely_not_installed_km" in found[0][1], found  # the import nothing catches
