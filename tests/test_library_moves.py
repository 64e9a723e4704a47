"""A module a library beside Keras moved (``library-module-move`` entries: scikit-learn's
``cross_validation`` into ``model_selection``): the import is rewritten only when the live new
module has every imported name, and the corrected cell runs. A stand-in package plays
scikit-learn here (no test environment installs it; the real-code corpus runs the real one)."""

from __future__ import annotations

import pytest

from kerasmagic.diagnosis.engine import diagnose
from kerasmagic.diagnosis.keras_paths import moved_module


@pytest.fixture
def stand_in(stand_in_package):
    stand_in_package(
        "sklearn",
        {
            "__init__.py": "",
            "model_selection.py": "def train_test_split(*arrays, test_size=None, random_state=None):\n"
            "    return [a[:1] for a in arrays] + [a[1:] for a in arrays]\n",
        },
    )


def _diagnose(source: str):
    namespace: dict = {"__name__": "__main__"}
    with pytest.raises(ImportError) as raised:
        exec(compile(source, "<cell>", "exec"), namespace)
    return diagnose(source, raised.value, namespace=namespace)


def test_the_catalogue_moves_the_old_modules():
    assert moved_module("sklearn.cross_validation") == (
        "sklearn.model_selection",
        "scikit-learn-moved-module",
    )
    assert moved_module("sklearn.grid_search")[0] == "sklearn.model_selection"
    assert moved_module("sklearn.preprocessing") is None
    assert moved_module("cross_validation") is None


def test_an_import_from_the_old_module_is_rewritten_and_runs(stand_in):
    source = "from sklearn.cross_validation import train_test_split\nparts = train_test_split([1, 2, 3])\n"  # fmt: skip
    result = _diagnose(source)
    finding = result.fixing()
    assert finding is not None and finding.id == "scikit-learn-moved-module"
    assert finding.fixed_source.startswith("from sklearn.model_selection import train_test_split\n")
    namespace: dict = {}
    exec(finding.fixed_source, namespace)
    assert namespace["parts"] == [[1], [2, 3]]


def test_a_name_the_new_module_lacks_is_explained_not_rewritten(stand_in):
    source = "from sklearn.cross_validation import Bootstrap\n"
    finding = _diagnose(source).fixing()
    assert finding is None or "model_selection import Bootstrap" not in (finding.fixed_source or "")


def test_tensorflow_core_private_paths_are_tf_keras():
    assert moved_module("tensorflow_core.python.keras.api._v2.keras.layers") == (
        "tensorflow.keras.layers",
        "tensorflow-core-private-path",
    )
    assert moved_module("tensorflow.python.keras.layers")[1] == "private-tf-python-keras"
