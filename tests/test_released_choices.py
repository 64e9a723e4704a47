"""A value a library took once and refuses now, read from the library's own message
(rules/error_message_choice.py ``renamed_choice``, data ``renamed-choice``): scikit-learn's
``max_features='auto'`` becomes what it meant for the estimator's kind, Matplotlib's unknown
legend location becomes the ``'best'`` Matplotlib 2 fell back on. scikit-learn is a stand-in
raising the message of its parameter validation (no test environment installs it); Matplotlib is
the real one, in ``colab``."""

from __future__ import annotations

import pytest

import kerasmagic
from kerasmagic.diagnosis.engine import diagnose

VALIDATION = """
class InvalidParameterError(ValueError, TypeError):
    pass


def check(owner, max_features):
    if max_features not in ("sqrt", "log2", None) and not isinstance(max_features, (int, float)):
        raise InvalidParameterError(
            f"The 'max_features' parameter of {type(owner).__name__} must be an int in the range "
            "[1, inf), a float in the range (0.0, 1.0], a str among {'sqrt', 'log2'} or None. "
            f"Got {max_features!r} instead."
        )
"""

FOREST = """
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import check


class _Forest:
    def __init__(self, n_estimators=100, *, max_features=1.0):
        self.n_estimators = n_estimators
        self.max_features = max_features

    def fit(self, X, y):
        check(self, self.max_features)
        return self


class ExtraTreesClassifier(ClassifierMixin, _Forest):
    pass


class ExtraTreesRegressor(RegressorMixin, _Forest):
    pass
"""


# a kernel with Keras (the rule's module reads the live Keras API and is not run where no Keras
# package exists at all: the bare environment)
WITH_KERAS = pytest.mark.envs(
    "tf221-k3", "colab", "tf215-k2", "tf221-legacy", "k3-jax", "tf215-broken-k3"
)


@pytest.fixture
def sklearn_stand_in(stand_in_package):
    stand_in_package(
        "sklearn",
        {
            "__init__.py": "__version__ = '1.7.1'\n",
            "base.py": "class ClassifierMixin:\n    pass\n\n\nclass RegressorMixin:\n    pass\n",
            "utils/__init__.py": "",
            "utils/_param_validation.py": VALIDATION,
            "ensemble/__init__.py": "from sklearn.ensemble._forest import *\n",
            "ensemble/_forest.py": FOREST,
        },
    )


def _diagnose(source: str):
    namespace: dict = {"__name__": "__main__"}
    with pytest.raises(ValueError) as raised:
        exec(compile(source, "<cell>", "exec"), namespace)
    return diagnose(source, raised.value, namespace=namespace)


@WITH_KERAS
@pytest.mark.parametrize(
    "estimator, meant",
    [("ExtraTreesClassifier", "'sqrt'"), ("ExtraTreesRegressor", "1.0")],
)
def test_auto_becomes_what_it_meant_for_the_estimators_kind(sklearn_stand_in, estimator, meant):
    source = (
        f"from sklearn.ensemble import {estimator}\n"
        f"forest = {estimator}(50, max_features='auto')\n"
        "forest.fit([[0, 1], [1, 0]], [0, 1])\n"
    )
    result = _diagnose(source)
    assert [f.id for f in result.suggestions][:1] == ["released-choice-scikit-learn"]
    assert f"forest = {estimator}(50, max_features={meant})" in result.fixed_source
    assert f"`max_features={meant}`" in result.suggestions[0].title
    namespace: dict = {"__name__": "__main__"}
    exec(compile(result.fixed_source, "<fixed>", "exec"), namespace)


@WITH_KERAS
def test_a_class_an_earlier_cell_imported_is_read_from_the_kernel(sklearn_stand_in):
    """The import ran in an earlier cell: the class is the namespace's, the cell has no import."""
    namespace: dict = {"__name__": "__main__"}
    exec("from sklearn.ensemble import ExtraTreesClassifier\n", namespace)
    source = "forest = ExtraTreesClassifier(max_features='auto')\nforest.fit([[0]], [0])\n"
    with pytest.raises(ValueError) as raised:
        exec(compile(source, "<cell>", "exec"), namespace)
    result = diagnose(source, raised.value, namespace=namespace)
    assert "forest = ExtraTreesClassifier(max_features='sqrt')" in (result.fixed_source or "")


def test_a_value_no_release_note_renames_gets_no_rewrite(sklearn_stand_in):
    """``'most'`` was never a value: the message alone proves nothing to write."""
    source = (
        "from sklearn.ensemble import ExtraTreesClassifier\n"
        "ExtraTreesClassifier(max_features='most').fit([[0]], [0])\n"
    )
    assert "released-choice-scikit-learn" not in [f.id for f in _diagnose(source).suggestions]


MATPLOTLIB = "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"


@pytest.mark.envs("colab")
def test_an_unknown_legend_location_is_placed_best_where_it_is_made() -> None:
    """The location is held in a name bound above (changed there) and given to an Axes' legend;
    pyplot's legend is the same Axes legend."""
    source = MATPLOTLIB + (
        "fig, ax = plt.subplots()\n"
        "ax.plot([1, 2, 3], label='train')\n"
        "corner = 'upper_left'\n"
        "ax.legend(loc=corner)\n"
        "plt.legend(loc='top right')\n"
        "print('placed', ax.get_legend()._loc)\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "ValueError"
    assert "corner = 'best'" in result.fixed_source
    assert "plt.legend(loc='best')" in result.fixed_source
    assert kerasmagic.check(result.fixed_source).error_type is None


@pytest.mark.envs("colab")
def test_a_figure_legend_is_left_as_it_is() -> None:
    """Matplotlib 2 placed a figure's legend of an unknown location elsewhere ('upper right'):
    the entry names only the Axes' legend, so nothing is proposed."""
    source = MATPLOTLIB + "fig = plt.figure()\nfig.legend(['a'], loc='top')\n"
    result = kerasmagic.check(source)
    assert result.error_type == "ValueError"
    assert "released-choice-matplotlib-legend" not in [f.id for f in result.suggestions]
