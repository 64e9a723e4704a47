"""An error of a model's fit that scikit-learn quotes as text (diagnosis/quoted_errors.py): its
model selection (``cross_val_score``) catches each fit's error and, when every fit failed, raises
a ``ValueError`` of its own whose message holds the formatted traceback of the first. The cell is
diagnosed for the quoted error, on the lines of the cell's code in that traceback: here Keras 3's
refusal of an integer shape in the ``build_fn`` of a scikit-learn estimator, fixed where the
function is defined, this cell or an earlier one. Real scikit-learn, a real kernel."""

from __future__ import annotations

from pathlib import Path

import pytest
from kernel_helpers import Kernel, fixed_source, printed
from migrate_helpers import migrate_notebook, migrated_cells, rule_ids

pytest.importorskip("sklearn")  # installed in tf221-k3 (scripts/envs.py)

ESTIMATOR = '''import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import cross_val_score
from tensorflow import keras


class Regressor(BaseEstimator, RegressorMixin):
    def __init__(self, build_fn=None, epochs=1):
        self.build_fn = build_fn
        self.epochs = epochs

    def fit(self, x, y):
        self.model_ = self.build_fn()
        self.model_.fit(x, y, epochs=self.epochs, verbose=0)
        return self

    def predict(self, x):
        return self.model_.predict(x, verbose=0).ravel()'''

BUILD = '''x = np.random.rand(20, 4)
y = np.random.rand(20)


def build_model():
    inputs = keras.Input(shape=(x.shape[1]))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="adam", loss="mse")
    return model'''

SCORE = '''scores = cross_val_score(Regressor(build_fn=build_model), x, y, cv=2, scoring="neg_mean_squared_error")
print("folds", len(scores), bool(np.isfinite(scores).all()))'''


@pytest.mark.envs("tf221-k3")
def test_the_quoted_error_is_fixed_in_the_earlier_cell_that_defines_the_build_function(tmp_path: Path) -> None:  # fmt: skip
    finals, printed = migrated_cells(tmp_path, "grid.ipynb", [ESTIMATOR, BUILD, SCORE])
    assert "keras.Input(shape=(x.shape[1],))" in finals[1], finals[1]
    assert finals[2] == SCORE
    assert "folds 2 True" in printed, printed


@pytest.mark.envs("tf221-k3")
def test_the_quoted_error_is_fixed_in_the_cell_itself(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "one.ipynb", [ESTIMATOR + "\n\n\n" + BUILD + "\n\n\n" + SCORE])
    assert doc["status"] == "migrated", doc["message"]
    assert "keras.Input(shape=(x.shape[1],))" in doc["cells"][0]["final"]
    assert rule_ids(doc), doc
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.mark.envs("tf221-k3")
def test_keras_check_corrects_the_cell_with_the_definition_from_the_earlier_cell(kernel: Kernel) -> None:  # fmt: skip
    """``%%keras_check`` of the scoring cell: its corrected version defines ``build_model`` again,
    fixed, at its top (the kernel runs it again), and runs."""
    assert printed(kernel.run("%load_ext kerasmagic")) == ""
    for cell in (ESTIMATOR, BUILD):
        printed(kernel.run(cell))
    fixed = fixed_source(kernel.run("%%keras_check\n" + SCORE))
    assert fixed is not None and "keras.Input(shape=(x.shape[1],))" in fixed, fixed
    assert fixed.rstrip().endswith(SCORE.splitlines()[-1]), fixed
    assert "folds 2 True" in printed(kernel.run(fixed))
