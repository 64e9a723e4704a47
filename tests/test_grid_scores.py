"""``search.grid_scores_`` of a scikit-learn search (removed in scikit-learn 0.20), read field by
field after a hyperparameter search: the corrected cell defines it from ``cv_results_``
(rules/error_grid_scores.py). No test environment installs scikit-learn: a stand-in search holds
``cv_results_`` as scikit-learn 1.7 lays it out (the real-code corpus runs the real one)."""

from __future__ import annotations

import pytest

SEARCH = '''
class RandomizedSearchCV:
    """Fitted, it holds cv_results_ as scikit-learn lays it out (no grid_scores_)."""

    def __init__(self, estimator, param_distributions, n_iter=2, cv=3):
        self.candidates, self.n_splits_ = list(param_distributions["units"])[:n_iter], cv

    def fit(self, X, y):
        scores = [[0.5 + 0.1 * i + 0.01 * split for split in range(self.n_splits_)] for i, _ in enumerate(self.candidates)]
        self.cv_results_ = {"params": [{"units": u} for u in self.candidates],
                            "mean_test_score": [sum(s) / len(s) for s in scores]}
        for split in range(self.n_splits_):
            self.cv_results_["split%d_test_score" % split] = [s[split] for s in scores]
        return self
'''


@pytest.fixture
def sklearn_search(stand_in_package):
    stand_in_package(
        "sklearn",
        {"__init__.py": "__version__ = '1.7.1'\n", "model_selection/__init__.py": SEARCH},
    )


def test_each_candidates_fields_are_read_from_cv_results(sklearn_search) -> None:
    pytest.importorskip("numpy")  # scikit-learn's own dependency: the definition makes arrays
    import kerasmagic

    source = (
        "from sklearn.model_selection import RandomizedSearchCV\n"
        "search = RandomizedSearchCV(None, {'units': [8, 16, 32]}, n_iter=2, cv=3).fit([[0]], [0])\n"  # fmt: skip
        "report = []\n"
        "for candidate in search.grid_scores_:\n"
        "    report.append((candidate.parameters['units'], round(candidate.mean_validation_score, 4),\n"  # fmt: skip
        "                   round(candidate.cv_validation_scores.std(), 4)))\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "AttributeError"
    assert [s.id for s in result.suggestions] == ["sklearn-grid-scores-removed"]
    assert "for candidate in sklearn_grid_scores(search):" in (result.fixed_source or "")
    namespace: dict = {}
    exec(compile(result.fixed_source or "", "<fixed>", "exec"), namespace)
    assert namespace["report"] == [(8, 0.51, 0.0082), (16, 0.61, 0.0082)]


def test_an_unfitted_search_is_not_this_problem(sklearn_search) -> None:
    import kerasmagic

    source = (
        "from sklearn.model_selection import RandomizedSearchCV\n"
        "search = RandomizedSearchCV(None, {'units': [8]})\n"
        "print(search.grid_scores_)\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "AttributeError"
    assert "sklearn-grid-scores-removed" not in [s.id for s in result.suggestions]
