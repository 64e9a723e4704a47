"""An error of a model's fit that scikit-learn quotes as text (diagnosis/quoted_errors.py): its
model selection (``cross_val_score``) catches each fit's error and, when every fit failed, raises
a ``ValueError`` of its own whose message holds the formatted traceback of the first. The cell is
diagnosed for the quoted error, on the lines of the cell's code in that traceback: here Keras 3's
refusal of an integer shape in the ``build_fn`` of a scikit-learn estimator, fixed where the
function is defined, this cell or an earlier one. Through a real kernel with real scikit-learn
where the environment has it (none of the test environments does: the corpus harness's overlay
has it), and everywhere from the message scikit-learn 1.7.1 raised, recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from kernel_helpers import Kernel, fixed_source, printed
from migrate_helpers import migrate_notebook, migrated_cells, rule_ids

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
    pytest.importorskip("sklearn")  # real scikit-learn, where the kernel has it
    finals, printed = migrated_cells(tmp_path, "grid.ipynb", [ESTIMATOR, BUILD, SCORE])
    assert "keras.Input(shape=(x.shape[1],))" in finals[1], finals[1]
    assert finals[2] == SCORE
    assert "folds 2 True" in printed, printed


@pytest.mark.envs("tf221-k3")
def test_the_quoted_error_is_fixed_in_the_cell_itself(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")  # real scikit-learn, where the kernel has it
    proc, doc = migrate_notebook(tmp_path, "one.ipynb", [ESTIMATOR + "\n\n\n" + BUILD + "\n\n\n" + SCORE])
    assert doc["status"] == "migrated", doc["message"]
    assert "keras.Input(shape=(x.shape[1],))" in doc["cells"][0]["final"]
    assert rule_ids(doc), doc
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.mark.envs("tf221-k3")
def test_keras_check_corrects_the_cell_with_the_definition_from_the_earlier_cell(kernel: Kernel) -> None:  # fmt: skip
    """``%%keras_check`` of the scoring cell: its corrected version defines ``build_model`` again,
    fixed, at its top (the kernel runs it again), and runs."""
    pytest.importorskip("sklearn")  # real scikit-learn, where the kernel has it
    assert printed(kernel.run("%load_ext kerasmagic")) == ""
    for cell in (ESTIMATOR, BUILD):
        printed(kernel.run(cell))
    fixed = fixed_source(kernel.run("%%keras_check\n" + SCORE))
    assert fixed is not None and "keras.Input(shape=(x.shape[1],))" in fixed, fixed
    assert fixed.rstrip().endswith(SCORE.splitlines()[-1]), fixed
    assert "folds 2 True" in printed(kernel.run(fixed))


# What scikit-learn 1.7.1 raised (its message, recorded in tests/data; site-packages paths
# shortened) when every fit of the estimator below failed in Keras 3.15, the two cells having run
# in IPython as <ipython-input-1-…> and <ipython-input-2-…>: read without scikit-learn installed.
RECORDED = (Path(__file__).parent / "data" / "sklearn_all_fits_failed.txt").read_text()
RECORDED_CELLS = (
    "import numpy as np\nfrom sklearn.base import BaseEstimator, RegressorMixin\n"
    "from sklearn.model_selection import cross_val_score\nfrom tensorflow import keras\n\n\n"
    "class Regressor(BaseEstimator, RegressorMixin):\n    def __init__(self, build_fn=None):\n"
    "        self.build_fn = build_fn\n\n    def fit(self, x, y):\n"
    "        self.model_ = self.build_fn()\n        return self\n\n    def predict(self, x):\n"
    "        return x[:, 0]",
    "x = np.random.rand(10, 4)\ny = np.random.rand(10)\n\n\ndef build_model():\n"
    "    inputs = keras.Input(shape=(x.shape[1]))\n"
    "    return keras.Model(inputs, keras.layers.Dense(1)(inputs))",
)
RECORDED_FILES = ("<ipython-input-1-ce3a9d0c79f5>", "<ipython-input-2-4d519232e72a>")


def test_the_quoted_error_is_read_from_the_recorded_message() -> None:
    from kerasmagic.diagnosis.quoted_errors import quoted_error

    quoted = quoted_error(ValueError(RECORDED), RECORDED)
    assert quoted is not None
    assert (quoted.type_name, quoted.message) == ("ValueError", "Cannot convert '4' to a shape.")
    assert quoted.lines_in(RECORDED_FILES[1]) == [6]
    assert quoted.lines_in(RECORDED_FILES[0]) == [12]
    assert quoted_error(RuntimeError(RECORDED), RECORDED) is None  # scikit-learn raises ValueError
    other = "Input 0 of layer dense is incompatible with the layer"
    assert quoted_error(ValueError(other), other) is None


@pytest.mark.envs("tf221-k3", "colab")
def test_the_recorded_error_is_placed_in_the_cell_that_defines_the_build_function() -> None:
    """The recorded message, raised by the scoring cell: the cells' files of its traceback lead
    to the earlier cell defining ``build_model``, whose integer shape gets the tuple fix."""
    import linecache

    import numpy as np
    from tensorflow import keras

    from kerasmagic.diagnosis.context import CellContext
    from kerasmagic.diagnosis.defining_cell import defining_cell
    from kerasmagic.diagnosis.rules import ERROR, problems_for

    for name, text in zip(RECORDED_FILES, RECORDED_CELLS):
        lines = [line + "\n" for line in text.splitlines()]
        linecache.cache[name] = (len(text), None, lines, name)
    scoring = "scores = cross_val_score(Regressor(build_fn=build_model), x, y, cv=2)"
    namespace = {"np": np, "keras": keras, "x": np.zeros((10, 4))}
    ctx = CellContext.of(scoring, namespace=namespace, exc=ValueError(RECORDED), earlier=RECORDED_CELLS)
    assert (ctx.error_type, ctx.message) == ("ValueError", "Cannot convert '4' to a shape.")
    index, sub, node = defining_cell(ctx)
    assert (index, sub.line, node.name) == (1, 6, "build_model")
    problems = [p for p in problems_for(sub, ERROR) if p.id == "message-shape-argument"]
    assert [e.text for p in problems for e in p.edits] == ["(x.shape[1],)"]
