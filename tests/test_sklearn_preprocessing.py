"""scikit-learn preprocessing that Keras-era tabular notebooks used and scikit-learn 0.22 removed
(rules/error_sklearn_preprocessing.py): ``Imputer`` (now ``SimpleImputer``, keyword arguments
only, no ``axis``, NaN not spelt ``'NaN'``) and ``OneHotEncoder(categorical_features=…)`` (now a
``ColumnTransformer``). Run against the real scikit-learn of Colab's environment; each
corrected cell computes what scikit-learn 0.21 computed (the expected arrays below are its
documented results: column means, encoded columns first)."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

pytestmark = pytest.mark.envs("colab")


def _corrected(source: str, namespace: dict | None = None, earlier: tuple[str, ...] = ()) -> tuple[str, list[str]]:  # fmt: skip
    from kerasmagic.diagnosis.engine import diagnose

    namespace = {} if namespace is None else namespace
    seen: list[str] = []
    for _ in range(3):
        ran = dict(namespace)  # the kernel's names as the failing run left them
        try:
            exec(compile(source, "<cell>", "exec"), ran)
            return source, seen
        except Exception as exc:  # the cell's own failure, diagnosed as %%keras_check does
            result = diagnose(source, exc, namespace=ran, earlier=earlier)
            seen += [s.id for s in result.suggestions]
            assert result.fixed_source, (type(exc).__name__, exc, seen)
            source = result.fixed_source
    raise AssertionError(seen)


def test_an_imputer_with_the_old_arguments_fills_each_column_with_its_mean() -> None:
    source = (
        "import numpy as np\n"
        "from sklearn.preprocessing import Imputer, StandardScaler\n"
        "X = np.array([[1.0, 10.0], [np.nan, 20.0], [3.0, np.nan]])\n"
        "imputer = Imputer(missing_values='NaN', strategy='mean', axis=0, verbose=0)\n"
        "X[:, 0:2] = imputer.fit_transform(X[:, 0:2])\n"
        "scaled = StandardScaler().fit_transform(X)\n"
    )
    fixed, seen = _corrected(source)
    assert seen == ["scikit-learn-imputer-removed"]
    assert "from sklearn.preprocessing import StandardScaler\nfrom sklearn.impute import SimpleImputer as Imputer\n" in fixed  # fmt: skip
    assert "imputer = Imputer(missing_values=float(\"nan\"), strategy='mean')\n" in fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["X"].tolist() == [[1.0, 10.0], [2.0, 20.0], [3.0, 15.0]]


def test_positional_arguments_are_named_and_a_per_row_imputer_is_explained() -> None:
    fixed, seen = _corrected(
        "import numpy as np\nfrom sklearn.preprocessing import Imputer as Fill\n"
        "filled = Fill('NaN', 'median', 0).fit_transform(np.array([[1.0, np.nan], [3.0, 4.0], [5.0, 8.0]]))\n"  # fmt: skip
    )
    assert "Fill(missing_values=float(\"nan\"), strategy='median')" in fixed, fixed
    from kerasmagic.diagnosis.engine import diagnose

    per_row = "from sklearn.preprocessing import Imputer\nimp = Imputer(strategy='mean', axis=1)\n"
    with pytest.raises(ImportError) as raised:
        exec(compile(per_row, "<cell>", "exec"), {})
    result = diagnose(per_row, raised.value, namespace={})
    found = [s for s in result.suggestions if s.id == "scikit-learn-imputer-removed"]
    assert found and "axis=1" in found[0].fix and result.fixed_source is None


def test_an_imputer_made_cells_before_from_a_name_holding_nan_is_made_again(tmp_path: Path) -> None:  # fmt: skip
    cells = [
        "import numpy as np\nMISSING = 'NaN'\nfrom sklearn.impute import SimpleImputer\n",
        "imputer = SimpleImputer(missing_values=MISSING, strategy='mean')",
        "print(imputer.fit_transform(np.array([[1.0], [np.nan], [5.0]])).ravel().tolist())",
    ]
    finals, shown = migrated_cells(tmp_path, "imputer.ipynb", cells)
    # the imputer is made again where it is made: MISSING keeps its string (read elsewhere)
    assert finals[1] == "imputer = SimpleImputer(missing_values=float(\"nan\"), strategy='mean')", finals  # fmt: skip
    assert "[1.0, 3.0, 5.0]" in shown, shown


def test_the_encoder_of_some_columns_stacks_them_first_as_before() -> None:
    source = (
        "import numpy as np\n"
        "from sklearn.preprocessing import LabelEncoder, OneHotEncoder\n"
        "X = np.array([[600, 'France', 40], [700, 'Spain', 30], [650, 'Germany', 50]], dtype=object)\n"  # fmt: skip
        "X[:, 1] = LabelEncoder().fit_transform(X[:, 1])\n"
        "encoder = OneHotEncoder(categorical_features=[1], handle_unknown='ignore')\n"
        "X = encoder.fit_transform(X).toarray()\n"
        "X = X[:, 1:]\n"
    )
    fixed, seen = _corrected(source)
    assert seen == ["scikit-learn-onehot-categorical-features"]
    assert 'ColumnTransformer([("onehot", OneHotEncoder(handle_unknown=\'ignore\'), [1])], remainder="passthrough", sparse_threshold=1.0)' in fixed  # fmt: skip
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    # France, Germany, Spain encoded (first column dropped), then 600/700/650 and 40/30/50
    assert namespace["X"].tolist() == [[0, 0, 600, 40], [0, 1, 700, 30], [1, 0, 650, 50]]
    assert str(namespace["X"].dtype) == "float64"
