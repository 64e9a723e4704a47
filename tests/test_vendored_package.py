"""scikit-learn's vendored joblib (``sklearn.externals.joblib``, removed in 0.23), which
Keras-2-era notebooks saved their scalers with: the imports become imports of joblib itself,
under the names they bound (rules/error_vendored_package.py). No test environment installs
scikit-learn or joblib: stand-ins of both (the real-code corpus runs the real ones)."""

from __future__ import annotations

import pytest


@pytest.fixture
def libraries(stand_in_package):
    stand_in_package("sklearn", {"__init__.py": "__version__ = '1.7.1'\n", "externals/__init__.py": ""})  # fmt: skip
    stand_in_package(
        "joblib",
        {
            "__init__.py": "import pickle\n"
            "def dump(value, filename):\n    with open(filename, 'wb') as f:\n        pickle.dump(value, f)\n    return [filename]\n"  # fmt: skip
            "def load(filename):\n    with open(filename, 'rb') as f:\n        return pickle.load(f)\n"  # fmt: skip
        },
    )


def _corrected(source: str) -> str:
    import kerasmagic

    result = kerasmagic.check(source)
    assert result.error_type in ("ImportError", "ModuleNotFoundError"), result.error_message
    assert [s.id for s in result.suggestions] == ["vendored-package-removed"]
    return result.fixed_source or ""


def test_the_package_is_imported_under_the_name_the_notebook_used(libraries, tmp_path, monkeypatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    source = (
        "from sklearn.externals import joblib as persist\n"
        "persist.dump({'mean': 0.5}, 'scaler.pkl')\n"
        "restored = persist.load('scaler.pkl')\n"
    )
    fixed = _corrected(source)
    assert fixed.startswith("import joblib as persist\n"), fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["restored"] == {"mean": 0.5}


def test_names_imported_from_the_copy_come_from_the_package(libraries, tmp_path, monkeypatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    fixed = _corrected("from sklearn.externals.joblib import dump, load\ndump([1, 2], 'x.pkl')\n")
    assert fixed.startswith("from joblib import dump, load\n"), fixed
