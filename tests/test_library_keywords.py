"""Keywords a library removed, at values another spelling keeps (rules/error_library_keywords.py,
catalogue ``library-keyword-removed``): ``mean_squared_error(…, squared=False)`` is
``root_mean_squared_error``, ``GridSearchCV(…, iid=False)`` what every search does now, and
``iid=True`` is explained only. Against Colab's scikit-learn."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.envs("colab")


def _checked(source: str):  # type: ignore[no-untyped-def]
    import kerasmagic

    result = kerasmagic.check(source)
    assert result.error_type == "TypeError", result.error_message
    return result


def test_the_root_of_the_error_is_scored_by_the_function_that_kept_it() -> None:
    result = _checked(
        "import numpy as np\nfrom sklearn import metrics\nfrom sklearn.metrics import mean_squared_error\n"  # fmt: skip
        "y, p = np.array([1.0, 2.0, 4.0]), np.array([1.0, 3.0, 2.0])\n"
        "rmse = mean_squared_error(y, p, squared=False)\n"
        "also = metrics.mean_squared_error(y, p, squared=False)\n"
    )
    fixed = result.fixed_source or ""
    assert "from sklearn.metrics import root_mean_squared_error\n" in fixed
    assert "rmse = root_mean_squared_error(y, p)\n" in fixed, fixed
    namespace: dict = {}
    assert "also = metrics.root_mean_squared_error(y, p)\n" in fixed, fixed
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["rmse"] == namespace["also"] == pytest.approx((5 / 3) ** 0.5)


def test_a_search_averaging_folds_plainly_drops_iid_and_a_weighted_one_is_explained() -> None:
    search = (
        "import numpy as np\nfrom sklearn.model_selection import GridSearchCV\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "grid = GridSearchCV(LogisticRegression(), {'C': [0.1, 1.0]}, cv=2, iid={iid})\n"
        "grid.fit(np.arange(40.0).reshape(20, 2), np.arange(20) % 2)\n"
    )
    fixed = _checked(search.replace("{iid}", "False")).fixed_source or ""
    assert "grid = GridSearchCV(LogisticRegression(), {'C': [0.1, 1.0]}, cv=2)\n" in fixed, fixed
    exec(compile(fixed, "<fixed>", "exec"), {})
    weighted = _checked(search.replace("{iid}", "True"))
    found = [s for s in weighted.suggestions if s.id == "library-keyword-removed"]
    assert found and weighted.fixed_source is None and "weighted them by fold size" in found[0].cause  # fmt: skip
